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
- the SELECT floor: one hand-written SQL query selecting the step due on each case (for
  the first day, and again for the next day, when it also reads the recorded steps).
- PostgreSQL: the floor of the first run (issue 18): that SELECT, then the very same rows the
  run wrote (its run row, step runs, messages, tasks: captured with COPY … TO after the run)
  written again by COPY into the same tables, with their constraints and indexes, and the
  cases the run changed (formal notice) updated from a COPY'd temporary table, in one
  committed transaction: the deferred foreign-key checks run at its commit, as in the run.
  The case UPDATE counts: the run writes those rows too. Between measures the run's rows
  are deleted, the cases put back and the tables vacuumed; each floor and each run after it
  starts from that same state (--repeat pairs them; the first run, on fresh tables, is
  printed on its own). CPU seconds of this process and of its server backend are printed
  too: on a shared machine they vary less than wall time.

Prints the times and the ratios: the first run to its floor (PostgreSQL, target at most 2×),
the first run to the SELECT floor (SQLite, at most 3×), the next day's run to the SELECT floor
(both, at most 3×).

    python bench/dunning.py [--debtors N] [--claims N] [--database-url URL] [--repeat N]
        [--phases]

--phases prints where each run's time goes (the engine's steps and SQL statements) and the
floor's parts. --build-only builds the data and stops; --reuse runs on such a database (copy
it first: createdb -T built copy), to try a change without building again.
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
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))
from reconcile import setup_django  # noqa: E402

BENCH_ORGANIZATION = "Bench Relances"
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
        name=BENCH_ORGANIZATION, kind=OrganizationKind.COMPANY, siren="732829320"
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


def _due_sql() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return "o.first_due + s.delay_days"
    return "date(o.first_due, '+' || s.delay_days || ' days')"


def floor(org: int, today: date) -> tuple[float, int]:
    """The SELECT floor: one query selecting the step due on each case."""
    from django.db import connection

    sql = FLOOR_SQL.format(due=_due_sql())
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"org": org, "today": today})
        rows = cursor.fetchall()
    return time.perf_counter() - start, len(rows)


# what the first run writes, by table: captured after the real run, then written again by
# COPY for the floor (PostgreSQL). Children before parents when deleting, parents first when
# copying (the foreign keys are checked at commit either way).
WRITTEN = ("dunning_dunningrun", "dunning_steprun", "dunning_message", "cases_task")
CASE_COLUMNS = "id, status, updated_at, dunning_cycle"  # what a run may change on a case


