"""Benchmark: the work queues and the case page over 200,000 open cases.

Builds a fresh database (SQLite in a temporary folder, or --database-url: an empty
PostgreSQL database), one organisation, four agents, 200,000 debtors (risk levels, post
codes) with a case each, given round robin to the agents, 300,000 claims due over the last
year (one in ten partly paid), promises (due today, broken lately), unpaid instalments,
tasks due, and realistic timelines: three to six entries a case, 200 cases with hundreds of
entries, one case with 1,000 and one with 5. Then it measures:

(a) rank_cases over the organisation: the first ranking, then a second one (nothing
    changes: the UPDATE writes no row);
(b) GET /file/ (an agent's queue, the first 100 cases by priority) through the Django
    test client: p95 of the server time, SQL queries per page; floor: the bare SQL of the
    queue's first page (the same rows with their balance, one hand-written SELECT);
(c) GET /dossiers/<id>/ (the case page: header, statement, timeline, quick actions) for
    cases of every size: p95 of the server time, and the SQL queries of the case with
    1,000 entries against the one with 5 (must be equal).

Target: p95 under 150 ms for both pages on SQLite and PostgreSQL.

    python bench/queue.py [--cases N] [--requests N] [--database-url URL] [--keep]
        [--reuse FOLDER]

The issue's second figure, the monthly remittance run of an agency (50 mandants, 1,000,000
collected payments, against one SQL aggregate of the same sums), is bench/remittances.py,
also run from here:

    python bench/queue.py remittances [--payments N] [--mandants N] [--database URL]

--keep leaves the built database (its folder is printed; with --database-url, the
database); --reuse runs again on it without building.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

# this file is named as the standard library's `queue`: its folder goes last on the path, so
# that `import queue` (concurrent.futures, asgiref) finds the library's, and its siblings
# (dunning, machine, reconcile) are still found
HERE = os.path.dirname(os.path.abspath(__file__))


def _folder_last() -> None:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE] + [HERE]


_folder_last()
from dunning import Cpu  # noqa: E402
from machine import describe  # noqa: E402
from reconcile import setup_django  # noqa: E402

_folder_last()  # the siblings put it first again

AGENTS = 4
BIG_CASES = 200  # cases with hundreds of timeline entries
TEXTS = (
    "Appel — pas de réponse",
    "Appel — joint : paiement promis fin de mois",
    "Relance e-mail envoyée",
    "Note : débiteur injoignable, courrier à l'adresse du siège",
    "SMS de rappel",
    "Courrier de relance",
)
KINDS = ("call", "call", "email", "note", "sms", "letter")


def build(rng: random.Random, n_cases: int, today: date) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from recouvra.cases.models import (
        Case,
        Interaction,
        PaymentPlan,
        PlanInstalment,
        Promise,
        Task,
    )
    from recouvra.core.bulk import insert_rows
    from recouvra.core.models import Membership, Organization, OrganizationKind, Role, User
    from recouvra.ledger.models import Allocation, Claim, Creditor, Debtor, Payment

    org = Organization.objects.create(
        name="Bench File", kind=OrganizationKind.AGENCY, siren="732829320"
    )
    creditors = [
        Creditor.objects.create(organization=org, name=name, is_mandant=True)
        for name in ("Télécom Ouest", "Énergie Sud")
    ]
    agents = []
    for n in range(AGENTS):
        user = User.objects.create_user(f"agent{n}@bench.example", "x", full_name=f"Agent {n}")
        Membership.objects.create(user=user, organization=org, role=Role.AGENT)
        agents.append(user)
    now = timezone.now()
    risks = ("", "", "low", "medium", "high")
    debtor_rows = (
        (org.pk, now, now, "company", f"Client {n:06d}", f"06{n:08d}", f"c{n}@client.example")
        + (f"{rng.choice(('69', '75', '13', '44', '33'))}{n % 1000:03d}", "Ville", "FR")
        + (rng.choice(risks), f"client {n:06d}", "", "", "", "", "", "", "", "", "")
        for n in range(n_cases)
    )
    fields = ("organization_id", "created_at", "updated_at", "kind", "name", "mobile", "email")
    fields += ("postal_code", "city", "country", "risk_level", "search_text", "siren", "siret")
    fields += ("vat_number", "phone", "iban", "notes", "customer_code", "address_line1")
    fields += ("address_line2",)
    insert_rows(Debtor, fields, debtor_rows)
    debtor_ids = list(
        Debtor.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    )
    case_rows = (
        (org.pk, now, now, d, creditors[n % 2].pk, "amicable", agents[n % AGENTS].pk)
        + (today - timedelta(days=rng.randrange(0, 300)), f"D-{n + 1:06d}")
        for n, d in enumerate(debtor_ids)
    )
    fields = ("organization_id", "created_at", "updated_at", "debtor_id", "creditor_id")
    fields += ("status", "assigned_to_id", "opened_on", "reference")
    insert_rows(Case, fields, case_rows)
    cases = list(
        Case.objects.filter(organization=org)
        .order_by("id")
        .values_list("id", "debtor_id", "creditor_id")
    )
    claim_rows = []
    for n, (case_id, debtor_id, creditor_id) in enumerate(cases):
        for k in range(1 + (n % 2)):
            due = today - timedelta(days=rng.randrange(-20, 360))
            reference = f"FA-{n:06d}-{k}"
            claim_rows.append(
                (org.pk, now, now, creditor_id, debtor_id, case_id, reference)
                + (due - timedelta(days=30), due, rng.choice((8_000, 60_000, 250_000, 900_000)))
                + ("EUR", "b2b", "", "open", reference.lower())
            )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("case_id", "reference", "issue_date", "due_date", "principal_cents", "currency")
    insert_rows(Claim, (*fields, "kind", "terms", "status", "search_text"), claim_rows)
    # one claim in ten partly paid
    paid = list(
        Claim.objects.filter(organization=org)
        .order_by("id")
        .values_list("id", "creditor_id", "debtor_id", "principal_cents")[::10]
    )
    payment_rows = (
        (org.pk, now, now, c, d, cents // 3, "EUR", today - timedelta(days=5), "transfer", "")
        + ("", "")
        for _id, c, d, cents in paid
    )
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("amount_cents", "currency", "received_on", "method", "reference", "label")
    fields += ("receipt_number",)
    insert_rows(Payment, fields, payment_rows)
    payments = list(Payment.objects.filter(organization=org).order_by("id").values_list("id"))
    allocation_rows = (
        (org.pk, now, now, pid, claim[0], 0, 0, claim[3] // 3)
        for (pid,), claim in zip(payments, paid, strict=True)
    )
    fields = ("organization_id", "created_at", "updated_at", "payment_id", "claim_id")
    insert_rows(Allocation, (*fields, "to_interest", "to_fees", "to_principal"), allocation_rows)
    case_ids = [c[0] for c in cases]
    # promises, instalments, tasks: a few percent of the cases each
    promise_rows = []
    for n, case_id in enumerate(case_ids[::40]):
        broken = n % 2
        day = today - timedelta(days=10) if broken else today
        promise_rows.append(
            (org.pk, now, now, case_id, 20_000, day, "broken" if broken else "pending", 0)
            + (today - timedelta(days=5) if broken else None,)
        )
    fields = ("organization_id", "created_at", "updated_at", "case_id", "amount_cents")
    fields += ("promised_on", "status", "paid_cents", "decided_on")
    insert_rows(Promise, fields, promise_rows)
    for case_id in case_ids[5::200]:
        plan = PaymentPlan.objects.create(
            organization=org, case_id=case_id, starts_on=today - timedelta(days=40)
        )
        PlanInstalment.objects.create(
            organization=org,
            plan=plan,
            number=1,
            due_on=today - timedelta(days=30),
            amount_cents=10_000,
            status="unpaid",
        )
    task_rows = (
        (org.pk, now, now, case_id, "call", "Rappeler", agents[0].pk, today, None, None)
        for case_id in case_ids[7::50]
    )
    fields = ("organization_id", "created_at", "updated_at", "case_id", "kind", "title")
    fields += ("assigned_to_id", "due_on", "not_before", "done_at")
    insert_rows(Task, fields, task_rows)
    # timelines: 3 to 6 entries a case, hundreds for BIG_CASES, 1,000 and 5 for two of them
    big = set(case_ids[11 :: max(len(case_ids) // BIG_CASES, 1)][:BIG_CASES])
    huge, small = case_ids[3], case_ids[4]
    start = datetime.combine(today - timedelta(days=400), day_time(9), tzinfo=now.tzinfo)

    def entries() -> Any:
        for case_id in case_ids:
            if case_id == huge:
                count = 1_000
            elif case_id == small:
                count = 5
            elif case_id in big:
                count = rng.randrange(200, 600)
            else:
                count = rng.randrange(3, 7)
            for k in range(count):
                kind = k % len(KINDS)
                moment = start + timedelta(hours=k * 7)
                yield (org.pk, moment, moment, case_id, KINDS[kind], "", "out", None, moment)
                yield (TEXTS[kind], "")

    def rows() -> Any:
        made = entries()
        for head in made:
            yield head + next(made)

    fields = ("organization_id", "created_at", "updated_at", "case_id", "kind", "channel")
    fields += ("direction", "author_id", "occurred_at", "text", "attachment")
    insert_rows(Interaction, fields, rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"org": org, "agents": agents, "cases": case_ids, "huge": huge, "small": small}


def load() -> dict[str, Any]:
    """The data of a database built before (--reuse)."""
    from django.db.models import Count

    from recouvra.cases.models import Case
    from recouvra.core.models import Organization, User

    org = Organization.objects.get(name="Bench File")
    agents = list(User.objects.filter(email__endswith="@bench.example").order_by("email"))
    cases = list(Case.objects.filter(organization=org).order_by("id").values_list("id", flat=True))
    sizes = Case.objects.filter(pk__in=cases[:10]).annotate(n=Count("interactions"))
    by_size = dict(sizes.values_list("n", "pk"))
    return {"org": org, "agents": agents, "cases": cases, "huge": by_size[1_000],
            "small": by_size[5]}  # fmt: skip


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def timed_get(client: Any, url: str) -> tuple[float, int, int]:
    """Server time (s), SQL queries and status of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    return elapsed, len(captured), response.status_code


