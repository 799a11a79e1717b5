"""The statement on a claim page follows the date picked, without reloading the page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from recouvra.law.money import format_amount
from recouvra.lawdesk.statements import statement_for

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_picking_a_date_recomputes_the_statement(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    claim = make_claim(make_creditor(org), make_debtor(org), 250_000)
    june = statement_for([claim], date(2026, 6, 30))

    log_in(page, live_server.url, "alice@example.org")
    page.goto(f"{live_server.url}{claim.get_absolute_url()}")

    page.fill("input[name=au]", "2026-06-30")
    page.dispatch_event("input[name=au]", "change")
    total = page.locator("[data-testid=statement-total]")
    expect(total).to_have_text(re.compile(re.escape(format_amount(june.balance_cents))))
    expect(page.locator("#statement")).to_contain_text("Intérêts du 05/02/2026 au 30/06/2026")
    assert page.url.endswith(claim.get_absolute_url())  # same page, no reload
