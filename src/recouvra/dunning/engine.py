"""The dunning run: which step is due on which case, recorded with its message.

Set-based: one query finds every case with overdue claims (its oldest due date, the
principal still due, whether it is paused), one the last step each ran in its current
cycle; the scenarios are walked in memory; step runs, messages, tasks and timeline
entries are inserted in bulk, in one transaction. The unique constraint on (case, cycle,
step) makes a second run of the day find nothing new, and a run after downtime records
only the step due now: the steps it jumped over are named on the case timeline, and sent
nothing.

A case is paused while a dispute is open, a promise is pending (until its date and the
organisation's grace days after it, when the daily check decides it), a payment plan is
active, or the case is with a legal partner (or in court): its schedule resumes after.
A case whose overdue claims have all been paid ends its dunning cycle: the next overdue
invoice starts the scenario again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from recouvra.cases.models import Case, CaseStatus
from recouvra.core.bulk import batches, insert_rows
from recouvra.core.models import Organization
from recouvra.ledger.models import risk_at_least

from .models import (
    MESSAGE_CHANNELS,
    After,
    Assignment,
    Channel,
    DunningRun,
    Scenario,
    Step,
    StepRun,
)
from .schedule import not_before

# case statuses dunning works in; the others (plan, dispute, court, enforcement) pause it
DUNNED_STATUSES = (CaseStatus.AMICABLE, CaseStatus.FORMAL_NOTICE, CaseStatus.NEGOTIATION)
TASK_KINDS = {Channel.CALL: "call", Channel.VISIT: "visit", Channel.ESCALATION: "escalation"}


@dataclass(frozen=True, slots=True)
class StepInfo:
    id: int
    position: int
    name: str
    delay_days: int
    after: str
    channel: str
    template_id: int | None
    is_formal_notice: bool
    debtor_kind: str
    min_balance_cents: int
    min_risk_level: str
    creditor_id: int | None

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)

    def applies(self, case: DueCase) -> bool:
        return (
            (not self.debtor_kind or self.debtor_kind == case.debtor_kind)
            and case.overdue_cents >= self.min_balance_cents
            and (not self.min_risk_level or risk_at_least(case.risk_level, self.min_risk_level))
            and (self.creditor_id is None or self.creditor_id == case.creditor_id)
        )


class DueCase(NamedTuple):
    """A case with overdue claims, as the main query reads it (a row, kept as it is)."""

    case_id: int
    reference: str
    debtor_id: int
    creditor_id: int
    debtor_kind: str
    risk_level: str
    cycle: int
    first_due: date | str  # SQLite gives it as text: parsed only where it is used
    overdue_cents: int
    paused: int


@dataclass(slots=True)
class Planned:
    """What a run does on a case: the step due now, and those it jumps over."""

    case: DueCase
    step: StepInfo
    passed: list[StepInfo] = field(default_factory=list)
    scenario: str = ""
    passed_names: str = ""  # the steps passed over, as the step run records them


def plan(organization_id: int, today: date) -> list[Planned]:
    """The steps due on `today`, per case: what a run would record (the dry run)."""
    cases = _overdue_cases(organization_id, today)
    return _plan(organization_id, today, cases, _current_runs(organization_id))


def _plan(
    organization_id: int,
    today: date,
    cases: Sequence[DueCase],
    last: dict[int, tuple[int, date]],
) -> list[Planned]:
    scenarios = _scenarios(organization_id)
    chosen = _assignments(organization_id)
    planned = []
    # cases alike (same scenario, stage, dates and what the conditions look at) have the
    # same due step: decided once
    decided: dict[tuple, tuple[StepInfo, list[StepInfo], str] | None] = {}
    for case in cases:
        scenario_id = None if case.paused else chosen.scenario_of(case)
        if scenario_id is None:
            continue
        name, steps, looks_at = scenarios[scenario_id]
        previous = last.get(case.case_id)
        key = (scenario_id, previous, case.first_due, *looks_at(case))
        if key not in decided:
            decided[key] = _due_step(case, steps, previous, today)
        due = decided[key]
        if due is not None:
            planned.append(Planned(case, due[0], due[1], name, due[2]))
    return planned


def run_dunning(
    organization_id: int,
    *,
    today: date | None = None,
    now: datetime | None = None,
    actor: Any = None,
) -> DunningRun:
    """Record the steps due today on every case, with their messages and tasks."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    with transaction.atomic():
        _one_run_at_a_time(organization_id)
        _roomy_work_mem()
        run = DunningRun.objects.create(
            organization_id=organization_id,
            run_on=today,
            started_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        cases = _overdue_cases(organization_id, today)
        last = _current_runs(organization_id)
        _end_cycles(set(last).difference(case.case_id for case in cases))
        planned = _plan(organization_id, today, cases, last)
        _record(run, planned, today, now)
        run.cases_due = sum(1 for case in cases if not case.paused)
        run.finished_at = timezone.now()
        run.save()
    return run


def _one_run_at_a_time(organization_id: int) -> None:
    """PostgreSQL: runs of one organisation wait for each other (the unique constraint
    would stop the second anyway, by failing it). SQLite runs one writer at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, organization_id])


RUN_WORK_MEM = "64MB"


def _roomy_work_mem() -> None:
    """PostgreSQL: the run's sorts and hashes (200,000 cases) fit in memory instead of
    spilling to temporary files (the 4 MB default); for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [RUN_WORK_MEM])


