"""Work queues: the priority of each open case (why it is urgent, in short keys), who gets a
new case (the assignment rules), and moving cases from one agent to another.

rank_cases computes every open case of an organisation in one UPDATE … FROM (set-based SQL,
the same on SQLite and PostgreSQL): the balance on a log scale, the age of the oldest unpaid
due date, the debtor's risk, a promise due today or broken lately, an instalment unpaid, a
task due. The daily run calls it for the whole organisation, an event (a payment, a
promise, a plan) for the cases it touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.core import audit
from recouvra.core.bulk import batches
from recouvra.core.models import AuditAction, Membership, User
from recouvra.ledger.models import OPEN_STATUSES, Allocation, Claim, Debtor, Payment

from .models import (
    AssignmentRule,
    Case,
    CaseStatus,
    InstalmentStatus,
    InteractionKind,
    PaymentPlan,
    PlanInstalment,
    PlanStatus,
    Promise,
    PromiseStatus,
    Task,
)
from .services import add_events, assignable_users

# the reasons a case is high in the queue, most pressing first, as the badges say them
REASONS = {
    "promise_today": gettext_lazy("Promesse due aujourd'hui"),
    "promise_broken": gettext_lazy("Promesse non tenue"),
    "instalment_unpaid": gettext_lazy("Échéance impayée"),
    "task_due": gettext_lazy("Tâche à faire"),
    "amount_high": gettext_lazy("Montant élevé"),
    "overdue_90": gettext_lazy("Retard > 90 j"),
    "risk_high": gettext_lazy("Risque élevé"),
}
# the weight of each event (the amount, the age and the risk are graded below)
WEIGHTS = {"promise_today": 40, "promise_broken": 30, "instalment_unpaid": 30, "task_due": 15}
HIGH_AMOUNT_CENTS = 500_000  # 5,000 €: "Montant élevé"
BROKEN_LATELY = timedelta(days=30)
# the balance on a log scale: 6 points a decade from 10 € (1,000 cents) up
AMOUNT_STEPS = ((10_000_000, 30), (1_000_000, 24), (100_000, 18), (10_000, 12), (1_000, 6))
# days past the oldest unpaid due date → points
AGE_STEPS = ((180, 30), (90, 25), (60, 15), (30, 10), (0, 5))
RISK_POINTS = {"high": 20, "medium": 10, "low": 0}


def reason_labels(keys: Iterable[str]) -> list[str]:
    """The French (or translated) label of each reason key; unknown keys are skipped."""
    return [str(REASONS[key]) for key in keys if key in REASONS]


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rank_sql(case_filter: str) -> str:
    """The UPDATE … FROM that ranks the open cases of %(org)s (and `case_filter`)."""
    claim, allocation, payment = _table(Claim), _table(Allocation), _table(Payment)
    case, debtor, promise = _table(Case), _table(Debtor), _table(Promise)
    plan, instalment, task = _table(PaymentPlan), _table(PlanInstalment), _table(Task)
    amount = " ".join(f"WHEN balance >= {cents} THEN {points}" for cents, points in AMOUNT_STEPS)
    age = " ".join(f"WHEN oldest < %(d{days})s THEN {points}" for days, points in AGE_STEPS)
    risk = " ".join(f"WHEN risk = '{level}' THEN {points}" for level, points in RISK_POINTS.items())
    events = " + ".join(f"{weight} * {key}" for key, weight in WEIGHTS.items())
    reasons = " || ".join(
        f"CASE WHEN {condition} THEN ',\"{key}\"' ELSE '' END"
        for key, condition in (
            ("promise_today", "promise_today = 1"),
            ("promise_broken", "promise_broken = 1"),
            ("instalment_unpaid", "instalment_unpaid = 1"),
            ("task_due", "task_due = 1"),
            ("amount_high", f"balance >= {HIGH_AMOUNT_CENTS}"),
            ("overdue_90", "oldest < %(d90)s"),
            ("risk_high", "risk = 'high'"),
        )
    )
    postgres = connection.vendor == "postgresql"
    as_json = "s.reasons::jsonb" if postgres else "s.reasons"
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"
    target = "c" if postgres else case
    # each case's allocations through the claim's index, whatever the planner guesses of
    # tables it has no statistics of yet (a seq scan of the payments for each claim took
    # minutes on a fresh PostgreSQL database); the flags computed once, not once per use
    materialized = "MATERIALIZED " if postgres else ""
    return f"""
