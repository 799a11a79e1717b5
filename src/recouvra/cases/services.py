"""Case operations that touch several models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat, LPad
from django.dispatch import Signal
from django.utils import timezone, translation

from recouvra.core import audit
from recouvra.core.bulk import batches, insert_rows
from recouvra.core.models import AuditAction, Role, User
from recouvra.law.money import format_amount

from .models import (
    CASE_REFERENCE_PREFIX,
    Case,
    CaseStatus,
    Direction,
    Interaction,
    InteractionKind,
    Promise,
    PromiseStatus,
    Task,
    TaskKind,
)

# The timeline is the case's record, kept in French whatever the reader's language.
CASE_OPENED = "Dossier ouvert."

# sent with `case`, `old` and `new` (its stages) and `actor` once change_stage moved a
# case, in its transaction (webhooks: case.stage_changed)
stage_changed = Signal()

# sent with `promise` and `actor` (None for the daily check) once a promise is marked
# broken, in its transaction (webhooks: promise.broken)
promise_broken = Signal()

# sent with `case`, `proposal` (the Promise or PaymentPlan just recorded: the debtor offers
# to pay other than at once) and `actor`, in its transaction: an agency tells the mandant
# (CPCE R124-5)
payment_proposed = Signal()


def number_new_cases(organization_id: int) -> int:
    """Give the organisation's cases inserted in bulk their reference, in one UPDATE."""
    number = LPad(Cast("id", models.CharField()), 6, Value("0"))  # case_reference, in SQL
    cases = Case.objects.filter(organization_id=organization_id, reference="")
    return cases.update(reference=Concat(Value(CASE_REFERENCE_PREFIX), number))


def claim_added_text(reference: str, principal_cents: int, currency: str, due: date) -> str:
    amount = format_amount(principal_cents, currency)
    return f"Créance {reference} ajoutée au dossier ({amount}, échéance {due:%d/%m/%Y})."


def stage_changed_text(old: str, new: str) -> str:
    with translation.override("fr"):  # the stages' names in French, as the rest of the line
        return f"Étape : {CaseStatus(old).label} → {CaseStatus(new).label}."


def open_or_join_case(debtor: Any, creditor: Any, *, actor: Any = None) -> Case:
    """The open case of this debtor for this creditor, created if there is none."""
    lookup = {"organization_id": debtor.organization_id, "debtor": debtor, "creditor": creditor}
    case = Case.objects.filter(**lookup).exclude(status=CaseStatus.CLOSED).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            case = Case.objects.create(**lookup)
    except IntegrityError:  # another request opened it first (partial unique constraint)
        return Case.objects.filter(**lookup).exclude(status=CaseStatus.CLOSED).get()
    audit.record(case, AuditAction.CREATE, actor=actor)
    add_event(case, InteractionKind.SYSTEM, CASE_OPENED, author=actor)
    case.just_opened = True  # file_claim applies the assignment rules once it has a claim
    return case


def open_cases(
    organization_id: int, creditor_id: int, debtor_ids: set[int], *, author_id: int | None = None
) -> dict[int, int]:
    """open_or_join_case for many debtors of one creditor: debtor id → open case id,
    opening (in bulk) the cases that are missing."""
    cases: dict[int, int] = {}
    open_ones = Case.objects.filter(organization_id=organization_id, creditor_id=creditor_id)
    open_ones = open_ones.exclude(status=CaseStatus.CLOSED)
    for chunk in batches(sorted(debtor_ids)):
        cases.update(open_ones.filter(debtor_id__in=chunk).values_list("debtor_id", "id"))
    missing = sorted(debtor_ids - cases.keys())
    if not missing:
        return cases
    now, today = timezone.now(), timezone.localdate()
    fields = ("organization_id", "created_at", "updated_at", "creditor_id", "debtor_id")
    fields += ("status", "reference", "opened_on")
    rows = (
        (organization_id, now, now, creditor_id, d, CaseStatus.AMICABLE, "", today) for d in missing
    )
    insert_rows(Case, fields, rows)
    number_new_cases(organization_id)
    for chunk in batches(missing):
        cases.update(open_ones.filter(debtor_id__in=chunk).values_list("debtor_id", "id"))
    opened = ((cases[d], CASE_OPENED) for d in missing)
    add_events(organization_id, opened, InteractionKind.SYSTEM, author_id=author_id)
    return cases


