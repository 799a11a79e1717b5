"""In the browser: an agent opens the queue, opens the first case, logs a call with its
outcome, adds a note and records a promise (all without leaving the page), then clicks
"Dossier suivant" and agrees a payment plan with instalments on the next case from the same
quick actions."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recouvra.cases import queue
from recouvra.cases.models import Case, Interaction, InteractionKind, PaymentPlan, Promise
from recouvra.core.models import Role

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agent_works_the_queue(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    bob = make_user("bob@example.org", org, Role.AGENT)
    creditor = make_creditor(org, "Télécom Ouest")
    due = date.today() - timedelta(days=40)
    cases = []
    for name, cents in (("Garage Durand", 20_000), ("Menuiserie Dubois", 2_500_000)):
        debtor = make_debtor(org, name, mobile="06 12 34 56 78")
        cases.append(make_claim(creditor, debtor, cents, due_date=due, issue_date=due).case)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(assigned_to=bob)
    queue.rank_cases(org.pk)
    first, second = sorted(Case.objects.filter(assigned_to=bob), key=lambda c: (-c.priority, c.pk))
    assert first.debtor.name == "Menuiserie Dubois"

    log_in(page, live_server.url, "bob@example.org")
    page.click("nav >> text=Ma file")
    rows = page.locator("[data-testid=work-queue] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Menuiserie Dubois")
    expect(rows.first).to_contain_text("Montant élevé")
    rows.first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/dossiers/{first.pk}/"))
    url = page.url

    page.click("[data-testid=qa-call]")
    form = page.locator("[data-testid=quick-form]")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("textarea[name=text]").fill("Le gérant paiera vendredi")
    form.locator("input[name=next_action]").fill("Vérifier le virement")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=quick-done]")).to_contain_text("Appel noté")
    expect(page.locator("[data-testid=timeline]")).to_contain_text(
        "Appel — joint : Le gérant paiera vendredi"
    )
    expect(page.locator("[data-testid=next-action]")).to_contain_text("Vérifier le virement")
    assert page.url == url  # no page left

    page.click("[data-testid=qa-note]")
    note = page.locator("[data-testid=quick-form]")
    note.locator("textarea[name=text]").fill("Confirmé par e-mail")
    note.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=timeline] .tl-item").first).to_contain_text(
        "Confirmé par e-mail"
    )
    assert Interaction.objects.filter(case=first, kind=InteractionKind.CALL).count() == 1
    assert Interaction.objects.filter(case=first, kind=InteractionKind.NOTE).count() == 1

    promised_on = date.today() + timedelta(days=5)
    page.click("[data-testid=qa-promise]")
    promise = page.locator("#promise-form")
    promise.locator("input[name=amount_cents]").fill("1 000,00")
    promise.locator("input[name=promised_on]").fill(promised_on.isoformat())
    promise.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=quick-done]")).to_contain_text("Promesse")
    expect(page.locator("[data-testid=timeline]")).to_contain_text(
        f"au plus tard le {promised_on:%d/%m/%Y}"
    )
    assert Promise.objects.get(case=first).amount_cents == 100_000
    assert page.url == url

    page.click("[data-testid=next-case]")
    page.wait_for_url(re.compile(rf"/dossiers/{second.pk}/"))
    expect(page.locator("h1")).to_contain_text(second.reference)

    page.click("[data-testid=qa-plan]")
    plan = page.locator("#plan-form")
    plan.locator("input[name=starts_on]").fill(date.today().isoformat())
    plan.locator("select[name=frequency]").select_option("monthly")
    plan.locator("input[name=count]").fill("4")
    expect(plan.locator("[data-testid=plan-preview] tbody tr")).to_have_count(4)
    plan.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/echeanciers/\d+/$"))
    agreed = PaymentPlan.objects.get(case=second)
    expect(page.locator("[data-testid=instalments] tbody tr")).to_have_count(4)
    assert sum(i.amount_cents for i in agreed.instalments.all()) == agreed.total_cents
