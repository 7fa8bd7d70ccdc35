"""Helpers of the chat tests: a shop with two departments, agents, and the chat endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

from rest_framework.test import APIClient

from chatgate import presence
from chatgate.models import Agent, Form, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris, open until 17:00
START = "/chatgate/api/widgets/shop/conversations/"


def messages_url(token: str) -> str:
    return f"/chatgate/api/conversations/{token}/messages/"


def close_url(token: str) -> str:
    return f"/chatgate/api/conversations/{token}/close/"


def agent_url(pk: int, action: str) -> str:
    return f"/chatgate/api/agent/conversations/{pk}/{action}/"


def build_shop(**widget) -> Widget:
    """Sales then Support, both on the shop's Paris hours (weekdays 09:00-17:00)."""
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales", position=0)
    support = DepartmentFactory(slug="support", name="Support", position=1)
    form = FormFactory(kind=Form.Kind.OFFLINE, title="Leave us a message")
    FormFieldFactory(form=form, name="email", label="Email", type="email", required=True)
    FormFieldFactory(form=form, name="message", label="Message", type="textarea", required=True)
    return WidgetFactory(
        slug="shop",
        schedule=schedule,
        departments=[sales, support],
        offline_form=form,
        email="shop@example.com",
        **widget,
    )


def agent_in(*departments, status: str = "online", at: datetime = MONDAY_11, **fields) -> Agent:
    agent = AgentFactory(departments=list(departments), **fields)
    presence.set_status(agent, status, at=at)
    return agent


def client_of(agent: Agent) -> APIClient:
    client = APIClient()
    client.force_authenticate(agent.user)
    return client


def start(client: APIClient | None = None, **body):
    return (client or APIClient()).post(START, {"message": "Hello", **body}, format="json")
