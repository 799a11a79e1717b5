"""Benchmark: dunning e-mails prepared, then delivered to a local SMTP server (aiosmtpd,
its own process).

Builds a fresh SQLite database with N debtors (one overdue invoice each) and a scenario
whose first step is an e-mail; runs the dunning engine (N messages queued), then times:

- preparation (prepare_due): each message's text, its letter as PDF, its e-mail as it
  will go on the wire, stored (target ≥ 150 messages/s). Its floor: typesetting the same
  letters alone, as preparation does (letters_pdf: the same pool of processes, started
  the same way), nothing read or written: what preparation adds to typst is the ratio.
  Typesetting them one by one in this process is printed too, for scale.
- delivery (deliver_due): sending the prepared messages (target ≥ 200 messages/s). Its
  floor: smtplib sending the same messages over one connection, nothing recorded.

    python bench/emails.py [--messages N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402
from reconcile import setup_django  # noqa: E402


def smtp_server(port: int, received, ready) -> None:  # noqa: ANN001
    """In a child process: accept every message, count them."""
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def build(n: int, today: date) -> int:
    from recouvra.cases.models import Case
    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.dunning.models import Scenario, Step, Template
    from recouvra.ledger.models import Claim, ClaimKind, Creditor, Debtor, DebtorKind

    org = Organization.objects.create(
        name="Bench E-mails", kind=OrganizationKind.COMPANY, siren="732829320"
    )
    creditor = Creditor.objects.create(organization=org, name="Bâtimat Distribution")
    debtors = Debtor.objects.bulk_create(
        Debtor(
            organization=org,
            kind=DebtorKind.COMPANY,
            name=f"Client {i:05d}",
            email=f"compta{i}@client.example",
        )
        for i in range(n)
    )
    cases = Case.objects.bulk_create(
        Case(organization=org, creditor=creditor, debtor=d, opened_on=today) for d in debtors
    )
    Claim.objects.bulk_create(
        Claim(
            organization=org,
            creditor=creditor,
            debtor_id=case.debtor_id,
            case=case,
            reference=f"FA-{i:06d}",
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=10),
            principal_cents=100_000 + i,
            kind=ClaimKind.B2B,
        )
        for i, case in enumerate(cases)
    )
    template = Template.objects.create(
        organization=org,
        name="Rappel",
        channel="email",
        subject="Factures échues — {{ creditor.name }}",
        body="Bonjour,\n{% for c in claims %}{{ c.reference }} : {{ c.total }}\n{% endfor %}"
        "Total : {{ total }}, avant le {{ deadline }}.",
    )
    scenario = Scenario.objects.create(organization=org, name="B2B", is_default=True)
    Step.objects.create(
        organization=org,
        scenario=scenario,
        position=1,
        name="Rappel",
        delay_days=5,
        after="due_date",
        channel="email",
        template=template,
    )
    return org.pk


def letters_floor(today: date) -> tuple[float, float]:
    """Seconds to typeset the letters of the prepared messages alone: by letters_pdf (as
    preparation does), then one by one in this process."""
    from recouvra.dunning.documents import PREPARED_WITH, Documents
    from recouvra.dunning.models import Message
    from recouvra.letters.typeset import letter_pdf, letters_pdf

    messages = list(Message.objects.select_related(*PREPARED_WITH).order_by("pk"))
    documents = Documents(messages, today)
    letters = [documents.letter_of(message) for message in messages]
    start = time.perf_counter()
    pdfs = letters_pdf(letters)
    pooled = time.perf_counter() - start
    assert len(pdfs) == len(messages)
    start = time.perf_counter()
    for letter in letters:
        letter_pdf(letter)
    return pooled, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-email-")
    from socket import socket

    with socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    received, ready = context.Value("i", 0), context.Event()
    server = context.Process(target=smtp_server, args=(port, received, ready), daemon=True)
    server.start()
    ready.wait(30)
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    setup_django(folder)
    from django.utils import timezone

    from recouvra.dunning.delivery import deliver_due, prepare_due
    from recouvra.dunning.engine import run_dunning
    from recouvra.dunning.models import Message

    today = timezone.localdate()
    org = build(args.messages, today)
    run = run_dunning(org, today=today)
    assert run.messages == args.messages, run.messages
    start = time.perf_counter()
    prepared = prepare_due(limit=args.messages)
    rendering = time.perf_counter() - start
    assert prepared == args.messages, prepared
    typesetting, one_by_one = letters_floor(today)
    start = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        outcomes = profile.runcall(deliver_due, limit=args.messages)
        profile.dump_stats(os.environ["BENCH_PROFILE"])
    else:
        outcomes = deliver_due(limit=args.messages)
    sending = time.perf_counter() - start
    assert outcomes["sent"] == args.messages, outcomes
    assert received.value == args.messages, received.value

    raw = []
    for message in Message.objects.order_by("pk"):
        raw.append(f"Subject: {message.subject}\r\n\r\n{message.body_text}".encode())
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i, body in enumerate(raw):
            smtp.sendmail("noreply@localhost", [f"compta{i}@client.example"], body)
    floor = time.perf_counter() - start
    server.terminate()

    print(f"email: {args.messages:,} dunning e-mails to a local aiosmtpd server")
    print(describe())
    print(
        f"  prepared (text, PDF letter, e-mail, stored): {rendering:.2f} s = "
        f"{prepared / rendering:,.0f} messages/s (target ≥ 150)"
    )
    print(
        f"  floor (the same letters typeset alone by letters_pdf, {os.cpu_count()} processes): "
        f"{prepared / typesetting:,.0f} letters/s; one by one in one process: "
        f"{prepared / one_by_one:,.0f} letters/s"
    )
    print(f"  ratio preparation / floor: {rendering / typesetting:.2f}×")
    print(
        f"  delivered (sent, recorded, timeline): {sending:.2f} s = "
        f"{args.messages / sending:,.0f} messages/s (target ≥ 200)"
    )
    print(f"  floor (smtplib, one connection, nothing recorded): {args.messages / floor:,.0f}/s")
    print(f"  ratio delivery / floor: {sending / floor:.1f}×")


if __name__ == "__main__":
    main()