def queue_floor(org_id: int, agent_id: int, requests: int) -> list[float]:
    """The bare SQL of the queue's first page: the agent's 100 most urgent open cases with
    their debtor, creditor and balance."""
    from django.db import connection

    sql = """
SELECT c.id, c.reference, c.priority, c.priority_reasons, c.status, c.next_action,
       c.next_action_on, d.name, d.mobile, d.phone, k.name,
       COALESCE((SELECT SUM(cl.principal_cents - COALESCE((
           SELECT SUM(a.to_principal) FROM ledger_allocation a
           JOIN ledger_payment p ON p.id = a.payment_id
           WHERE a.claim_id = cl.id AND p.reversed_at IS NULL), 0))
         FROM ledger_claim cl WHERE cl.case_id = c.id AND cl.status IN ('open', 'disputed')), 0)
FROM (SELECT id FROM cases_case
      WHERE organization_id = %s AND assigned_to_id = %s AND status <> 'closed'
      ORDER BY priority DESC, id LIMIT 50) top
JOIN cases_case c ON c.id = top.id
JOIN ledger_debtor d ON d.id = c.debtor_id
JOIN ledger_creditor k ON k.id = c.creditor_id
ORDER BY c.priority DESC, c.id
"""
    times = []
    with connection.cursor() as cursor:
        for _ in range(requests + 1):
            start = time.perf_counter()
            cursor.execute(sql, [org_id, agent_id])
            rows = cursor.fetchall()
            times.append(time.perf_counter() - start)
    assert len(rows) == 50, len(rows)
    return times[1:]


