"""In the browser: an administrator adds a webhook endpoint from Paramètres → API, sends
it a test, sees the signed request arrive and the attempt on the page."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from recouvra.webhooks.models import Endpoint

from ..base import SIREN_ALPHA, make_org, make_user
from ..webhooks.receiver import Receiver
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@override_settings(WEBHOOKS_ALLOW_HTTP=True)
def test_an_administrator_adds_an_endpoint_and_tests_it(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    receiver = Receiver().start()
    try:
        log_in(page, live_server.url, "alice@example.org")
        page.goto(f"{live_server.url}/parametres/api/")
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("link", name="Ajouter un point de terminaison").click()
        page.fill("#id_url", receiver.url)
        page.fill("#id_description", "ERP compta")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_test_id("secret")).to_contain_text("whsec_")
        page.get_by_role("button", name="Envoyer un test").click()
        expect(page.get_by_text("Message de test remis")).to_be_visible()
        page.get_by_text("contenu et tentatives").first.click()
        expect(page.locator("[data-testid^=attempt-]").first).to_contain_text("200")
        if os.environ.get("WEBHOOKS_SCREENSHOT"):
            page.screenshot(path=os.environ["WEBHOOKS_SCREENSHOT"], full_page=True)
        endpoint = Endpoint.objects.get()
        (request,) = receiver.requests
        assert request.verified(endpoint.secret)["type"] == "webhook.test"
    finally:
        receiver.stop()