# the cases paused by a dispute, promise or plan are read once each (IN: one hashed set),
# not probed case by case (EXISTS: three index lookups for each of 200,000 cases)
_OVERDUE_SQL = """
SELECT k.id, k.reference, k.debtor_id, k.creditor_id, {debtor}, k.dunning_cycle,
       o.first_due, o.overdue,
       CASE WHEN k.status NOT IN ({dunned}) OR k.legal_partner_id IS NOT NULL
         OR k.id IN (SELECT x.case_id FROM cases_dispute x WHERE x.closed_on IS NULL)
         OR k.id IN (SELECT x.case_id FROM cases_promise x
                     WHERE x.status = 'pending' AND x.promised_on >= %s)
         OR k.id IN (SELECT x.case_id FROM cases_paymentplan x WHERE x.status = 'active')
       THEN 1 ELSE 0 END AS paused
FROM (
  SELECT c.case_id AS case_id, MIN(c.due_date) AS first_due,
         CAST(SUM(c.principal_cents - COALESCE(p.paid, 0)) AS BIGINT) AS overdue
  FROM ledger_claim c
  LEFT JOIN (
    SELECT a.claim_id AS claim_id, CAST(SUM(a.to_principal) AS BIGINT) AS paid
    FROM ledger_allocation a JOIN ledger_payment y ON y.id = a.payment_id
    WHERE a.organization_id = %s AND y.reversed_at IS NULL
    GROUP BY a.claim_id
  ) p ON p.claim_id = c.id
  WHERE c.organization_id = %s AND c.status = 'open' AND c.due_date < %s
    AND c.case_id IS NOT NULL AND c.principal_cents > COALESCE(p.paid, 0)
  GROUP BY c.case_id
) o
JOIN cases_case k ON k.id = o.case_id
{join_debtor}"""
# the debtor's kind and risk level, read only when a step's conditions look at them
_DEBTOR_COLUMNS = "d.kind, d.risk_level", "JOIN ledger_debtor d ON d.id = k.debtor_id"
_NO_DEBTOR_COLUMNS = "'', ''", ""


def _overdue_cases(organization_id: int, today: date) -> list[DueCase]:
    """Every case with principal overdue on `today` (paused or not), in one query."""
    dunned = ", ".join(f"'{status}'" for status in DUNNED_STATUSES)
    debtor, join_debtor = (
        _DEBTOR_COLUMNS if _conditions_on_debtor(organization_id) else _NO_DEBTOR_COLUMNS
    )
    sql = _OVERDUE_SQL.format(dunned=dunned, debtor=debtor, join_debtor=join_debtor)
    grace = Organization.objects.values_list("promise_grace_days", flat=True).get(
        pk=organization_id
    )
    promises_from = today - timedelta(days=grace)  # a promise still in its grace days pauses
    with connection.cursor() as cursor:
        cursor.execute(sql, [promises_from, organization_id, organization_id, today])
        return list(map(DueCase._make, cursor.fetchall()))


def _conditions_on_debtor(organization_id: int) -> bool:
    """Whether a step of the organisation applies to some kinds or risk levels only."""
    steps = Step.objects.filter(organization_id=organization_id)
    return steps.exclude(debtor_kind="", min_risk_level="").exists()


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _current_runs(organization_id: int) -> dict[int, tuple[int, date]]:
    """Case → position and date of the last step it ran in its current dunning cycle
    (closed cases left out): where each case stands, and which cases were dunned."""
    rows = (
        StepRun.objects.filter(organization_id=organization_id, cycle=F("case__dunning_cycle"))
        .exclude(case__status=CaseStatus.CLOSED)
        .order_by()
        .values_list("case_id", "step__position", "ran_on")
    )
    last: dict[int, tuple[int, date]] = {}
    for case_id, position, ran_on in rows.iterator(chunk_size=10_000):
        if case_id not in last or position > last[case_id][0]:
            last[case_id] = (position, ran_on)
    return last


