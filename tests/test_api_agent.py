"""An agent's own presence over HTTP: GET/PUT api/agent/status/, POST api/agent/heartbeat/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chatgate import services
from chatgate.models import Agent
from tests.factories import AgentFactory, UserFactory, WidgetFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def agent_api(frozen):
    frozen(AT)
    agent = AgentFactory()
    client = APIClient()
    client.force_authenticate(agent.user)
    return client, agent


def test_agent_goes_online_and_counts(agent_api):
    client, agent = agent_api
    WidgetFactory(slug="w")
    response = client.put("/chatgate/api/agent/status/", {"status": "online"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "status": "online",
        "effective_status": "online",
        "last_seen": "2026-11-23T10:00:00Z",
        "timeout": 60,
    }
    assert Agent.objects.get().status == "online"
    assert services.widget_state("w", at=AT).status == "online"


def test_heartbeat_keeps_the_status_alive(agent_api, frozen):
    client, agent = agent_api
    client.put("/chatgate/api/agent/status/", {"status": "away"}, format="json")
    frozen(AT + timedelta(seconds=90))
    assert client.get("/chatgate/api/agent/status/").json()["effective_status"] == "offline"
    beat = client.post("/chatgate/api/agent/heartbeat/")
    assert beat.status_code == 200
    assert beat.json()["effective_status"] == "away"
    assert beat.json()["last_seen"] == "2026-11-23T10:01:30Z"


def test_unknown_status_is_400(agent_api):
    client, _ = agent_api
    response = client.put("/chatgate/api/agent/status/", {"status": "busy"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_only_agents_for_themselves():
    assert APIClient().get("/chatgate/api/agent/status/").status_code == 403
    client = APIClient()
    client.force_authenticate(UserFactory())  # signed in, but not an agent
    assert client.post("/chatgate/api/agent/heartbeat/").status_code == 403


def test_token_authentication(frozen):
    frozen(AT)
    agent = AgentFactory()
    token = Token.objects.create(user=agent.user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert (
        client.put("/chatgate/api/agent/status/", {"status": "invisible"}, format="json").json()[
            "status"
        ]
        == "invisible"
    )
