"""The API's documentation page, in a real browser: every operation of the schema listed,
and "Try it out" answering with a key made in Paramètres → API."""

from __future__ import annotations

import pytest

from recouvra.core.models import Organization, OrganizationKind

from ..base import SIREN_ALPHA, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

METHODS = ("get", "post", "put", "patch", "delete")


def test_the_documentation_lists_every_operation(live_server, page, client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    operations = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock")
    shown = set()
    for block in page.locator(".opblock").all():
        method = block.locator(".opblock-summary-method").inner_text().strip()
        path = block.locator(".opblock-summary-path").get_attribute("data-path")
        shown.add((method, path))
    assert shown == operations


def test_an_admin_makes_a_key_and_the_docs_page_uses_it(live_server, page) -> None:
    alpha = Organization.objects.create(
        name="Alpha Recouvrement", kind=OrganizationKind.AGENCY, siren=SIREN_ALPHA
    )
    make_user("alice@example.org", alpha)
    log_in(page, live_server, "alice@example.org", "password")
    page.goto(f"{live_server.url}/parametres/")
    page.get_by_role("link", name="API : clés et webhooks →").click()
    page.fill("#id_name", "ERP nuit")
    page.check("input[name=scopes][value=write]")
    page.get_by_role("button", name="Créer la clé").click()
    secret = page.locator("[data-testid=secret]").inner_text().strip()
    assert secret.startswith("rcv_")

    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_role("button", name="Authorize").click()
    page.locator(".auth-container input").first.fill(secret)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".btn-done").click()
    listing = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/creditors/']"))
    listing.first.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    assert status.inner_text().strip().startswith("200")