WITH owed AS (
  SELECT cl.case_id AS case_id, cl.due_date AS due_date,
         cl.principal_cents - COALESCE((
           SELECT SUM(al.to_principal) FROM {allocation} al
           WHERE al.claim_id = cl.id AND NOT EXISTS (
             SELECT 1 FROM {payment} p WHERE p.id = al.payment_id
             AND p.reversed_at IS NOT NULL)), 0) AS owed
  FROM {claim} cl
  WHERE cl.organization_id = %(org)s AND cl.status IN (%(open)s, %(disputed)s)
        AND cl.case_id IS NOT NULL {case_filter.replace("c.id", "cl.case_id")}
), balances AS (
  SELECT case_id, SUM(owed) AS balance, MIN(CASE WHEN owed > 0 THEN due_date END) AS oldest
  FROM owed GROUP BY case_id
), flags AS {materialized}(
  SELECT c.id AS id, COALESCE(b.balance, 0) AS balance, b.oldest AS oldest, d.risk_level AS risk,
    CASE WHEN EXISTS (SELECT 1 FROM {promise} pr WHERE pr.case_id = c.id
      AND pr.status = %(pending)s AND pr.promised_on = %(today)s) THEN 1 ELSE 0 END
      AS promise_today,
    CASE WHEN EXISTS (SELECT 1 FROM {promise} pr WHERE pr.case_id = c.id
      AND pr.status = %(broken)s AND COALESCE(pr.decided_on, pr.promised_on) >= %(lately)s)
      THEN 1 ELSE 0 END AS promise_broken,
    CASE WHEN EXISTS (SELECT 1 FROM {instalment} i JOIN {plan} pl ON pl.id = i.plan_id
      WHERE pl.case_id = c.id AND pl.status = %(active)s
      AND (i.status IN (%(unpaid)s, %(returned)s)
           OR (i.status IN (%(due)s, %(partial)s) AND i.due_on < %(today)s)))
      THEN 1 ELSE 0 END AS instalment_unpaid,
    CASE WHEN EXISTS (SELECT 1 FROM {task} t WHERE t.case_id = c.id
      AND t.done_at IS NULL AND t.due_on <= %(today)s) THEN 1 ELSE 0 END AS task_due
  FROM {case} c
  JOIN {debtor} d ON d.id = c.debtor_id
  LEFT JOIN balances b ON b.case_id = c.id
  WHERE c.organization_id = %(org)s AND c.status <> %(closed)s {case_filter}
), scored AS (
  SELECT id,
    (CASE {amount} ELSE 0 END) + (CASE {age} ELSE 0 END) + (CASE {risk} ELSE 0 END)
      + {events} AS score,
    '[' || SUBSTR({reasons}, 2) || ']' AS reasons
  FROM flags
)
UPDATE {case} {"AS c" if postgres else ""}
SET priority = s.score, priority_reasons = {as_json}
FROM scored s
WHERE {target}.id = s.id
  AND ({target}.priority <> s.score OR {target}.priority_reasons {differs} {as_json})
