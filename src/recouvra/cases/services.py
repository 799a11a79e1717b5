"""Case operations that touch several models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone, translation

from recouvra.core import audit
from recouvra.core.bulk import batches, insert_rows
from recouvra.core.models import AuditAction
from recouvra.law.money import format_amount

from .models import CASE_REFERENCE_PREFIX, Case, CaseStatus, Direction, Interaction, InteractionKind

# The timeline is the case's record, kept in French whatever the reader's language.
CASE_OPENED = "Dossier ouvert."


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
    return True


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
