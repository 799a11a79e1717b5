"""An agent agrees a payment plan: six monthly instalments after a down payment, the schedule
previewed as she types, then saved and shown on the plan's page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recouvra.cases.models import PaymentPlan
from recouvra.core.models import Role

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_fills_a_plan_sees_the_preview_and_the_instalments(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("bob@example.org", org, Role.AGENT)
    debtor = make_debtor(org, "Boulangerie Martin")
    case = make_claim(make_creditor(org, "Télécom Ouest"), debtor, 480_000).case
    today = timezone.localdate()

    log_in(page, live_server.url, "bob@example.org")
    page.goto(f"{live_server.url}/dossiers/{case.pk}/echeancier/")
    page.fill("input[name=starts_on]", today.isoformat())
    page.select_option("select[name=frequency]", "monthly")
    page.fill("input[name=down_payment_cents]", "500,00")
    page.fill("input[name=count]", "6")
    preview = page.locator("[data-testid=plan-preview]")
    expect(preview).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(7)  # the down payment and six
    expect(preview).to_contain_text("Acompte")
    expect(preview).to_contain_text(f"{today:%d/%m/%Y}")
    assert not PaymentPlan.objects.exists()  # the preview saved nothing

    page.click("button[type=submit]:has-text('Enregistrer')")
    page.wait_for_url(re.compile(r"/echeanciers/\d+/$"))
    plan = PaymentPlan.objects.get()
    rows = page.locator("[data-testid=instalments] tbody tr")
    expect(rows).to_have_count(7)
    for item in plan.instalments.all():
        expect(page.locator("[data-testid=instalments]")).to_contain_text(f"{item.due_on:%d/%m/%Y}")
    assert plan.down_payment_cents == 50_000
    assert plan.instalments.filter(number__gt=0).count() == 6