def _scenarios(organization_id: int) -> dict[int, tuple[str, list[StepInfo], Any]]:
    """Scenario id → name, steps in order, and what of a case its conditions look at."""
    steps_of: dict[int, list[StepInfo]] = {}
    steps = Step.objects.filter(organization_id=organization_id).order_by("scenario", "position")
    for row in steps.values_list(
        "scenario_id",
        "pk",
        "position",
        "name",
        "delay_days",
        "after",
        "channel",
        "template_id",
        "is_formal_notice",
        "debtor_kind",
        "min_balance_cents",
        "min_risk_level",
        "creditor_id",
    ):
        steps_of.setdefault(row[0], []).append(StepInfo(*row[1:]))
    found = {}
    scenarios = Scenario.objects.filter(organization_id=organization_id)
    for pk, name in scenarios.values_list("pk", "name"):
        found[pk] = (name, steps_of.get(pk, []), _looks_at(steps_of.get(pk, [])))
    return found


def _looks_at(steps: Sequence[StepInfo]) -> Any:
    """What of a case the steps' conditions depend on, as a tuple."""
    kind = any(step.debtor_kind for step in steps)
    creditor = any(step.creditor_id is not None for step in steps)
    balance = any(step.min_balance_cents for step in steps)
    risk = any(step.min_risk_level for step in steps)

    def looks_at(case: DueCase) -> tuple:
        return (
            case.debtor_kind if kind else None,
            case.creditor_id if creditor else None,
            case.overdue_cents if balance else None,
            case.risk_level if risk else None,
        )

    return looks_at


@dataclass
class _Chosen:
    by_debtor: dict[int, int]
    by_creditor: dict[int, int]
    default: int | None

    def scenario_of(self, case: DueCase) -> int | None:
        """The debtor's own scenario, else its creditor's, else the organisation's."""
        return self.by_debtor.get(
            case.debtor_id, self.by_creditor.get(case.creditor_id, self.default)
        )


def _assignments(organization_id: int) -> _Chosen:
    by_debtor, by_creditor = {}, {}
    rows = Assignment.objects.filter(organization_id=organization_id).values_list(
        "scenario_id", "creditor_id", "debtor_id"
    )
    for scenario_id, creditor_id, debtor_id in rows:
        if debtor_id is not None:
            by_debtor[debtor_id] = scenario_id
        else:
            by_creditor[creditor_id] = scenario_id
    default = (
        Scenario.objects.filter(organization_id=organization_id, is_default=True)
        .values_list("pk", flat=True)
        .first()
    )
    return _Chosen(by_debtor, by_creditor, default)


def _due_step(
    case: DueCase, steps: Sequence[StepInfo], last: tuple[int, date] | None, today: date
) -> tuple[StepInfo, list[StepInfo], str] | None:
    """The last step whose date has come, after the last one run, and those passed over
    on the way (after downtime, or a pause: one message, not every missed one).

    A step counts its delay from the oldest overdue due date, or from the previous step:
    the day it ran, or for a step passed over or not applying to the case (conditions),
    the day it would have run: the scenario's calendar stays the same for every case.
    """
    first_due = _as_date(case.first_due)
    position, previous = last if last is not None else (0, first_due)
    due: StepInfo | None = None
    passed: list[StepInfo] = []
    for step in steps:
        if step.position <= position:
            continue
        start = first_due if step.after == After.DUE_DATE else previous
        when = start + timedelta(days=step.delay_days)
        if when > today:
            break
        previous = when
        if not step.applies(case):
            continue
        if due is not None:
            passed.append(due)
        due = step
    if due is None:
        return None
    return due, passed, ", ".join(step.name for step in passed)[:300]


def _end_cycles(case_ids: set[int]) -> None:
    """Cases dunned in their current cycle that owe nothing overdue any more start a new
    cycle: their next overdue invoice is dunned from the first step."""
    for chunk in batches(sorted(case_ids)):
        Case.objects.filter(pk__in=chunk).update(dunning_cycle=F("dunning_cycle") + 1)


STEP_RUN_FIELDS = ("case_id", "step_id", "cycle", "passed_over", "overdue_cents")


