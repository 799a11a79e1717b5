"""In the browser, from the keyboard: move through the reconciliation queue, accept one
proposal, take the second best of the next, say that the third pays nothing of ours, then
reopen it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from recouvra.imports.models import (
    BankAccount,
    BankLine,
    BankLineStatus,
    ImportBatch,
    UnappliedReason,
)
from recouvra.ledger.models import Payment
from recouvra.lettrage.models import FactKind, MatchProposal, PayerFact

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = re.compile(r"\bis-focused\b")


def reason(signal: str, detail: str, points: int) -> dict:
    return {"signal": signal, "detail": detail, "points": points}


def test_the_queue_from_the_keyboard(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    creditor = make_creditor(org, "Télécom Ouest")
    dubois = make_debtor(org, "Menuiserie Dubois")
    durand = make_debtor(org, "Garage Durand")
    first = make_claim(creditor, dubois, 50_000, reference="FA-KB-1")
    second = make_claim(creditor, dubois, 30_000, reference="FA-KB-2")
    durand_claim = make_claim(creditor, durand, 30_000, reference="FA-KB-9")
    third = make_claim(creditor, dubois, 20_000, reference="FA-KB-3")
    batch = ImportBatch.objects.create(
        organization=org,
        filename="releve.cfo",
        file=ContentFile(b"x", name="releve.cfo"),
        sha256="2" * 64,
    )
    account = BankAccount.objects.create(organization=org, identifier="FR76ALPHA")

    def pending(n: int, cents: int, claim, score: int, reasons, alternatives=(), **line):  # noqa: ANN001
        bank_line = BankLine.objects.create(
            organization=org,
            account=account,
            batch=batch,
            booking_date=date(2026, 3, n),
            amount_cents=cents,
            fingerprint=f"kb{n}",
            status=BankLineStatus.PROPOSED,
            **line,
        )
        proposal = MatchProposal.objects.create(
            organization=org,
            bank_line=bank_line,
            debtor=claim.debtor,
            score=score,
            reasons=reasons,
            alternatives=list(alternatives),
        )
        proposal.claims.add(claim)
        return proposal

    p1 = pending(
        2, 50_000, first, 70, [reason("reference", "Référence FA-KB-1 citée", 60)], label="FA KB 1"
    )
    p2 = pending(
        3,
        30_000,
        second,
        60,
        [reason("amount", "Montant égal au solde de FA-KB-2", 40)],
        [
            {
                "debtor_id": durand.pk,
                "claim_ids": [durand_claim.pk],
                "score": 55,
                "reasons": [reason("name", "Payeur nommé comme Garage Durand", 35)],
            }
        ],
        counterparty_name="GARAGE DURAND",
    )
    p3 = pending(
        4,
        20_000,
        third,
        50,
        [
            reason("reference", "Référence FA-KB-3 citée", 60),
            reason("duplicate", "Même montant et même référence qu'un paiement déjà lettré", -40),
        ],
        counterparty_iban="FR76 1111 2222 3333",
        counterparty_name="DUBOIS MENUISERIE",
    )
    url = live_server.url

    log_in(page, url, "alice@example.org")
    page.goto(f"{url}/lettrage/")
    proposals = page.locator("article.proposal")
    expect(proposals).to_have_count(3)
    expect(page.locator("#queue-shortcuts")).to_contain_text("valider")
    expect(proposals.nth(0)).to_have_class(FOCUSED)
    expect(proposals.nth(2).get_by_text("Doublon probable")).to_be_visible()

    # j / k move the focus, typing in a field does not
    page.keyboard.press("j")
    expect(proposals.nth(1)).to_have_class(FOCUSED)
    expect(proposals.nth(0)).not_to_have_class(FOCUSED)
    page.keyboard.press("j")
    expect(proposals.nth(2)).to_have_class(FOCUSED)
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(proposals.nth(0)).to_have_class(FOCUSED)
    page.keyboard.press("c")  # change: the field to add a claim by its reference
    expect(page.locator(f"#reference-{p1.pk}")).to_be_focused()
    page.locator(f"#reference-{p1.pk}").fill("jjk")
    expect(proposals.nth(0)).to_have_class(FOCUSED)
    page.locator(f"#reference-{p1.pk}").fill("")
    page.keyboard.press("Escape")  # back to the proposal: the shortcuts work again
    expect(proposals.nth(0)).to_be_focused()

    # ? shows the help
    page.keyboard.press("?")
    expect(page.locator("#queue-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#queue-help")).to_be_hidden()

    # a accepts the first
    proposals.nth(0).focus()
    page.keyboard.press("a")
    expect(page.locator(".message-success")).to_have_text("Paiement lettré.")
    payment = Payment.objects.get(proposal=p1)
    assert list(payment.allocations.values_list("claim_id", flat=True)) == [first.pk]

    # 2 takes the second best of the next one
    expect(proposals).to_have_count(2)
    expect(proposals.nth(0)).to_have_class(FOCUSED)
    expect(proposals.nth(0)).to_contain_text("Garage Durand")
    page.keyboard.press("2")
    expect(page.locator(".message-success")).to_have_text("Paiement lettré.")
    payment = Payment.objects.get(proposal=p2)
    assert payment.debtor_id == durand.pk
    assert list(payment.allocations.values_list("claim_id", flat=True)) == [durand_claim.pk]

    # n: the third pays nothing of ours (a refund), chosen and sent from the keyboard
    expect(proposals).to_have_count(1)
    expect(proposals.nth(0)).to_have_class(FOCUSED)
    page.keyboard.press("n")
    reason_field = page.locator(f"#reason-p{p3.bank_line_id}")
    expect(reason_field).to_be_focused()
    reason_field.select_option(label="Remboursement (client aussi fournisseur)")
    page.keyboard.press("Enter")
    expect(page.locator(".message-success")).to_contain_text("Crédit gardé non imputé")
    line = BankLine.objects.get(pk=p3.bank_line_id)
    assert (line.status, line.unapplied_reason) == (
        BankLineStatus.UNAPPLIED,
        UnappliedReason.REFUND,
    )
    fact = PayerFact.objects.get(kind=FactKind.NOT_OURS)
    assert (fact.value, fact.debtor_id) == ("FR76111122223333", dubois.pk)
    expect(page.locator("article.proposal")).to_have_count(0)
    row = page.locator(f"#unapplied-{line.pk}")
    expect(row).to_contain_text("Remboursement")
    expect(row).to_contain_text("alice")

    # Rouvrir: the line is to match again
    row.get_by_role("button", name="Rouvrir").click()
    expect(page.locator(".message-success")).to_contain_text("Crédit rouvert")
    line.refresh_from_db()
    assert line.status == BankLineStatus.UNMATCHED
    expect(page.locator(f"#line-{line.pk}")).to_be_visible()