def main() -> None:
    if sys.argv[1:2] == ["remittances"]:
        import remittances

        _folder_last()  # its siblings put this folder first again
        sys.argv = [sys.argv[0], *sys.argv[2:]]
        remittances.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=40, help="GETs of each page")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the database built")
    parser.add_argument("--reuse", default="", help="the folder of a kept database")
    args = parser.parse_args()
    folder = args.reuse or tempfile.mkdtemp(prefix="bench-queue-")
    try:
        setup_django(folder, args.database_url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.utils import timezone

        from recouvra.cases.models import Case, Interaction
        from recouvra.cases.queue import rank_cases

        setup_test_environment()  # the test client's host is allowed
        today = timezone.localdate()
        start = time.perf_counter()
        reused = bool(args.reuse)
        data = load() if reused else build(random.Random(21), args.cases, today)
        built = time.perf_counter() - start
        args.cases = len(data["cases"])
        entries = Interaction.objects.count()
        print(
            f"queue: {args.cases:,} open cases, {entries:,} timeline entries, "
            f"{connection.vendor} "
            f"({'data reused' if reused else f'data built in {built:.1f} s'})"
        )
        print(describe())
        org = data["org"]

        cpu = Cpu()
        start = time.perf_counter()
        changed = rank_cases(org.pk, today)
        first = time.perf_counter() - start
        first_cpu = sum(cpu.used())
        start = time.perf_counter()
        again = rank_cases(org.pk, today)
        second = time.perf_counter() - start
        ranked = Case.objects.filter(organization=org, priority__gt=0).count()
        print(
            f"  rank_cases: {first:.2f} s for {args.cases:,} cases ({changed:,} changed, "
            f"{ranked:,} with a priority; CPU {first_cpu:.2f} s); again: {second:.2f} s "
            f"({again} changed)"
        )

        client = Client()
        agent = data["agents"][1]
        client.force_login(agent)
        timed_get(client, "/file/")  # warm: the session, the caches
        queue_times, queue_queries = [], set()
        for _ in range(args.requests):
            elapsed, queries, status = timed_get(client, "/file/")
            assert status == 200, status
            queue_times.append(elapsed)
            queue_queries.add(queries)
        floor = queue_floor(org.pk, agent.pk, args.requests)
        print(
            f"  GET /file/ (the agent's queue, {args.cases // AGENTS:,} cases, first page of 50): "
            f"p95 "
            f"{p95(queue_times) * 1000:.1f} ms (median {statistics.median(queue_times) * 1000:.1f}"
            f" ms); SQL queries per page: {sorted(queue_queries)}"
        )
        print(
            f"  floor (the bare SQL of the queue's first page): p95 {p95(floor) * 1000:.1f} ms; "
            f"ratio p95 page / floor: {p95(queue_times) / p95(floor):.1f}×"
        )

        # the case page: the huge and the small timeline, and cases of every size
        client.force_login(data["agents"][0])
        sample = random.Random(3).sample(data["cases"], max(args.requests - 2, 1))
        pages = [data["huge"], data["small"], *sample]
        timed_get(client, f"/dossiers/{data['huge']}/")  # warm
        case_times, by_case = [], {}
        for case_id in pages:
            elapsed, queries, status = timed_get(client, f"/dossiers/{case_id}/?file=1")
            assert status == 200, (case_id, status)
            case_times.append(elapsed)
            by_case[case_id] = queries
        huge_n = Interaction.objects.filter(case_id=data["huge"]).count()
        small_n = Interaction.objects.filter(case_id=data["small"]).count()
        print(
            f"  GET /dossiers/<id>/ ({len(pages)} cases, timelines of 3 to {huge_n:,} entries): "
            f"p95 {p95(case_times) * 1000:.1f} ms (median "
            f"{statistics.median(case_times) * 1000:.1f} ms)"
        )
        print(
            f"  SQL queries of the case page: {by_case[data['huge']]} with {huge_n:,} entries, "
            f"{by_case[data['small']]} with {small_n} (same: "
            f"{by_case[data['huge']] == by_case[data['small']]}); over the sample: "
            f"{sorted(set(by_case.values()))}"
        )
        target = max(p95(queue_times), p95(case_times)) < 0.150
        print(f"  target p95 < 150 ms for both pages: {'met' if target else 'MISSED'}")
    finally:
        if args.keep or args.reuse:
            print(f"  kept: --reuse {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
