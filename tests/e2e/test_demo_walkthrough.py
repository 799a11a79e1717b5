"""A credit manager signs in with a demo account and follows a debt from debtor to claim."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from recouvra.demo.builder import build_demo
from recouvra.demo.organisations import DEMO_PASSWORD, DEMO_USERS
from recouvra.law.money import format_amount
from recouvra.ledger.models import Claim, Debtor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def agency_agent() -> dict:
    return next(u for u in DEMO_USERS if u["role"] == "agent" and "alpha" in u["email"])


def partly_paid_claim(org_name: str) -> Claim:
    claims = Claim.objects.filter(organization__name=org_name).open().with_balance()
    return claims.filter(paid__gt=0, balance__gt=0).select_related("debtor", "case").first()


def test_it_signs_in_and_shows_the_same_balance_everywhere(live_server, page) -> None:
    build_demo(scale=0.1)
    user = agency_agent()
    claim = partly_paid_claim(user["org"])
    debtor = Debtor.objects.with_balance(timezone.localdate()).get(pk=claim.debtor_id)

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", user["email"])
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Tableau de bord"

    # find the debtor through the search box of the debtor list
    page.click("nav >> text=Débiteurs")
    page.fill("input[name=q]", debtor.name)
    page.wait_for_url(re.compile(r"[?&]q="))  # htmx swapped the table and pushed the URL
    page.locator("#object-table").get_by_role("link", name=debtor.name).first.click()
    expect_text(page, "[data-testid=debtor-balance]", format_amount(debtor.balance))

    # its case, then the claim
    page.get_by_role("link", name=claim.case.reference).first.click()
    assert claim.reference in page.content()
    page.get_by_role("link", name=claim.reference, exact=True).click()
    expect_text(page, "[data-testid=claim-balance]", format_amount(claim.balance))
    assert page.url.endswith(claim.get_absolute_url())


def test_it_refuses_a_wrong_password(live_server, page) -> None:
    build_demo(scale=0.05)
    page.goto(f"{live_server.url}/connexion/")
    page.fill("#id_username", agency_agent()["email"])
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "Adresse e-mail ou mot de passe incorrect" in page.content()


def expect_text(page, selector: str, expected: str) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    expect(page.locator(selector)).to_have_text(re.compile(re.escape(expected)))