"""


def _params(organization_id: int, today: date) -> dict[str, Any]:
    params: dict[str, Any] = {
        "org": organization_id,
        "today": today,
        "lately": today - BROKEN_LATELY,
        "open": OPEN_STATUSES[0],
        "disputed": OPEN_STATUSES[1],
        "closed": CaseStatus.CLOSED,
        "pending": PromiseStatus.PENDING,
        "broken": PromiseStatus.BROKEN,
        "active": PlanStatus.ACTIVE,
        "unpaid": InstalmentStatus.UNPAID,
        "returned": InstalmentStatus.RETURNED,
        "due": InstalmentStatus.DUE,
        "partial": InstalmentStatus.PARTIAL,
    }
    for days, _points in AGE_STEPS:
        params[f"d{days}"] = today - timedelta(days=days)
    return params


def rank_cases(
    organization_id: int, today: date | None = None, case_ids: Iterable[int] | None = None
) -> int:
    """Compute Case.priority and priority_reasons of the organisation's open cases (or of
    `case_ids` only), in set-based SQL; a closed case falls back to 0. Returns how many
    cases changed."""
    today = today or timezone.localdate()
    params = _params(organization_id, today)
    changed = 0
    with connection.cursor() as cursor:
        if case_ids is None:
            changed += _execute(cursor, _rank_sql(""), params)
        else:
            for chunk in batches(sorted(set(case_ids))):
                ids = ", ".join(str(int(pk)) for pk in chunk)  # ints: safe to inline
                changed += _execute(cursor, _rank_sql(f"AND c.id IN ({ids})"), params)
    closed = Case.objects.filter(organization_id=organization_id, status=CaseStatus.CLOSED)
    if case_ids is not None:
        closed = closed.filter(pk__in=list(case_ids))
    closed.exclude(priority=0, priority_reasons=[]).update(priority=0, priority_reasons=[])
    return changed


def _execute(cursor: Any, sql: str, params: dict[str, Any]) -> int:
    """Run the UPDATE; how many rows it changed (SQLite's driver does not count the rows of
    a statement that starts with WITH: its changes() does)."""
    cursor.execute(sql, params)
    if connection.vendor == "sqlite":
        cursor.execute("SELECT changes()")
        return int(cursor.fetchone()[0])
    return max(cursor.rowcount, 0)


def rank_touched(organization_id: int, case_ids: Iterable[int]) -> int:
    """rank_cases for the few cases an event touched (a payment, a promise, a plan)."""
    ids = [pk for pk in case_ids if pk is not None]
    if not ids:
        return 0
    return rank_cases(organization_id, timezone.localdate(), ids)


def rank_after_payments(
    sender: Any, organization_id: int, claim_ids: Sequence[int], **_: Any
) -> None:
    """ledger.services.payments_applied / payments_reversed's receiver: the cases of those
    claims are ranked again."""
    case_ids = set()
    for chunk in batches(sorted(set(claim_ids))):
        case_ids.update(
            Claim.objects.filter(pk__in=chunk, case__isnull=False).values_list("case_id", flat=True)
        )
    rank_touched(organization_id, case_ids)


# ---------------------------------------------------------------- the queue


def queue_for(member: Membership, agent: Any) -> QuerySet[Case]:
    """An agent's open cases, the most urgent first (priority, then id), as `member` may see
    them."""
    return (
        Case.objects.visible_to(member)
        .active()
        .filter(assigned_to=agent)
        .order_by("-priority", "id")
    )


def first_cases(
    cases: QuerySet[Case], limit: int, offset: int = 0, *, only: Sequence[str] = ()
) -> list[Case]:
    """Cases `offset` to `offset + limit` of a queue, each with its debtor, creditor and
    `balance` (and only the fields `only` names, when given).

    The queue's order is taken on the ids alone, then those cases are read with their
    balance: sorting the whole queue with every column, or computing every balance before
    the sort keeps the first ones (SQLite does both), costs ten times more."""
    ids = list(cases.values_list("pk", flat=True)[offset : offset + limit])
    return cases_with_balance(ids, only=only)


def cases_with_balance(ids: Sequence[int], *, only: Sequence[str] = ()) -> list[Case]:
    """The cases of `ids`, in that order, with their debtor, creditor and `balance`."""
    rows = Case.objects.filter(pk__in=ids).with_balance().select_related("debtor", "creditor")
    if only:
        rows = rows.only(*only)
    found = {case.pk: case for case in rows.order_by()}
    return [found[pk] for pk in ids if pk in found]


def next_case(member: Membership, agent: Any, after: Case | None) -> Case | None:
    """The case after `after` in the agent's queue (the first one when None)."""
    queue = queue_for(member, agent)
    if after is not None:
        from django.db.models import Q

        queue = queue.filter(
            Q(priority__lt=after.priority) | Q(priority=after.priority, id__gt=after.pk)
        ).exclude(pk=after.pk)
    return queue.first()


# ---------------------------------------------------------------- assignment


def _case_facts(case_ids: Sequence[int]) -> dict[int, tuple[int, int, str]]:
    """Case id → (creditor id, balance, debtor's postcode), for the rules."""
    facts: dict[int, tuple[int, int, str]] = {}
    for chunk in batches(sorted(case_ids)):
        rows = Case.objects.filter(pk__in=chunk).with_balance()
        for pk, creditor, balance, postcode in rows.values_list(
            "pk", "creditor_id", "balance", "debtor__postal_code"
        ):
            facts[pk] = (creditor, int(balance or 0), (postcode or "").replace(" ", ""))
    return facts


def rule_matches(rule: AssignmentRule, creditor_id: int, balance: int, postcode: str) -> bool:
    """Whether every condition of the rule holds for a case with these facts."""
    return (
        (rule.creditor_id is None or rule.creditor_id == creditor_id)
        and (rule.min_cents is None or balance >= rule.min_cents)
        and (rule.max_cents is None or balance <= rule.max_cents)
        and (not rule.postcode_prefix or postcode.startswith(rule.postcode_prefix))
    )


def active_rules(organization_id: int) -> list[AssignmentRule]:
    return list(
        AssignmentRule.objects.filter(organization_id=organization_id, is_active=True).order_by(
            "position", "id"
        )
    )


