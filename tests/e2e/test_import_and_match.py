"""In the browser: upload a CSV ledger and a CFONB statement, then accept a proposed match."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recouvra import cli
from recouvra.imports.parsers.cfonb_writer import cfonb_record
from recouvra.ledger.models import Claim

from ..base import SIREN_ALPHA, SIREN_DEBTOR, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "N° facture;Client;SIREN;Date facture;Échéance;Montant\n"
    f"FA-E2E-0001;Menuiserie Dubois;{SIREN_DEBTOR};01/09/2026;01/10/2026;1 234,56\n"
)


def cfonb_statement() -> str:
    """One credit of 1 000,00 € citing FA-E2E-0001: a partial payment, left to an agent."""
    common = {3: "30003", 12: "01234", 17: "EUR", 20: "2", 22: "00012345678"}
    return (
        "\r\n".join(
            [
                cfonb_record({1: "01", **common, 35: "011026", 91: "0000000000000{"}),
                cfonb_record(
                    {
                        1: "04",
                        **common,
                        8: "0512",
                        33: "05",
                        35: "151026",
                        43: "151026",
                        49: "VIR SEPA REGLT FA-E2E-0001",
                        91: "0000000010000{",
                    }
                ),
                cfonb_record({1: "07", **common, 35: "161026", 91: "0000000010000{"}),
            ]
        )
        + "\r\n"
    )


def run_worker() -> None:
    cli.main(["worker", "--batch", "--no-startup-delay", "-v", "0"])


def upload(page, base: str, path: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/imports/")
    page.set_input_files("input[type=file]", path)
    page.click("button:has-text('Envoyer')")
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    run_worker()
    expect(page.get_by_text("Aperçu avant import")).to_be_visible(timeout=15_000)
    page.click("button:has-text('Importer')")
    run_worker()
    expect(page.locator("[data-testid=rows-created]")).to_be_visible(timeout=15_000)


def test_upload_ledger_and_statement_then_accept_the_match(live_server, page, tmp_path) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    make_creditor(org, "Télécom Ouest")
    make_debtor(org, "Menuiserie Dubois", siren=SIREN_DEBTOR)
    ledger = tmp_path / "balance.csv"
    ledger.write_text(CSV, encoding="utf-8")
    statement = tmp_path / "releve.cfo"
    statement.write_text(cfonb_statement(), encoding="ascii")

    log_in(page, live_server.url, "alice@example.org")

    upload(page, live_server.url, str(ledger))
    expect(page.locator("[data-testid=rows-created]")).to_have_text("1")
    upload(page, live_server.url, str(statement))

    page.goto(f"{live_server.url}/lettrage/")
    proposal = page.locator("article.proposal").first
    expect(proposal).to_contain_text("FA-E2E-0001")
    proposal.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Paiement lettré.")).to_be_visible()
    claim = Claim.objects.with_balance().get(reference="FA-E2E-0001")
    assert (claim.paid, claim.balance) == (100_000, 23_456)
