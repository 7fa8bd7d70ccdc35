"""The visitors' throttle: who the client is, an atomic count, only accepted submissions count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from chatgate.api.throttles import VisitorRateThrottle
from chatgate.models import Ticket
from tests.test_api_visitor import TICKETS, VALID, shop  # noqa: F401 (the fixture)

MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Paris: the offline form
OFFLINE = {"form": "offline", "fields": VALID}


def post(client: APIClient, body: dict = OFFLINE, **headers) -> int:
    return client.post(TICKETS, body, format="json", headers=headers).status_code


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_a_new_x_forwarded_for_each_time_does_not_escape_the_limit(frozen):
    frozen(MONDAY_19)
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    codes = [post(client, **{"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"}) for n in range(100)]
    assert codes.count(201) == 10 and codes.count(429) == 90
    assert Ticket.objects.count() == 10


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_behind_proxies_the_address_the_outermost_proxy_saw_is_the_client(frozen, settings):
    settings.CHATGATE_NUM_PROXIES = 2
    settings.CHATGATE_TICKET_RATE = "2/hour"
    frozen(MONDAY_19)
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")  # the inner proxy; the outer one is 10.0.0.1
    codes = [
        post(proxy, **{"X-Forwarded-For": f"6.6.6.{n}, 203.0.113.7, 10.0.0.1"}) for n in range(3)
    ]
    assert codes == [201, 201, 429]  # what the visitor wrote in front is not believed
    assert post(proxy, **{"X-Forwarded-For": "203.0.113.8, 10.0.0.1"}) == 201  # another visitor


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_an_ipv6_visitor_is_counted_per_64_block(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "2/hour"
    frozen(MONDAY_19)
    codes = [post(APIClient(REMOTE_ADDR=f"2001:db8:1:2::{n:x}")) for n in range(1, 4)]
    assert codes == [201, 201, 429]
    assert post(APIClient(REMOTE_ADDR="2001:db8:1:3::1")) == 201


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_refused_submissions_do_not_use_the_quota(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "2/hour"
    frozen(MONDAY_19)
    client = APIClient()
    invalid = {"form": "offline", "fields": {**VALID, "email": "not an address"}}
    assert [post(client, invalid) for _ in range(5)] == [400] * 5
    assert [post(client) for _ in range(3)] == [201, 201, 429]


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_a_submission_the_database_could_not_take_does_not_use_the_quota(
    frozen, settings, monkeypatch
):
    from django.db import OperationalError

    from chatgate import tickets

    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    settings.CHATGATE_TICKET_RATE = "1/hour"
    frozen(MONDAY_19)
    client = APIClient()
    with monkeypatch.context() as patch:
        patch.setattr(tickets, "submit", database_down)
        assert post(client) == 503
    assert [post(client), post(client)] == [201, 429]


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_chat_starts_share_the_quota_and_a_refused_start_does_not_use_it(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "1/hour"
    frozen(MONDAY_19)  # closed: a chat start is refused (409), the offline form is offered
    client = APIClient()
    start = "/chatgate/api/widgets/shop/conversations/"
    refused = [client.post(start, {"message": "Hello?"}, format="json") for _ in range(2)]
    assert [r.status_code for r in refused] == [409, 409]  # not 429: no quota used
    assert [post(client), post(client)] == [201, 429]  # the ticket and the start share it
    assert client.post(start, {"message": "Hello?"}, format="json").status_code == 429


@pytest.mark.django_db
@pytest.mark.usefixtures("shop")
def test_a_throttled_visitor_is_told_when_to_come_back(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "1/hour"
    frozen(MONDAY_19 + timedelta(minutes=47, seconds=30))
    client = APIClient()
    assert post(client) == 201
    refused = client.post(TICKETS, OFFLINE, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "750"  # 12 min 30 s until the hour's window ends
    frozen(MONDAY_19 + timedelta(hours=1))
    assert post(client) == 201  # a new window


def take(throttle_requests: int) -> list[bool]:
    """``throttle_requests`` concurrent throttle decisions for one client, all released at once."""
    request = Request(APIRequestFactory().post(TICKETS, REMOTE_ADDR="192.0.2.5"))
    start = threading.Barrier(throttle_requests)

    def one(_n: int) -> bool:
        start.wait()
        return VisitorRateThrottle().allow_request(request, None)

    with ThreadPoolExecutor(max_workers=throttle_requests) as pool:
        return list(pool.map(one, range(throttle_requests)))


def test_forty_concurrent_requests_get_exactly_the_limit(frozen, settings):
    """Against the configured cache: Redis in the PostgreSQL + Redis leg, else local memory."""
    settings.CHATGATE_TICKET_RATE = "10/hour"
    for hour in range(3):  # a race shows itself in some rounds, not in every one
        frozen(MONDAY_19 + timedelta(hours=hour))
        assert take(40).count(True) == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (its leg)"
)
@pytest.mark.usefixtures("shop")
def test_forty_concurrent_posts_from_one_client_give_exactly_the_limit(frozen):
    frozen(MONDAY_19)
    start = threading.Barrier(40)

    def one(_n: int) -> int:
        try:
            start.wait()
            return post(APIClient(REMOTE_ADDR="192.0.2.9"))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = list(pool.map(one, range(40)))
    assert codes.count(201) == 10 and codes.count(429) == 30
    assert Ticket.objects.count() == 10
