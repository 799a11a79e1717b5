"""An admin creates a scenario in the browser, previews and runs it, and finds the
message on the case page; the worker sends it to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from recouvra.core.models import User
from recouvra.dunning.delivery import deliver_due
from recouvra.dunning.models import Message, Scenario, Step

from ..base import SIREN_ALPHA, make_claim, make_creditor, make_debtor, make_org, make_user
from ..dunning.servers import SmtpServer
from .browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_scenario_made_in_the_browser_duns_a_case(live_server, page) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    debtor = make_debtor(org, "Menuiserie Dubois", email="compta@dubois.example")
    today = timezone.localdate()
    claim = make_claim(
        make_creditor(org, "Télécom Ouest"),
        debtor,
        125_000,
        reference="FA-2026-0042",
        issue_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
    )
    url = live_server.url

    log_in(page, url, "alice@example.org")

    # a template, previewed live on the case while it is typed
    page.goto(f"{url}/relances/modeles/nouveau/")
    page.fill("#id_name", "Rappel")
    page.select_option("#id_channel", "email")
    page.fill("#id_subject", "Factures échues — {{ creditor.name }}")
    page.fill("#id_body", "Bonjour {{ debtor.name }}, il reste {{ total }} à régler.")
    expect(page.locator("#preview")).to_contain_text("Bonjour Menuiserie Dubois")
    page.click("#template-form button[type=submit]")
    expect(page.locator(".message")).to_contain_text("Enregistré")

    # a scenario and its first step
    page.goto(f"{url}/relances/scenarios/nouveau/")
    page.fill("#id_name", "Entreprises")
    page.check("#id_is_default")
    page.click("form.card button[type=submit]")
    page.click("text=Ajouter une étape")
    page.fill("#id_name", "Premier rappel")
    page.fill("#id_delay_days", "5")
    page.select_option("#id_after", "due_date")
    page.select_option("#id_channel", "email")
    page.select_option("#id_template", label="Rappel")
    page.click("form.card button[type=submit]")
    expect(page.locator("ol.steps")).to_contain_text("J+5 après l'échéance")

    # the preview, then the run
    page.goto(f"{url}/relances/passage/")
    expect(page.locator("#preview")).to_contain_text(claim.case.reference)
    page.click("text=Lancer maintenant")
    expect(page.locator(".message")).to_contain_text("1 message(s)")

    # the worker's delivery pass sends it to a real SMTP server
    with SmtpServer() as smtp, override_settings(**smtp.settings()):
        deliver_due()
        (received,) = smtp.inbox.messages
    assert received["To"] == "compta@dubois.example"
    assert Message.objects.get().status == "sent"

    page.goto(f"{url}{claim.case.get_absolute_url()}")
    expect(page.locator("#case-messages")).to_contain_text("Premier rappel")
    expect(page.locator("#case-messages")).to_contain_text("Envoyé")
    expect(page.locator("#timeline-card")).to_contain_text("E-mail envoyé à compta@dubois.example")


def test_a_debtor_given_a_calling_scenario_lands_in_the_agent_s_task_queue(
    live_server, page
) -> None:
    org = make_org("Alpha Recouvrement", siren=SIREN_ALPHA)
    make_user("alice@example.org", org)
    debtor = make_debtor(org, "Garage Bob", phone="02 40 12 34 56")
    today = timezone.localdate()
    claim = make_claim(
        make_creditor(org, "Télécom Ouest"),
        debtor,
        80_000,
        reference="FA-2026-0077",
        issue_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10),
    )
    case = claim.case
    case.assigned_to = User.objects.get(email="alice@example.org")
    case.save()
    calls = Scenario.objects.create(organization=org, name="Appels")
    Step.objects.create(
        organization=org,
        scenario=calls,
        position=1,
        name="Appeler le gérant",
        delay_days=3,
        after="due_date",
        channel="call",
    )
    url = live_server.url
    log_in(page, url, "alice@example.org")

    # the debtor gets its own scenario from its page (there is no default one)
    page.goto(f"{url}{debtor.get_absolute_url()}")
    card = page.locator("[data-testid=dunning-scenario]")
    card.locator("select").select_option(label="Appels")
    card.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=dunning-scenario]")).to_contain_text("Scénario propre")

    # the run makes a call task, in alice's queue, done with a report
    page.goto(f"{url}/relances/passage/")
    page.click("text=Lancer maintenant")
    page.click("nav >> text=Tâches")
    queue = page.locator("[data-testid=task-queue]")
    expect(queue).to_contain_text("Appeler le gérant")
    expect(queue).to_contain_text("02 40 12 34 56")
    queue.locator("input[name=note]").fill("Paiement promis lundi")
    queue.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=task-queue]")).to_contain_text("Rien à faire")
    page.goto(f"{url}{case.get_absolute_url()}")
    expect(page.locator("#timeline-card")).to_contain_text("Paiement promis lundi")
