"""In the browser: an agent's match teaches facts shown on the debtor's page; one is removed."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from recouvra.imports.models import BankAccount, BankLine, ImportBatch, ImportKind
from recouvra.lettrage.models import FactKind, PayerFact
from recouvra.lettrage.reconcile import propose_matches

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IBAN = "FR1420041010050500013M02606"


def test_an_agents_match_teaches_facts_that_can_be_removed(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    alice = make_user("alice@example.org", org)
    creditor = make_creditor(org, "Télécom Ouest")
    debtor = make_debtor(org, "Menuiserie Dubois")
    make_claim(creditor, debtor, 80_000, reference="FA-2026-0007")
    batch = ImportBatch.objects.create(
        organization=org,
        kind=ImportKind.BANK,
        filename="releve.xml",
        file="imports/releve.xml",
        sha256="0" * 64,
        uploaded_by=alice,
    )
    account = BankAccount.objects.create(organization=org, identifier="FR76-A")
    BankLine.objects.create(
        organization=org,
        account=account,
        batch=batch,
        booking_date=date(2026, 10, 3),
        amount_cents=80_000,
        label="VIREMENT FA-2026-0007",
        counterparty_name="GARAGE DES PINS NANTES",
        counterparty_iban=IBAN,
        fingerprint="f1",
    )
    assert len(propose_matches(org.pk, auto_threshold=101)) == 1

    log_in(page, live_server.url, "alice@example.org")
    page.goto(f"{live_server.url}/lettrage/")
    page.locator("article.proposal").first.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Paiement lettré.")).to_be_visible()

    page.goto(f"{live_server.url}{debtor.get_absolute_url()}")
    card = page.locator("[data-testid=payer-facts]")
    expect(card).to_contain_text("Ce que le lettrage a appris")
    facts = card.locator("[data-testid=payer-fact]")
    expect(facts).to_have_count(2)
    iban_row = facts.filter(has_text=IBAN)
    expect(iban_row).to_contain_text("vu sur le paiement de 800,00")
    expect(facts.filter(has_text="garage pins nantes")).to_contain_text("lettré par alice")

    iban_row.get_by_role("button", name="Retirer").click()
    expect(page.get_by_text("Le lettrage n'utilisera plus ce fait.")).to_be_visible()
    expect(card.locator("[data-testid=payer-fact]")).to_have_count(1)
    removed = card.locator("[data-testid=removed-fact]")
    expect(removed).to_contain_text(IBAN)
    expect(removed).to_contain_text("par alice")
    fact = PayerFact.objects.get(kind=FactKind.IBAN)
    assert fact.removed_by == alice and fact.removed_at is not None
