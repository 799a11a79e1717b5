"""In the browser: a mandate added on the debtor's page (a bad IBAN first, refused), the
debits scheduled and pre-notified, the pain.008 generated for their date; the collections
page fits a 390 px phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recouvra.sepa.models import Collection, DirectDebit

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from ..sepa.base import ICS, ORG_BIC, ORG_IBAN, make_plan
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_mandate_then_the_file_of_the_first_debit(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    org.sepa_creditor_id, org.bank_iban, org.bank_bic = ICS, ORG_IBAN, ORG_BIC
    org.save()
    make_user("alice@example.org", org)
    creditor = make_creditor(org, "Télécom Ouest")
    debtor = make_debtor(org, "Menuiserie Dubois", email="compta@dubois.example")
    today = date.today()
    claim = make_claim(creditor, debtor, 60_000, issue_date=today - timedelta(days=90),
                       due_date=today - timedelta(days=60))  # fmt: skip
    make_plan(claim.case, today + timedelta(days=20), [30_000, 30_000])

    log_in(page, live_server.url, "alice@example.org")
    page.goto(f"{live_server.url}{claim.case.get_absolute_url()}")
    expect(page.locator("[data-testid=missing-mandate]")).to_be_visible()
    page.goto(f"{live_server.url}{debtor.get_absolute_url()}")
    page.locator("[data-testid=debtor-mandates]").get_by_role(
        "link", name="Ajouter un mandat"
    ).click()
    page.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 188")
    page.fill("#id_signed_on", (today - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".field.has-error")).to_contain_text("IBAN")
    page.fill("#id_iban", "DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-testid=mandate]")).to_have_count(1)

    page.goto(f"{live_server.url}/prelevements/")
    page.get_by_role("button", name="Programmer et pré-notifier maintenant").click()
    expect(page.locator("[data-testid=upcoming-debit]")).to_have_count(1)
    debit = DirectDebit.objects.get()
    page.fill("#id_collection_on", debit.collection_on.isoformat())
    page.get_by_role("button", name="Générer le fichier").click()
    expect(page.locator("[data-testid=collection-total]")).to_contain_text("300,00")
    assert Collection.objects.get().count == 1

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/prelevements/")
    expect(page.locator("[data-testid=collection-file]")).to_have_count(1)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the phone"