def file_claim(claim: Any, *, actor: Any = None) -> Case:
    """Put a newly created claim in its debtor's open case for this creditor."""
    case = open_or_join_case(claim.debtor, claim.creditor, actor=actor)
    claim.case = case
    type(claim).objects.filter(pk=claim.pk).update(case=case)
    text = claim_added_text(claim.reference, claim.principal_cents, claim.currency, claim.due_date)
    add_event(case, InteractionKind.CLAIM, text, author=actor)
    if getattr(case, "just_opened", False) and case.assigned_to_id is None:
        from .queue import assign_new_case

        case.just_opened = False
        assign_new_case(case, actor=actor)
    return case


def tell_payment(
    sender: Any, payment: Any, shares: Iterable[Any], credit: int, actor: Any = None, **_: Any
) -> None:
    """ledger.services.payment_recorded's receiver: the payment on the timeline of each
    case whose claims it paid (amount, date, how, the claims and what each received)."""
    per_case: dict[int, list[str]] = {}
    for share in shares:
        if share.case_id is not None:
            part = f"{share.reference} ({format_amount(share.total, payment.currency)})"
            per_case.setdefault(share.case_id, []).append(part)
    if not per_case:
        return
    with translation.override("fr"):
        method = str(payment.get_method_display()).lower()
    reference = f", réf. {payment.reference}" if payment.reference else ""
    head = (
        f"Paiement de {format_amount(payment.amount_cents, payment.currency)} reçu le "
        f"{payment.received_on:%d/%m/%Y} ({method}{reference})"
    )
    who = str(actor) if getattr(actor, "is_authenticated", False) else "le système"
    tail = ""
    if credit:
        amount = format_amount(credit, payment.currency)
        tail = f" Trop-perçu de {amount} porté au crédit du débiteur."
    entries = (
        (case_id, f"{head} imputé sur {', '.join(parts)} — enregistré par {who}.{tail}")
        for case_id, parts in per_case.items()
    )
    author_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    add_events(payment.organization_id, entries, InteractionKind.PAYMENT, author_id=author_id)


def file_created_claim(sender: Any, claim: Any, actor: Any = None, **_: Any) -> None:
    """ledger.services.claim_created's receiver."""
    file_claim(claim, actor=actor)


@transaction.atomic
def change_stage(case: Case, status: str, *, actor: Any = None) -> bool:
    """Move a case to another stage: the stage, the closing date, the audit log and the
    timeline, together. Returns False when the case is at that stage already."""
    if case.status == status:
        return False
    before, old = audit.snapshot(case), case.status
    case.status = status
    fields = ["status", "updated_at"]
    if status == CaseStatus.CLOSED and not case.closed_on:
        case.closed_on = timezone.localdate()
        fields.append("closed_on")
    case.save(update_fields=fields)
    audit.record(case, AuditAction.UPDATE, actor=actor, before=before)
    add_event(case, InteractionKind.STATUS, stage_changed_text(old, status), author=actor)
    stage_changed.send(sender=Case, case=case, old=old, new=status, actor=actor)
    return True


def break_promise(
    promise: Promise, *, paid_cents: int | None = None, on: date | None = None, actor: Any = None
) -> bool:
    """The debtor did not pay as promised (cases.plans.decide_promise says so from the
    payments): a call for the case's agent; False when the promise was no longer pending."""
    return _close_promise(promise, PromiseStatus.BROKEN, paid_cents, on, actor=actor)


def keep_promise(
    promise: Promise, *, paid_cents: int | None = None, on: date | None = None, actor: Any = None
) -> bool:
    """The debtor paid as promised; False when the promise was no longer pending."""
    return _close_promise(promise, PromiseStatus.KEPT, paid_cents, on, actor=actor)


@transaction.atomic
def _close_promise(
    promise: Promise, status: str, paid_cents: int | None, on: date | None, *, actor: Any
) -> bool:
    before = audit.snapshot(promise)
    changes: dict[str, Any] = {"status": status, "decided_on": on or timezone.localdate()}
    if paid_cents is not None:
        changes["paid_cents"] = paid_cents
    if not _moved(Promise, promise, changes, status=PromiseStatus.PENDING):
        return False
    audit.record(promise, AuditAction.UPDATE, actor=actor, before=before)
    what = "tenue" if status == PromiseStatus.KEPT else "non tenue"
    amount = format_amount(promise.amount_cents, "EUR")
    text = f"Promesse de paiement du {promise.promised_on:%d/%m/%Y} ({amount}) {what}."
    if paid_cents is not None and status == PromiseStatus.BROKEN:
        text += f" Reçu depuis : {format_amount(paid_cents, 'EUR')}."
    add_event(promise.case, InteractionKind.PROMISE, text, author=actor)
    _rank(promise.case)
    if status == PromiseStatus.BROKEN:
        create_task(
            promise.case,
            kind=TaskKind.CALL,
            title=f"Promesse non tenue du {promise.promised_on:%d/%m/%Y} ({amount}) : rappeler",
            due_on=changes["decided_on"],
            assigned_to=promise.case.assigned_to,
            actor=actor,
        )
        promise_broken.send(sender=Promise, promise=promise, actor=actor)
    return True