def _record(run: DunningRun, planned: Sequence[Planned], today: date, now: datetime) -> None:
    """Insert the step runs, then derive their messages and tasks from them in SQL (one
    INSERT … SELECT each). The case page shows them, with their statuses as they move."""
    moment = connection.ops.adapt_datetimefield_value(now)
    day = connection.ops.adapt_datefield_value(today)
    rows = [
        (case.case_id, item.step.id, case.cycle, item.passed_names, case.overdue_cents)
        for item in planned
        for case in (item.case,)
    ]
    shared = {"organization_id": run.organization_id, "run_id": run.pk, "ran_on": day}
    shared |= {"created_at": moment, "updated_at": moment}
    # PostgreSQL plans the INSERT … SELECT below from the step runs' statistics: renewed
    # when a run adds a tenth of the table (sampled); SQLite's ANALYZE reads all of it
    analyze = connection.vendor == "postgresql"
    insert_rows(StepRun, STEP_RUN_FIELDS, rows, adapted=True, analyze=analyze, constants=shared)
    when = {channel: not_before(channel, now) for channel in Channel.values}
    messages = _insert_from_runs(_MESSAGES_SQL, run, now, today, when, MESSAGE_CHANNELS)
    tasks = _insert_from_runs(_TASKS_SQL, run, now, today, when, TASK_KINDS)
    with connection.cursor() as cursor:  # the cases sent their formal notice move on
        cursor.execute(
            _NOTICE_SQL,
            [
                CaseStatus.FORMAL_NOTICE,
                connection.ops.adapt_datetimefield_value(now),
                run.pk,
                CaseStatus.AMICABLE,
                CaseStatus.NEGOTIATION,
            ],
        )
    run.steps_run = len(planned)
    run.steps_passed = sum(len(item.passed) for item in planned)
    run.messages = messages
    run.tasks = tasks


_NOTICE_SQL = """
UPDATE cases_case SET status = %s, updated_at = %s
WHERE id IN (SELECT r.case_id FROM dunning_steprun r JOIN dunning_step s ON s.id = r.step_id
             WHERE r.run_id = %s AND s.is_formal_notice)
  AND status IN (%s, %s)
"""

# the outbox row of each step run of a run that sends something; the address is the
# debtor's e-mail or mobile (a landline is no SMS recipient); letters are addressed when made
_MESSAGES_SQL = """
INSERT INTO dunning_message (organization_id, created_at, updated_at, case_id, step_run_id,
  template_id, channel, status, idempotency_key, recipient, reply_to, subject, body_text,
  body_html, message_id, provider_ref, not_before, next_attempt_at, attempts, last_error,
  document, envelope, tracking_number, acknowledgement)
SELECT r.organization_id, %(now)s, %(now)s, r.case_id, r.id, s.template_id, s.channel,
  'queued', 'step-run-' || r.id,
  CASE s.channel WHEN 'email' THEN d.email
    WHEN 'sms' THEN CASE WHEN d.mobile <> '' THEN d.mobile
      WHEN replace(d.phone, ' ', '') LIKE '06%%' OR replace(d.phone, ' ', '') LIKE '07%%'
        OR replace(d.phone, ' ', '') LIKE '+336%%' OR replace(d.phone, ' ', '') LIKE '+337%%'
      THEN d.phone ELSE '' END
    ELSE '' END,
  '', '', '', '', '', '', {when}, {when}, 0, '', '', '', '', ''
FROM dunning_steprun r
JOIN dunning_step s ON s.id = r.step_id
JOIN cases_case k ON k.id = r.case_id
JOIN ledger_debtor d ON d.id = k.debtor_id
WHERE r.run_id = %(run)s AND s.channel IN ({channels})
"""

# the task of each step run of a run that asks a person to act: the case's agent
_TASKS_SQL = """
INSERT INTO cases_task (organization_id, created_at, updated_at, case_id, kind, title,
  assigned_to_id, due_on, not_before, done_at)
SELECT r.organization_id, %(now)s, %(now)s, r.case_id, s.channel, s.name, k.assigned_to_id,
  %(today)s, {when}, NULL
FROM dunning_steprun r
JOIN dunning_step s ON s.id = r.step_id
JOIN cases_case k ON k.id = r.case_id
WHERE r.run_id = %(run)s AND s.channel IN ({channels})
"""


def _insert_from_runs(
    sql: str,
    run: DunningRun,
    now: datetime,
    today: date,
    when: dict[str, datetime],
    channels: Any,
) -> int:
    """Run one of the INSERT … SELECT above for `run`; returns the rows inserted."""
    moment = connection.ops.adapt_datetimefield_value  # naive UTC text on SQLite
    params: dict[str, Any] = {"now": moment(now), "run": run.pk}
    params["today"] = connection.ops.adapt_datefield_value(today)
    cases = []
    for n, channel in enumerate(sorted(channels)):
        params[f"channel{n}"], params[f"when{n}"] = channel, moment(when[channel])
        cases.append(f"WHEN %(channel{n})s THEN %(when{n})s")
    names = ", ".join(f"%(channel{n})s" for n in range(len(cases)))
    by_channel = f"CASE s.channel {' '.join(cases)} END"
    with connection.cursor() as cursor:
        cursor.execute(sql.format(when=by_channel, channels=names), params)
        return cursor.rowcount
