"""Benchmark: a dunning run over 1,000,000 open claims of 200,000 debtors.

Builds a fresh database (SQLite in a temporary folder, or --database-url), one creditor,
200,000 debtors each with one case and five claims due over the last months (some not
yet due, some partly paid), and the default scenario: e-mail at D+5 and D+15, SMS at
D+25, a call at D+35, the formal notice by registered letter at D+45. Then it times:

- the first run: every case with overdue claims gets the step due now, recorded with its
  message or task and its timeline entry (what a first run after an import does);
- a second run of the same day (finds nothing: the unique constraint);
- the run of the next day: the daily load once the backlog is dunned (the steps falling
  due that day, read against everything the first run recorded);
- the floor: one hand-written SQL query selecting the step due on each case (for the
  first day, and again for the next day, when it also reads the recorded steps).

Prints the times and the ratio of each run to its floor (target: at most 3×).

    python bench/dunning.py [--debtors N] [--claims N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))
from reconcile import setup_django  # noqa: E402

PROFILE = os.environ.get("BENCH_PROFILE", "")  # a file: cProfile stats of the first run
STEPS = (  # name, days after the oldest due date, channel, formal notice
    ("Rappel amical", 5, "email", False),
    ("Deuxième relance", 15, "email", False),
    ("Rappel SMS", 25, "sms", False),
    ("Appel", 35, "call", False),
    ("Mise en demeure", 45, "registered", True),
)


def build(rng: random.Random, n_debtors: int, n_claims: int, today: date) -> int:
    from django.utils import timezone

    from recouvra.cases.models import Case
    from recouvra.core.bulk import insert_rows
    from recouvra.core.models import Organization, OrganizationKind
    from recouvra.dunning.models import Scenario, Step
    from recouvra.ledger.models import Claim, ClaimKind, Creditor, Debtor, DebtorKind

    org = Organization.objects.create(
        name="Bench Relances", kind=OrganizationKind.COMPANY, siren="732829320"
    )
    creditor = Creditor.objects.create(organization=org, name="Bâtimat Distribution")
    debtors = Debtor.objects.bulk_create(
        [
            Debtor(
                organization=org,
                kind=DebtorKind.PERSON if n % 5 == 0 else DebtorKind.COMPANY,
                name=f"Client {n:06d}",
                email=f"compta{n}@client.example" if n % 10 else "",
                mobile=f"06{n:08d}" if n % 3 == 0 else "",
            )
            for n in range(n_debtors)
        ],
        batch_size=5000,
    )
    cases = Case.objects.bulk_create(
        [Case(organization=org, creditor=creditor, debtor=d, opened_on=today) for d in debtors],
        batch_size=5000,
    )
    now = timezone.now()
    rows = []
    # each case fell behind on its own day (up to 70 days ago), its claims over a month
    late = [rng.randrange(-20, 70) for _ in cases]
    for n in range(n_claims):
        k = n % len(cases)
        case = cases[k]
        due = today - timedelta(days=late[k] - rng.randrange(0, 30))
        cents = rng.randrange(5_000, 500_000)
        reference = f"FA-{n + 1:07d}"
        rows.append(
            (org.pk, now, now, creditor.pk, case.debtor_id, case.pk, reference)
            + (due - timedelta(days=30), due, cents, "EUR", ClaimKind.B2B, "", "open", reference)
        )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("case_id", "reference", "issue_date", "due_date", "principal_cents", "currency")
    insert_rows(Claim, (*fields, "kind", "terms", "status", "search_text"), rows)
    scenario = Scenario.objects.create(organization=org, name="B2B", is_default=True)
    for position, (name, days, channel, notice) in enumerate(STEPS, 1):
        Step.objects.create(
            organization=org,
            scenario=scenario,
            position=position,
            name=name,
            delay_days=days,
            after="due_date",
            channel=channel,
            is_formal_notice=notice,
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return org.pk


FLOOR_SQL = """
WITH o AS (
  SELECT c.case_id AS case_id, MIN(c.due_date) AS first_due
  FROM ledger_claim c
  LEFT JOIN (SELECT a.claim_id AS claim_id, SUM(a.to_principal) AS paid
             FROM ledger_allocation a JOIN ledger_payment y ON y.id = a.payment_id
             WHERE a.organization_id = %(org)s AND y.reversed_at IS NULL
             GROUP BY a.claim_id) p ON p.claim_id = c.id
  WHERE c.organization_id = %(org)s AND c.status = 'open' AND c.due_date < %(today)s
    AND c.principal_cents > COALESCE(p.paid, 0)
  GROUP BY c.case_id
), last AS (
  SELECT r.case_id AS case_id, MAX(s.position) AS pos
  FROM dunning_steprun r JOIN dunning_step s ON s.id = r.step_id
  WHERE r.organization_id = %(org)s GROUP BY r.case_id
)
SELECT o.case_id, MAX(s.position)
FROM o JOIN dunning_step s ON s.organization_id = %(org)s AND {due} <= %(today)s
LEFT JOIN last ON last.case_id = o.case_id
WHERE s.position > COALESCE(last.pos, 0)
GROUP BY o.case_id
"""


def floor(org: int, today: date) -> tuple[float, int]:
    from django.db import connection

    due = (
        "o.first_due + s.delay_days"
        if connection.vendor == "postgresql"
        else "date(o.first_due, '+' || s.delay_days || ' days')"
    )
    sql = FLOOR_SQL.format(due=due)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"org": org, "today": today})
        rows = cursor.fetchall()
    return time.perf_counter() - start, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=200_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-dunning-")
    try:
        setup_django(folder, args.database_url)
        today = date(2026, 6, 15)
        start = time.perf_counter()
        org = build(random.Random(7), args.debtors, args.claims, today)
        from django.db import connection

        from recouvra.dunning.engine import run_dunning
        from recouvra.dunning.models import Message, StepRun

        print(
            f"dunning: {args.debtors:,} debtors, {args.claims:,} claims, {connection.vendor} "
            f"(data built in {time.perf_counter() - start:.1f} s)"
        )
        from recouvra.law.deadlines import public_holidays

        public_holidays(today.year)  # a started worker has loaded the holiday calendar
        base, expected = floor(org, today)
        start = time.perf_counter()
        if PROFILE:
            import cProfile

            profile = cProfile.Profile()
            run = profile.runcall(run_dunning, org, today=today)
            profile.dump_stats(PROFILE)
        else:
            run = run_dunning(org, today=today)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = run_dunning(org, today=today)
        second = time.perf_counter() - start
        print(f"  floor (one SQL query selecting the due steps): {base:.2f} s, {expected:,} cases")
        print(
            f"  first run: {first:.2f} s — {run.cases_due:,} cases overdue, {run.steps_run:,} "
            f"steps ({run.steps_passed:,} passed over), {run.messages:,} messages, "
            f"{run.tasks:,} tasks"
        )
        print(f"  second run the same day: {second:.2f} s, {again.steps_run} steps")
        assert run.steps_run == expected, (run.steps_run, expected)
        assert StepRun.objects.count() == expected
        assert Message.objects.count() == run.messages
        print(f"  ratio first run / floor: {first / base:.2f}× (target ≤ 3×)")
        tomorrow = today + timedelta(days=1)
        base_next, expected_next = floor(org, tomorrow)
        start = time.perf_counter()
        following = run_dunning(org, today=tomorrow)
        next_day = time.perf_counter() - start
        assert following.steps_run == expected_next, (following.steps_run, expected_next)
        print(
            f"  next day: floor {base_next:.2f} s, run {next_day:.2f} s — "
            f"{following.steps_run:,} steps, {following.messages:,} messages, "
            f"{following.tasks:,} tasks"
        )
        print(f"  ratio next-day run / floor: {next_day / base_next:.2f}× (target ≤ 3×)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
