"""Disputes (litiges): opened with a reason, an amount, documents, an owner and a date to
answer by; the case waits at the DISPUTED stage (dunning pauses for an open dispute) and
goes back to its previous stage when the last open dispute is resolved:

- by a credit note (avoir): the claim's principal is reduced by its amount;
- by a partial write-off (abandon): the same reduction, and a claim brought to nothing by
  it is written off (passée en perte) rather than paid;
- by a rejection, with the explanation the debtor receives as a letter (letters app);
- or withdrawn by the debtor.

The reduction of principals is `reduce_principal`, the one home for it: the claim rows, the
audit log, the claims' status (ledger.services.settle_amended) and the timeline together.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.core import audit
from recouvra.core.models import AuditAction, AuditEvent
from recouvra.law.money import format_amount
from recouvra.ledger.models import OPEN_STATUSES, Claim, ClaimStatus
from recouvra.ledger.services import settle_amended

from .models import Case, CaseStatus, Dispute, DisputeDocument, DisputeOutcome, InteractionKind
from .services import _created, _moved, _rank, add_event, assignable_users, change_stage

OUTCOME_TEXT = {
    DisputeOutcome.CREDIT_NOTE: "avoir de {amount}",
    DisputeOutcome.WRITE_OFF: "abandon partiel de {amount}",
    DisputeOutcome.REJECTED: "contestation rejetée",
    DisputeOutcome.WITHDRAWN: "contestation retirée par le débiteur",
}
REDUCING = (DisputeOutcome.CREDIT_NOTE, DisputeOutcome.WRITE_OFF)
MAX_DOCUMENTS = 10


def open_claims(case: Case, claim: Claim | None = None) -> list[Claim]:
    """The claims a dispute is about, with their balance: the contested claim, else the
    case's open claims (the latest due first: a credit note usually answers the last
    invoice)."""
    claims = Claim.objects.filter(case=case, status__in=OPEN_STATUSES)
    if claim is not None:
        claims = claims.filter(pk=claim.pk)
    return list(claims.with_balance().order_by("-due_date", "-id"))


def disputed_balance(case: Case, claim: Claim | None = None) -> int:
    return sum(max(c.balance, 0) for c in open_claims(case, claim))


@transaction.atomic
def open_dispute(
    case: Case,
    *,
    reason: str,
    claim: Claim | None = None,
    disputed_cents: int | None = None,
    owner: Any = None,
    due_on: date | None = None,
    documents: Iterable[tuple[Any, str]] = (),
    actor: Any = None,
) -> Dispute:
    """A contested case, or one claim of it: while open, dunning pauses for the case, which
    moves to the DISPUTED stage. The amount contested is at most what is due on it."""
    if case.is_closed:
        raise ValidationError(_("Ce dossier est clos."))
    if claim is not None and claim.case_id != case.pk:
        raise ValidationError({"claim": _("Cette créance est d'un autre dossier.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la contestation.")})
    if disputed_cents is not None:
        if disputed_cents <= 0:
            raise ValidationError({"disputed_cents": _("Le montant contesté doit être positif.")})
        due = disputed_balance(case, claim)
        if disputed_cents > due:
            raise ValidationError(
                {
                    "disputed_cents": _("Le montant contesté dépasse le reste dû (%(due)s).")
                    % {"due": format_amount(due)}
                }
            )
    if (
        owner is not None
        and not assignable_users(case.organization_id).filter(pk=owner.pk).exists()
    ):
        raise ValidationError({"owner": _("Ce responsable ne traite pas les dossiers ici.")})
    dispute = Dispute.objects.create(
        organization_id=case.organization_id,
        case=case,
        claim=claim,
        reason=reason.strip(),
        disputed_cents=disputed_cents,
        owner=owner,
        due_on=due_on,
    )
    for upload, title in list(documents)[:MAX_DOCUMENTS]:
        add_document(dispute, upload, title=title, actor=actor)
    what = f"Créance {claim.reference} contestée" if claim is not None else "Dossier contesté"
    if disputed_cents:
        what += f" ({format_amount(disputed_cents)})"
    _created(dispute, case, InteractionKind.DISPUTE, f"{what} : {dispute.reason}", actor)
    if case.status != CaseStatus.DISPUTED:
        change_stage(case, CaseStatus.DISPUTED, actor=actor)
    return dispute


def add_document(
    dispute: Dispute, upload: Any, *, title: str = "", actor: Any = None
) -> DisputeDocument:
    """A document for the dispute (checked as any attachment: size, type, content)."""
    document = DisputeDocument(
        organization_id=dispute.organization_id,
        dispute=dispute,
        title=(title or getattr(upload, "name", ""))[:200],
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    document.file = upload
    document.full_clean(exclude=["organization", "dispute"])
    document.save()
    audit.record(document, AuditAction.CREATE, actor=actor)
    return document


def previous_stage(case: Case) -> str:
    """The stage the case had before it went to DISPUTED (the audit log of change_stage);
    the amicable stage when it cannot be told."""
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=str(case.pk),
        action=AuditAction.UPDATE,
    ).order_by("-created_at", "-id")
    for changes in events.values_list("changes", flat=True)[:200]:
        status = (changes or {}).get("status")
        if not (isinstance(status, list) and len(status) == 2):
            continue
        if status[1] == CaseStatus.DISPUTED and status[0] not in (
            CaseStatus.DISPUTED,
            CaseStatus.CLOSED,
        ):
            return status[0]
    return CaseStatus.AMICABLE


def reduce_principal(
    claims: list[Claim], amount_cents: int, *, written_off: bool, actor: Any = None
) -> list[str]:
    """Take `amount_cents` off the principal of `claims` (with their balance), in their
    order, each by at most its balance; returns what was done, one phrase a claim. A claim
    brought to nothing is paid, or written off when `written_off`."""
    left, done, emptied = amount_cents, [], []
    now = timezone.now()
    for claim in claims:
        if left <= 0:
            break
        take = min(left, max(claim.balance, 0))
        if take <= 0:
            continue
        before = audit.snapshot(claim)
        claim.principal_cents -= take
        Claim.objects.filter(pk=claim.pk).update(
            principal_cents=claim.principal_cents, updated_at=now
        )
        audit.record(claim, AuditAction.UPDATE, actor=actor, before=before)
        done.append(
            f"{claim.reference} : principal {format_amount(before['principal_cents'])} → "
            f"{format_amount(claim.principal_cents)}"
        )
        if take == claim.balance:
            emptied.append(claim.pk)
        left -= take
    if written_off and emptied:
        Claim.objects.filter(pk__in=emptied, status__in=OPEN_STATUSES).update(
            status=ClaimStatus.WRITTEN_OFF, updated_at=now
        )
    settle_amended([claim.pk for claim in claims])
    return done


def check_resolution(
    dispute: Dispute, outcome: str, resolution: str, amount_cents: int | None
) -> dict[str, str]:
    """What is wrong with this way of resolving the dispute, field by field (French)."""
    errors: dict[str, str] = {}
    if outcome and outcome not in DisputeOutcome.values:
        errors["outcome"] = _("Issue inconnue.")
    if outcome in REDUCING:
        if not amount_cents or amount_cents <= 0:
            errors["amount_cents"] = _("Indiquez le montant de l'avoir ou de l'abandon.")
        else:
            due = disputed_balance(dispute.case, dispute.claim)
            if amount_cents > due:
                errors["amount_cents"] = _(
                    "Le montant dépasse le reste dû sur ce qui est contesté (%(due)s)."
                ) % {"due": format_amount(due)}
    elif amount_cents:
        errors["amount_cents"] = _("Un montant ne va qu'avec un avoir ou un abandon.")
    if outcome == DisputeOutcome.REJECTED and not resolution.strip():
        errors["resolution"] = _("Expliquez au débiteur pourquoi sa contestation est rejetée.")
    if not outcome and not resolution.strip():
        errors["resolution"] = _("Indiquez comment le litige est clos.")
    return errors


@transaction.atomic
def resolve_dispute(
    dispute: Dispute,
    *,
    resolution: str = "",
    outcome: str = "",
    amount_cents: int | None = None,
    on: date | None = None,
    actor: Any = None,
) -> bool:
    """Close an open dispute, once (False when it was closed already), with its outcome and
    its effect on the ledger; the case goes back to its previous stage when no other
    dispute holds it. ValidationError (by field) for a resolution that does not hold."""
    errors = check_resolution(dispute, outcome, resolution, amount_cents)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(dispute)
    changes = {
        "closed_on": on or timezone.localdate(),
        "resolution": resolution.strip(),
        "outcome": outcome,
        "resolved_cents": amount_cents if outcome in REDUCING else None,
    }
    if not _moved(Dispute, dispute, changes, closed_on__isnull=True):
        return False
    audit.record(dispute, AuditAction.UPDATE, actor=actor, before=before)
    case = dispute.case
    text = f"Litige du {dispute.opened_on:%d/%m/%Y} clos"
    if outcome:
        text += " : " + OUTCOME_TEXT[outcome].format(amount=format_amount(amount_cents or 0))
    if outcome in REDUCING:
        claims = open_claims(case, dispute.claim)
        written_off = outcome == DisputeOutcome.WRITE_OFF
        done = reduce_principal(claims, amount_cents or 0, written_off=written_off, actor=actor)
        text += " (" + " ; ".join(done) + ")"
    if dispute.resolution:
        text += f". {dispute.resolution}"
    add_event(case, InteractionKind.DISPUTE, text, author=actor)
    still_open = Dispute.objects.filter(case=case, closed_on__isnull=True).exists()
    case.refresh_from_db(fields=["status"])
    if not still_open and case.status == CaseStatus.DISPUTED:
        change_stage(case, previous_stage(case), actor=actor)
    _rank(case)
    return True