def assignable_users(organization_id: int) -> models.QuerySet[User]:
    """Who a case or a task may be given to: the active members who work the cases."""
    return User.objects.filter(
        memberships__organization_id=organization_id,
        memberships__role__in=[Role.ADMIN, Role.AGENT, Role.FIELD_COLLECTOR],
        memberships__is_active=True,
    )


def add_event(
    case: Case,
    kind: str,
    text: str,
    *,
    author: Any = None,
    channel: str = "",
    direction: str = Direction.INTERNAL,
) -> Interaction:
    """Append an entry to the case timeline."""
    return Interaction.objects.create(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        channel=channel,
        direction=direction,
        author=author if getattr(author, "is_authenticated", False) else None,
        text=text,
    )


EVENT_FIELDS = ("organization_id", "created_at", "updated_at", "case_id", "kind", "channel")
EVENT_FIELDS += ("direction", "author_id", "occurred_at", "text", "attachment")


def add_events(
    organization_id: int,
    entries: Iterable[tuple[int, str]],
    kind: str,
    *,
    author_id: int | None = None,
) -> int:
    """add_event for many cases at once (case id, text), in one executemany: for imports
    and lettrage runs that touch thousands of cases."""
    now = timezone.now()
    rows = (
        (organization_id, now, now, case_id, kind, "", Direction.INTERNAL, author_id, now)
        + (text, "")
        for case_id, text in entries
    )
    return insert_rows(Interaction, EVENT_FIELDS, rows)


@transaction.atomic
def record_interaction(
    case: Case,
    *,
    kind: str,
    text: str,
    direction: str = Direction.OUTBOUND,
    attachment: Any = None,
    actor: Any = None,
) -> Interaction:
    """An exchange someone records on the timeline (a call, an e-mail, a visit, a note), by
    hand on the case page or through the API; its channel is its kind."""
    interaction = Interaction(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        channel=kind,
        direction=direction,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
    )
    if attachment:
        interaction.attachment = attachment
    interaction.save()
    audit.record(interaction, AuditAction.CREATE, actor=actor)
    return interaction


def _rank(case: Case) -> None:
    """The case's place in its agent's queue after an event (cases.queue)."""
    from .queue import rank_touched

    rank_touched(case.organization_id, [case.pk])


def _created(obj: models.Model, case: Case, kind: str, text: str, actor: Any) -> None:
    audit.record(obj, AuditAction.CREATE, actor=actor)
    add_event(case, kind, text, author=actor)


def _moved(model: type[models.Model], obj: Any, changes: dict[str, Any], **where: Any) -> bool:
    """Apply `changes` to obj only if its row still matches `where` (two agents clicking at
    once change it once); obj is refreshed when it moved."""
    now = timezone.now()
    moved = model.objects.filter(pk=obj.pk, **where).update(**changes, updated_at=now)
    if moved:
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.updated_at = now
    return bool(moved)


@transaction.atomic
def create_task(
    case: Case,
    *,
    kind: str,
    title: str,
    due_on: date,
    assigned_to: Any = None,
    not_before: Any = None,
    actor: Any = None,
) -> Task:
    """Work for someone on the case (a call, a visit, an escalation to decide)."""
    task = Task.objects.create(
        organization_id=case.organization_id,
        case=case,
        kind=kind,
        title=title,
        due_on=due_on,
        assigned_to=assigned_to,
        not_before=not_before,
    )
    audit.record(task, AuditAction.CREATE, actor=actor)
    return task


@transaction.atomic
def complete_task(task: Task, *, note: str = "", actor: Any = None) -> bool:
    """Task.complete (done once, on the timeline with the note) and the audit log."""
    before = audit.snapshot(task)
    if not task.complete(actor=actor, note=note):
        return False
    audit.record(task, AuditAction.UPDATE, actor=actor, before=before)
    return True
