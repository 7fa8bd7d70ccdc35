"""A frontend on another origin, in Chromium: it works when the site lists it, and only then.

The page is served from ``http://localhost:PORT`` and calls chatgate's API at
``http://127.0.0.1:PORT``, another origin of the same live server, as a
single-page app on ``app.example.com`` calls ``www.example.com``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page

from chatgate.models import Form, Ticket
from tests.factories import FormFactory, FormFieldFactory, ScheduleFactory, WidgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Monday 19:00 in Paris: the offline form

SPA = """async (api) => {
  const read = async (response) => ({status: response.status, body: await response.json()});
  try {
    const state = await fetch(api + "/chatgate/api/widgets/shop/state/", {credentials: "omit"});
    const etag = state.headers.get("ETag");
    const again = await fetch(api + "/chatgate/api/widgets/shop/state/", {
      credentials: "omit", cache: "no-store", headers: {"If-None-Match": etag}});
    const ticket = await fetch(api + "/chatgate/api/widgets/shop/tickets/", {
      method: "POST", credentials: "omit", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({form: "offline", fields: {email: "zoe@example.com"}})});
    return {state: await read(state), etag: etag, again: again.status, ticket: await read(ticket)};
  } catch (error) {
    return {error: String(error)};
  }
}"""


@pytest.fixture
def origins(live_server, frozen, settings):
    """(the page's origin, the API's origin) with a shop whose offline form is shown."""
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    frozen(NOW)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    WidgetFactory(slug="shop", schedule=schedule, offline_form=form)
    assert live_server.url.startswith("http://localhost:")
    return live_server.url, live_server.url.replace("localhost", "127.0.0.1")


def test_an_allowed_origin_reads_the_state_and_sends_a_ticket(page: Page, origins, settings):
    app, api = origins
    settings.CORS_ALLOWED_ORIGINS = [app]
    page.goto(f"{app}/page/shop/")
    result = page.evaluate(SPA, api)
    assert result["state"] == {"status": 200, "body": result["state"]["body"]}
    assert result["state"]["body"]["show"] == "offline_form"
    assert result["etag"] and result["again"] == 304  # ETag exposed, If-None-Match allowed
    assert result["ticket"]["status"] == 201
    assert Ticket.objects.get().email == "zoe@example.com"


def test_an_origin_the_site_does_not_list_cannot(page: Page, origins, settings):
    app, api = origins
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    page.goto(f"{app}/page/shop/")
    assert page.evaluate(SPA, api) == {"error": "TypeError: Failed to fetch"}
    assert not Ticket.objects.exists()  # the POST's preflight was refused: it was never sent


FORMS = {  # input name -> value, as a plain HTML form on any site can send them
    "application/x-www-form-urlencoded": {"form": "offline", "fields.email": "zoe@example.com"},
    # the trick that makes a form send JSON-looking text: name + "=" + value
    "text/plain": {'{"form": "offline", "fields": {"email": "zoe@example.com"}, "x": "': '"}'},
}


@pytest.mark.parametrize("enctype", list(FORMS))
def test_a_plain_form_on_another_site_cannot_post_a_ticket(page: Page, origins, enctype):
    app, api = origins
    page.goto(f"{app}/page/shop/")
    page.evaluate(
        """([action, enctype, inputs]) => {
          const form = document.createElement("form");
          Object.assign(form, {method: "POST", action: action, enctype: enctype});
          for (const [name, value] of Object.entries(inputs)) {
            const input = document.createElement("input");
            Object.assign(input, {type: "hidden", name: name, value: value});
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        }""",
        [f"{api}/chatgate/api/widgets/shop/tickets/", enctype, FORMS[enctype]],
    )
    page.wait_for_url(f"{api}/chatgate/api/widgets/shop/tickets/")
    assert "Unsupported media type" in page.content()
    assert not Ticket.objects.exists()