class Written:
    """The rows a run wrote, as PostgreSQL's COPY text, and the cases it changed."""

    def __init__(self) -> None:
        self.start: dict[str, int] = {}  # table → highest id before the run
        self.rows: dict[str, bytes] = {}
        self.counts: dict[str, int] = {}
        self.cases = b""
        self.cases_changed = 0

    def before_run(self) -> None:
        """Note where each table stands and keep the cases' columns a run may change."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table in WRITTEN:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                self.start[table] = cursor.fetchone()[0]
            cursor.execute("DROP TABLE IF EXISTS bench_case_before")
            cursor.execute(
                f"CREATE TABLE bench_case_before AS SELECT {CASE_COLUMNS} FROM cases_case"
            )

    def after_run(self) -> None:
        """Capture what the run wrote: new rows whole, changed cases' columns."""
        from django.db import connection

        with connection.cursor() as cursor:
            for table in WRITTEN:
                sql = f"SELECT * FROM {table} WHERE id > {self.start[table]} ORDER BY id"
                self.rows[table] = _copy_out(cursor, sql)
                self.counts[table] = self.rows[table].count(b"\n")
            self.cases = _copy_out(
                cursor, _CHANGED_CASES_SQL.format(columns="k." + CASE_COLUMNS.replace(", ", ", k."))
            )
            self.cases_changed = self.cases.count(b"\n")

    def undo(self) -> None:
        """Take the run's rows out and put the cases back as they were, then VACUUM: the
        next write (the floor, or the run again) finds the tables as clean as the run did."""
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for table in reversed(WRITTEN):
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [self.start[table]])
            cursor.execute(_RESTORE_CASES_SQL)
        with connection.cursor() as cursor:
            for table in (*WRITTEN, "cases_case"):
                cursor.execute(f"VACUUM {table}")

    def write_floor(self, org: int, today: date) -> float:
        """The floor of the first run: the SELECT of the due steps, then the very same rows
        written by COPY into the same tables (constraints and indexes as they are), the
        cases' changes as an UPDATE … FROM a COPY'd temporary table, in one transaction,
        committed: the deferred foreign-key checks run at commit, as in the run."""
        from django.db import connection, transaction

        parts: dict[str, float] = {}
        self.cpu = Cpu()
        start = lap = time.perf_counter()

        def done(name: str) -> None:
            nonlocal lap
            parts[name] = time.perf_counter() - lap
            lap = time.perf_counter()

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', '64MB', true)")
            cursor.execute(FLOOR_SQL.format(due=_due_sql()), {"org": org, "today": today})
            cursor.fetchall()
            done("SELECT")
            for table in WRITTEN:
                _copy_in(cursor, f"COPY {table} FROM STDIN", self.rows[table])
                done(f"COPY {table}")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_case_after ON COMMIT DROP AS "
                f"SELECT {CASE_COLUMNS} FROM cases_case WITH NO DATA"
            )
            _copy_in(cursor, "COPY bench_case_after FROM STDIN", self.cases)
            done("COPY cases")
            cursor.execute(_UPDATE_CASES_SQL.format(source="bench_case_after"))
            assert cursor.rowcount == self.cases_changed, (cursor.rowcount, self.cases_changed)
            done("UPDATE cases_case")
        done("commit")
        self.cpu_used = self.cpu.used()
        with connection.cursor() as cursor:  # the statistics the run renews (insert_rows)
            cursor.execute("ANALYZE dunning_steprun")
        seconds = time.perf_counter() - start
        if PHASES.on:
            print("    " + "; ".join(f"{name} {value:.2f}" for name, value in parts.items()))
        return seconds

    def drop(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_case_before")


_CHANGED_CASES_SQL = """
SELECT {columns} FROM cases_case k JOIN bench_case_before b ON b.id = k.id
WHERE (k.status, k.updated_at, k.dunning_cycle)
  IS DISTINCT FROM (b.status, b.updated_at, b.dunning_cycle)
ORDER BY k.id
"""
_UPDATE_CASES_SQL = """
UPDATE cases_case k SET status = f.status, updated_at = f.updated_at,
  dunning_cycle = f.dunning_cycle
FROM {source} f WHERE k.id = f.id
"""
_RESTORE_CASES_SQL = """
UPDATE cases_case k SET status = b.status, updated_at = b.updated_at,
  dunning_cycle = b.dunning_cycle
FROM bench_case_before b
WHERE b.id = k.id AND (k.status, k.updated_at, k.dunning_cycle)
  IS DISTINCT FROM (b.status, b.updated_at, b.dunning_cycle)
"""


def _copy_out(cursor, sql: str) -> bytes:  # noqa: ANN001
    with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        return b"".join(bytes(block) for block in copy)


def _copy_in(cursor, sql: str, data: bytes) -> None:  # noqa: ANN001
    with cursor.cursor.copy(sql) as copy:
        copy.write(data)


class Phases:
    """Where a run's time goes (--phases): the engine's steps (top level: reading,
    deciding, recording), within them each SQL statement by its first words, and the rest
    (the commit and its deferred foreign-key checks, mostly)."""

    TOP = ("_overdue_cases", "_current_runs", "_end_cycles", "_plan", "_record")
    INNER = ("insert_rows", "_insert_from_runs")

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self.on = False

    def install(self) -> None:
        from django.db import connection

        from recouvra.dunning import engine

        for name in (*self.TOP, *self.INNER):
            setattr(engine, name, self._timed(name, getattr(engine, name)))
        connection.execute_wrappers.append(self._statement)
        self.on = True

    def _timed(self, name: str, function):  # noqa: ANN001, ANN202
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return timed

    def _statement(self, execute, sql, params, many, context):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add("  sql " + " ".join(sql.split()[:3])[:40], time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        self.parts[name] = self.parts.get(name, 0.0) + seconds

    def report(self, total: float) -> None:
        if not self.on:
            return
        rest = total - sum(self.parts.get(name, 0.0) for name in self.TOP)
        parts = sorted(self.parts.items(), key=lambda item: -item[1])
        print("    " + "; ".join(f"{name.strip()} {seconds:.2f}" for name, seconds in parts))
        print(f"    rest (commit and its foreign-key checks, the run row): {rest:.2f}")
        self.parts.clear()


PHASES = Phases()


class Cpu:
    """CPU seconds of this process and of its PostgreSQL backend (on this machine): less
    sensitive than wall time to the other processes sharing the two vCPUs."""

    def __init__(self) -> None:
        self.start = self.now()

    @staticmethod
    def now() -> tuple[float, float]:
        from django.db import connection

        server = 0.0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:  # a server on another machine
                server = float("nan")
        return time.process_time(), server

    def used(self) -> tuple[float, float]:
        end = self.now()
        return end[0] - self.start[0], end[1] - self.start[1]


def timed_run(org: int, today: date):  # noqa: ANN201
    from recouvra.dunning.engine import run_dunning

    PHASES.parts.clear()
    cpu = Cpu()
    start = time.perf_counter()
    if PROFILE:
        import cProfile

        profile = cProfile.Profile()
        run = profile.runcall(run_dunning, org, today=today)
        profile.dump_stats(f"{PROFILE}.{today}")
    else:
        run = run_dunning(org, today=today)
    seconds = time.perf_counter() - start
    used = cpu.used()
    PHASES.report(seconds)
    return run, seconds, used


def describe(run, used: tuple[float, float]) -> str:  # noqa: ANN001
    from django.db import connection

    server = f" + {used[1]:.2f} s server" if connection.vendor == "postgresql" else ""
    return (
        f"{run.cases_due:,} cases overdue, {run.steps_run:,} steps "
        f"({run.steps_passed:,} passed over), {run.messages:,} messages, {run.tasks:,} tasks; "
        f"CPU {used[0]:.2f} s{server}"
    )


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=200_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--repeat", type=int, default=1, help="first runs and floors measured (PostgreSQL)"
    )
    parser.add_argument("--build-only", action="store_true", help="build the data and stop")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="the database holds the data already (--build-only, then createdb -T)",
    )
    parser.add_argument("--phases", action="store_true", help="time each part of the runs")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-dunning-")
    try:
        setup_django(folder, args.database_url)
        today = date(2026, 6, 15)
        start = time.perf_counter()
        if args.reuse:
            from recouvra.core.models import Organization

            org = Organization.objects.get(name=BENCH_ORGANIZATION).pk
        else:
            org = build(random.Random(7), args.debtors, args.claims, today)
        if args.build_only:
            return
        from django.db import connection

        from recouvra.dunning.models import Message, StepRun

        postgresql = connection.vendor == "postgresql"
        print(
            f"dunning: {args.debtors:,} debtors, {args.claims:,} claims, {connection.vendor} "
            f"(data built in {time.perf_counter() - start:.1f} s)"
        )
        if args.phases:
            PHASES.install()
        from recouvra.law.deadlines import public_holidays

        public_holidays(today.year)  # a started worker has loaded the holiday calendar
        base, expected = floor(org, today)
        print(f"  floor (one SQL query selecting the due steps): {base:.2f} s, {expected:,} cases")
        written = Written()
        if postgresql:
            written.before_run()
        run, first, used = timed_run(org, today)
        print(f"  first run, on the fresh tables: {first:.2f} s — {describe(run, used)}")
        assert run.steps_run == expected, (run.steps_run, expected)
        firsts, floors, ratios = [first], [], []
        for _ in range(max(1, args.repeat) if postgresql else 0):
            # each measure follows the same undo (DELETE, VACUUM): the floor, then the run
            written.after_run()
            written.undo()
            floors.append(written.write_floor(org, today))
            counts = ", ".join(f"{n:,} {t}" for t, n in written.counts.items())
            print(
                f"  floor of the first run (the SELECT, then the same rows by COPY: {counts}; "
                f"{written.cases_changed:,} cases updated; committed): {floors[-1]:.2f} s; "
                f"CPU {written.cpu_used[0]:.2f} s here + {written.cpu_used[1]:.2f} s server"
            )
            written.undo()
            written.before_run()
            run, first, used = timed_run(org, today)
            firsts.append(first)
            ratios.append(first / floors[-1])
            print(
                f"  first run again: {first:.2f} s, ratio {ratios[-1]:.2f}× — {describe(run, used)}"
            )
            assert run.steps_run == expected, (run.steps_run, expected)
        assert StepRun.objects.count() == expected
        assert Message.objects.count() == run.messages
        print(
            f"  ratio first run / SELECT floor: {spread([f / base for f in firsts])}× "
            f"(SQLite's target ≤ 3×)"
        )
        if postgresql:
            print(f"  first run {spread(firsts)} s, its floor {spread(floors)} s")
            print(f"  ratio first run / its floor: {spread(ratios)}× (target ≤ 2×)")
        again, second, _ = timed_run(org, today)
        print(f"  second run the same day: {second:.2f} s, {again.steps_run} steps")
        tomorrow = today + timedelta(days=1)
        daily = []
        for attempt in range(max(1, args.repeat) if postgresql else 1):
            if attempt:
                written.undo()  # the next day's run again, from the same state
            if postgresql:
                written.before_run()
            base_next, expected_next = floor(org, tomorrow)
            following, next_day, used = timed_run(org, tomorrow)
            assert following.steps_run == expected_next, (following.steps_run, expected_next)
            daily.append(next_day / base_next)
            print(
                f"  next day: SELECT floor {base_next:.2f} s, run {next_day:.2f} s, ratio "
                f"{daily[-1]:.2f}× — {describe(following, used)}"
            )
            if postgresql:
                written.after_run()
        if postgresql:
            written.drop()
        print(f"  ratio next-day run / SELECT floor: {spread(daily)}× (target ≤ 3×)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
