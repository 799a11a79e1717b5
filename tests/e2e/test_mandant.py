"""A mandant of the agency signs in, lands on its space, sees a collection and downloads its
remittance statement: a PDF holding the totals."""

from __future__ import annotations

import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from recouvra.agency.models import Remittance
from recouvra.agency.services import run_remittances
from recouvra.core.models import Organization, Role
from recouvra.law.money import format_amount
from recouvra.ledger.models import Creditor

from ..agency.base import MANDANT_IBAN, TRUST_IBAN, make_mandate, pay
from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_mandant_downloads_its_statement(live_server, page) -> None:
    org = make_org("Cabinet Alpha Recouvrement", siren=SIREN_ALPHA)
    Organization.objects.filter(pk=org.pk).update(bank_iban=TRUST_IBAN)
    telcoria = make_creditor(org, "Telcoria Mobile SA", is_mandant=True, iban=MANDANT_IBAN)
    make_mandate(telcoria, 1200, reference="MAN-2025-001")
    debtor = make_debtor(org, "Boulangerie Martin")
    make_claim(telcoria, debtor, 500_000)
    pay(telcoria, debtor, 123_456, date(2026, 3, 10))
    run_remittances(org.pk, date(2026, 3, 31))
    pay(telcoria, debtor, 10_000, date(2026, 4, 2))  # this month's, not remitted yet
    remittance = Remittance.objects.get()
    make_user("client@telcoria.demo", org, Role.MANDANT, creditor=telcoria)
    other = make_creditor(org, "Énergies du Rhône SAS", is_mandant=True)
    Creditor.objects.filter(pk=other.pk).update(iban="")

    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", "client@telcoria.demo")
    page.fill("#id_password", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/espace-mandant/")

    expect(page.locator("h1")).to_contain_text("Telcoria Mobile SA")
    collections = page.locator("[data-testid=collections]")
    expect(collections).to_contain_text("Boulangerie Martin")
    expect(collections).to_contain_text(format_amount(123_456))
    expect(collections).to_contain_text(remittance.number)
    expect(page.locator("body")).not_to_contain_text("Énergies du Rhône")

    with page.expect_download() as downloading:
        page.click("[data-testid=statement-pdf]")
    download = downloading.value
    assert download.suggested_filename == f"releve-{remittance.number}.pdf"
    with open(download.path(), "rb") as pdf:
        data = pdf.read()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    for cents in (123_456, remittance.commission_cents, remittance.remitted_cents):
        assert format_amount(cents).replace("\u202f", " ").replace("\xa0", " ") in text
    assert remittance.number in text