def assign_new_cases(
    organization_id: int, case_ids: Iterable[int], *, actor_id: int | None = None
) -> int:
    """Give each unassigned open case among `case_ids` to the agent of the first active rule
    (by position) that matches it: a few queries whatever the number of cases (an import
    opens thousands). Returns how many cases were assigned."""
    rules = active_rules(organization_id)
    if not rules:
        return 0
    unassigned = Case.objects.filter(
        organization_id=organization_id, assigned_to__isnull=True
    ).exclude(status=CaseStatus.CLOSED)
    ids: list[int] = []
    for chunk in batches(sorted(set(case_ids))):
        ids.extend(unassigned.filter(pk__in=chunk).values_list("pk", flat=True))
    per_agent: dict[int, list[int]] = {}
    for pk, (creditor, balance, postcode) in _case_facts(ids).items():
        rule = next((r for r in rules if rule_matches(r, creditor, balance, postcode)), None)
        if rule is not None:
            per_agent.setdefault(rule.assign_to_id, []).append(pk)
    assigned = 0
    names = dict(User.objects.filter(pk__in=per_agent).values_list("pk", "full_name"))
    now = timezone.now()
    with transaction.atomic():
        for agent_id, chunk_ids in per_agent.items():
            for chunk in batches(chunk_ids):
                assigned += unassigned.filter(pk__in=chunk).update(
                    assigned_to_id=agent_id, updated_at=now
                )
            text = f"Dossier attribué à {names.get(agent_id) or agent_id} (règle d'attribution)."
            entries = ((pk, text) for pk in chunk_ids)
            add_events(organization_id, entries, InteractionKind.SYSTEM, author_id=actor_id)
    return assigned


def assign_new_case(case: Case, *, actor: Any = None) -> bool:
    """assign_new_cases for one case just opened."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    done = assign_new_cases(case.organization_id, [case.pk], actor_id=actor_id)
    if done:
        case.refresh_from_db(fields=["assigned_to"])
    return bool(done)


def apply_rules(member: Membership, *, actor: Any = None) -> int:
    """ "Appliquer les règles": the rules once more on every unassigned open case."""
    ids = (
        Case.objects.visible_to(member)
        .active()
        .filter(assigned_to__isnull=True)
        .values_list("pk", flat=True)
    )
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    return assign_new_cases(member.organization_id, list(ids), actor_id=actor_id)


MAX_REASSIGNED = 5_000


@transaction.atomic
def reassign_cases(
    member: Membership, case_ids: Iterable[int], user: Any, *, actor: Any = None
) -> int:
    """Give the cases (among those `member` may see) to `user` (None: nobody), with the
    audit log and a line on each timeline. A case `member` cannot see, or an agent who
    does not work the organisation's cases, is refused (ValidationError), nothing moved."""
    if not member.can_write:
        raise ValidationError(_("Votre rôle ne permet pas de réattribuer des dossiers."))
    wanted = sorted({int(pk) for pk in case_ids})
    if not wanted:
        raise ValidationError({"cases": _("Choisissez au moins un dossier.")})
    if len(wanted) > MAX_REASSIGNED:
        raise ValidationError(
            {"cases": _("Au plus %(n)d dossiers à la fois.") % {"n": MAX_REASSIGNED}}
        )
    if (
        user is not None
        and not assignable_users(member.organization_id).filter(pk=user.pk).exists()
    ):
        raise ValidationError({"user": _("Cet utilisateur ne traite pas les dossiers ici.")})
    cases: list[Case] = []
    for chunk in batches(wanted):
        cases.extend(Case.objects.visible_to(member).filter(pk__in=chunk).select_for_update())
    if len(cases) != len(wanted):
        raise Case.DoesNotExist("a case is not one of this organisation's")
    moving = [case for case in cases if case.assigned_to_id != (user.pk if user else None)]
    now = timezone.now()
    for case in moving:
        before = audit.snapshot(case)
        case.assigned_to = user
        case.updated_at = now
        audit.record(case, AuditAction.UPDATE, actor=actor, before=before)
    for chunk in batches([case.pk for case in moving]):
        Case.objects.filter(pk__in=chunk).update(assigned_to=user, updated_at=now)
    text = f"Dossier réattribué à {user}." if user else "Dossier retiré de son agent."
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    add_events(
        member.organization_id,
        ((case.pk, text) for case in moving),
        InteractionKind.SYSTEM,
        author_id=actor_id,
    )
    return len(moving)
