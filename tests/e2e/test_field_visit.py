"""The field collector on a phone (390 × 844): sign in, land on today's visits, open one,
take a cash payment, see the receipt number, download the receipt PDF."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from recouvra.cases.models import Task, TaskKind
from recouvra.core.models import Role

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_collector_takes_a_cash_payment_and_gets_its_receipt(live_server, browser) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    collector = make_user("terrain@example.org", org, Role.FIELD_COLLECTOR)
    creditor = make_creditor(org, "Télécom Ouest", is_mandant=True)
    for name, line, postcode in (
        ("Menuiserie Dubois", "12 rue des Lilas, bâtiment B, escalier 3", "69003"),
        ("Boulangerie Martin-Lefèvre-Des-Longs-Noms", "4 avenue Jean Jaurès", "69007"),
    ):
        debtor = make_debtor(
            org, name, address_line1=line, postal_code=postcode, city="Lyon",
            mobile="06 12 34 56 78",
        )  # fmt: skip
        case = make_claim(creditor, debtor, 125_000).case
        Task.objects.create(
            organization=org, case=case, kind=TaskKind.VISIT, title="Visite",
            due_on=timezone.localdate(), assigned_to=collector,
        )  # fmt: skip

    context = browser.new_context(locale="fr-FR", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/connexion/")
        page.fill("#id_username", "terrain@example.org")
        page.fill("#id_password", "password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/terrain/")
        visits = page.locator("[data-testid=visit]")
        expect(visits).to_have_count(2)
        expect(visits.first).to_contain_text("Menuiserie Dubois")  # 69003 before 69007
        assert fits_the_screen(page)

        visits.first.get_by_role("link", name="Ouvrir la visite").click()
        expect(page.locator("[data-testid=balance]")).to_contain_text("1\u202f250,00")
        assert fits_the_screen(page)
        form = page.locator("[data-testid=payment-form]")
        form.locator("input[name=amount]").fill("150,00")
        form.get_by_label("Espèces").check()
        form.get_by_role("button").click()

        number = page.locator("[data-testid=receipt-number]")
        year = timezone.localdate().year
        expect(number).to_have_text(f"Q-{year}-000001")
        assert fits_the_screen(page)
        href = page.locator("[data-testid=receipt-pdf]").get_attribute("href")
        pdf = page.request.get(f"{live_server.url}{href}")
        assert pdf.headers["content-type"] == "application/pdf"
        text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
        assert f"Q-{year}-000001" in text
    finally:
        context.close()
