"""SEPA direct debit of payment plans, every write in one home: the pages, the API, the
daily job, the demo and the tests call these functions.

The life of a debit: schedule_debits gives each instalment of an active direct-debit plan
due within SCHEDULE_DAYS a DirectDebit on its debtor's mandate; prenotify tells the debtor
(amount, date, RUM, ICS) at least the mandate's notice (14 days) before the collection
date; build_collection writes the pain.008.001.02 of a date (validated against its XSD);
settle_collection records a payment for each debit the bank collected; record_returns
reads the R-transactions of a bank file and undoes what a returned debit had paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import (
    InstalmentStatus,
    InteractionKind,
    PaymentPlan,
    PlanInstalment,
    PlanStatus,
    TaskKind,
)
from recouvra.cases.plans import mark_instalment_returned
from recouvra.cases.services import add_event, create_task
from recouvra.core import audit
from recouvra.core.models import AuditAction, Organization
from recouvra.core.validators import compact
from recouvra.dunning.outbox import queue_message
from recouvra.imports.records import BankStatement, StatementAccount, StatementLine
from recouvra.law.money import format_amount
from recouvra.ledger.models import Creditor, Debtor, PaymentMethod
from recouvra.ledger.services import record_payment, reverse_payment

from .models import (
    Collection,
    CollectionStatus,
    DebitStatus,
    DirectDebit,
    Mandate,
    MandateStatus,
    Sequence,
)
from .returns import MANDATE_ENDING, reason_label

# instalments due within this many days get their debit (and its pre-notification)
SCHEDULE_DAYS = 30
MANDATE_PREFIX = "RCV"
SEPA_SCHEMA = "pain.008.001.02"
# a debit still waiting to leave in a file
WAITING = (DebitStatus.SCHEDULED, DebitStatus.PRENOTIFIED)


def mandate_missing_message() -> str:
    return _("Mandat manquant : ce débiteur n'a pas de mandat SEPA actif pour ce créancier.")


# ---------------------------------------------------------------- mandates


def next_mandate_reference(organization_id: int) -> str:
    """RCV-<organisation>-<n>, the next n not taken (a RUM is unique per organisation)."""
    taken = Mandate.objects.filter(organization_id=organization_id).count()
    number = taken + 1
    while True:
        reference = f"{MANDATE_PREFIX}-{organization_id}-{number}"
        if not Mandate.objects.filter(
            organization_id=organization_id, reference=reference
        ).exists():
            return reference
        number += 1


@transaction.atomic
def create_mandate(
    organization_id: int,
    *,
    debtor: Debtor,
    creditor: Creditor,
    iban: str,
    account_holder: str,
    signed_on: date,
    bic: str = "",
    reference: str = "",
    prenotice_days: int = 14,
    actor: Any = None,
) -> Mandate:
    """A debtor's signed mandate, validated field by field (ValidationError naming the field:
    an invalid IBAN or BIC, a signature in the future, a RUM already used)."""
    if debtor.organization_id != organization_id or creditor.organization_id != organization_id:
        raise ValidationError(_("Débiteur ou créancier introuvable."))
    mandate = Mandate(
        organization_id=organization_id,
        debtor=debtor,
        creditor=creditor,
        iban=compact("iban", iban or "").upper(),
        bic=(bic or "").replace(" ", "").upper(),
        account_holder=(account_holder or "").strip(),
        signed_on=signed_on,
        reference=(reference or "").strip() or next_mandate_reference(organization_id),
        prenotice_days=prenotice_days,
    )
    errors: dict[str, list[str]] = {}
    if signed_on and signed_on > timezone.localdate():
        errors["signed_on"] = [_("La date de signature ne peut pas être dans le futur.")]
    taken = Mandate.objects.filter(organization_id=organization_id, reference=mandate.reference)
    if taken.exists():
        errors["reference"] = [_("Cette référence de mandat (RUM) est déjà utilisée.")]
    try:
        mandate.full_clean(exclude=["organization", "debtor", "creditor"], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    mandate.save()
    audit.record(mandate, AuditAction.CREATE, actor=actor)
    for case in debtor.cases.filter(creditor=creditor).exclude(status="closed"):
        text = f"Mandat SEPA {mandate.reference} enregistré ({mandate.masked_iban})."
        add_event(case, InteractionKind.SYSTEM, text, author=actor)
    return mandate


@transaction.atomic
def revoke_mandate(mandate: Mandate, *, on: date | None = None, actor: Any = None) -> bool:
    """Revoke an active mandate, once: the debits not yet in a file are dropped (they were
    never sent to the bank). False when it was revoked already."""
    on = on or timezone.localdate()
    before = audit.snapshot(mandate)
    moved = Mandate.objects.filter(pk=mandate.pk, status=MandateStatus.ACTIVE).update(
        status=MandateStatus.REVOKED, revoked_on=on, updated_at=timezone.now()
    )
    if not moved:
        return False
    mandate.status, mandate.revoked_on = MandateStatus.REVOKED, on
    audit.record(mandate, AuditAction.UPDATE, actor=actor, before=before)
    dropped = DirectDebit.objects.filter(mandate=mandate, status__in=WAITING)
    for debit in dropped.select_related("instalment__plan__case"):
        audit.record(debit, AuditAction.DELETE, actor=actor)
    dropped.delete()
    for case in mandate.debtor.cases.filter(creditor=mandate.creditor).exclude(status="closed"):
        text = f"Mandat SEPA {mandate.reference} révoqué le {on:%d/%m/%Y}."
        add_event(case, InteractionKind.SYSTEM, text, author=actor)
    return True


def usable_mandate(
    organization_id: int, debtor_id: int, creditor_id: int, on: date
) -> Mandate | None:
    """The most recent active, unexpired mandate of this debtor for this creditor."""
    mandates = Mandate.objects.filter(
        organization_id=organization_id,
        debtor_id=debtor_id,
        creditor_id=creditor_id,
        status=MandateStatus.ACTIVE,
    ).order_by("-signed_on", "-pk")
    return next((m for m in mandates if not m.is_expired(on)), None)


def direct_debit_plans(organization_id: int) -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.filter(
        organization_id=organization_id, status=PlanStatus.ACTIVE, direct_debit=True
    ).select_related("case__debtor", "case__creditor")


def plans_without_mandate(organization_id: int, on: date) -> list[PaymentPlan]:
    """The active direct-debit plans whose debtor has no usable mandate (a warning)."""
    return [
        plan
        for plan in direct_debit_plans(organization_id)
        if usable_mandate(organization_id, plan.case.debtor_id, plan.case.creditor_id, on) is None
    ]


# ---------------------------------------------------------------- scheduling


@dataclass
class Scheduled:
    created: list[DirectDebit] = field(default_factory=list)
    missing_mandate: list[PaymentPlan] = field(default_factory=list)


def end_to_end_id(organization_id: int, instalment: PlanInstalment) -> str:
    """RCV<org>-<instalment>-<attempt>: unique, at most 35 characters, SEPA's character set."""
    attempt = DirectDebit.objects.filter(instalment=instalment).count() + 1
    return f"{MANDATE_PREFIX}{organization_id}-{instalment.pk}-{attempt}"[:35]


def schedule_debits(
    organization_id: int, today: date, *, days: int = SCHEDULE_DAYS, actor: Any = None
) -> Scheduled:
    """A debit for each instalment of the active direct-debit plans due within `days`
    (still owing, with no debit on the way; one overdue by more than `days` is left to the
    agent). Its date is the instalment's, or the first day the pre-notice allows. A plan
    whose debtor has no usable mandate gets none: it is listed (mandat manquant)."""
    result = Scheduled()
    horizon = today + timedelta(days=days)
    for plan in direct_debit_plans(organization_id):
        case = plan.case
        mandate = usable_mandate(organization_id, case.debtor_id, case.creditor_id, today)
        instalments = plan.instalments.filter(
            status__in=(InstalmentStatus.DUE, InstalmentStatus.PARTIAL, InstalmentStatus.UNPAID),
            due_on__lte=horizon,
            due_on__gte=today - timedelta(days=days),
        ).exclude(
            pk__in=DirectDebit.objects.exclude(status=DebitStatus.RETURNED).values("instalment")
        )
        todo = [i for i in instalments if i.left_cents > 0]
        if not todo:
            continue
        if mandate is None:
            result.missing_mandate.append(plan)
            continue
        for instalment in todo:
            debit = _schedule_one(organization_id, instalment, mandate, today, actor)
            if debit is not None:
                result.created.append(debit)
    return result


def _schedule_one(
    organization_id: int, instalment: PlanInstalment, mandate: Mandate, today: date, actor: Any
) -> DirectDebit | None:
    earliest = today + timedelta(days=mandate.prenotice_days)
    debit = DirectDebit(
        organization_id=organization_id,
        instalment=instalment,
        mandate=mandate,
        amount_cents=instalment.left_cents,
        collection_on=max(instalment.due_on, earliest),
        end_to_end_id=end_to_end_id(organization_id, instalment),
    )
    try:
        with transaction.atomic():
            debit.save()
            audit.record(debit, AuditAction.CREATE, actor=actor)
    except IntegrityError:  # another run scheduled it meanwhile (one live debit each)
        return None
    return debit


# ---------------------------------------------------------------- pre-notification


def prenotice_text(debit: DirectDebit, organization: Organization) -> str:
    mandate = debit.mandate
    amount = format_amount(debit.amount_cents)
    return (
        f"Bonjour,\n\n"
        f"Conformément à votre échéancier, nous prélèverons {amount} sur votre compte "
        f"{mandate.masked_iban} le {debit.collection_on:%d/%m/%Y} "
        f"(échéance n° {debit.instalment.number} du dossier {debit.case.reference}).\n\n"
        f"Référence unique du mandat (RUM) : {mandate.reference}\n"
        f"Identifiant créancier SEPA (ICS) : {organization.sepa_creditor_id}\n"
        f"Créancier : {organization.name}\n\n"
        f"Pour toute question, répondez à ce message avant cette date.\n"
    )


def prenotify(organization_id: int, today: date, *, actor: Any = None) -> int:
    """Pre-notify each scheduled debit: by e-mail when the debtor has an address (through
    the outbox, once per debit), else marked on the timeline for a letter. A debit whose
    date is now closer than its mandate's notice moves to the first date allowed. Returns
    how many were pre-notified."""
    organization = Organization.objects.get(pk=organization_id)
    debits = DirectDebit.objects.filter(
        organization_id=organization_id, status=DebitStatus.SCHEDULED
    ).select_related("mandate", "instalment__plan__case__debtor")
    done = 0
    for debit in debits:
        with transaction.atomic():
            earliest = today + timedelta(days=debit.mandate.prenotice_days)
            changes: dict[str, Any] = {
                "status": DebitStatus.PRENOTIFIED,
                "prenotified_on": today,
                "updated_at": timezone.now(),
            }
            if debit.collection_on < earliest:
                changes["collection_on"] = earliest
            moved = DirectDebit.objects.filter(pk=debit.pk, status=DebitStatus.SCHEDULED).update(
                **changes
            )
            if not moved:
                continue
            before = audit.snapshot(debit)
            for name, value in changes.items():
                setattr(debit, name, value)
            audit.record(debit, AuditAction.UPDATE, actor=actor, before=before)
            _send_prenotice(debit, organization, actor)
            done += 1
    return done


def _send_prenotice(debit: DirectDebit, organization: Organization, actor: Any) -> None:
    case = debit.case
    email = case.debtor.email
    amount = format_amount(debit.amount_cents)
    what = (
        f"Pré-notification du prélèvement SEPA de {amount} le {debit.collection_on:%d/%m/%Y} "
        f"(RUM {debit.mandate.reference})"
    )
    if email:
        queue_message(
            case,
            channel="email",
            recipient=email,
            key=f"sepa-prenotice-{debit.pk}",
            subject=f"Prélèvement SEPA du {debit.collection_on:%d/%m/%Y} : {amount}",
            text=prenotice_text(debit, organization),
            actor=actor,
        )
        add_event(case, InteractionKind.PLAN, f"{what} envoyée par e-mail à {email}.", author=actor)
    else:
        text = f"{what} à envoyer par courrier : le débiteur n'a pas d'adresse e-mail."
        add_event(case, InteractionKind.PLAN, text, author=actor)


# ---------------------------------------------------------------- the pain.008 file


def creditor_identity_errors(organization: Organization) -> dict[str, str]:
    """What the organisation lacks to send direct debits (its ICS and bank account)."""
    errors = {}
    if not organization.sepa_creditor_id:
        errors["sepa_creditor_id"] = _(
            "Identifiant créancier SEPA (ICS) manquant : renseignez-le dans les paramètres de "
            "l'organisation."
        )
    if not organization.bank_iban:
        errors["bank_iban"] = _("IBAN du compte d'encaissement manquant.")
    if not organization.bank_bic:
        errors["bank_bic"] = _("BIC du compte d'encaissement manquant.")
    return errors


@transaction.atomic
def set_creditor_identity(
    organization: Organization, *, sepa_creditor_id: str, bank_iban: str, bank_bic: str, actor: Any
) -> Organization:
    """The organisation's ICS and collection account, validated, audited."""
    before = audit.snapshot(organization)
    organization.sepa_creditor_id = compact("sepa_creditor_id", sepa_creditor_id).upper()
    organization.bank_iban = compact("iban", bank_iban).upper()
    organization.bank_bic = (bank_bic or "").replace(" ", "").upper()
    organization.full_clean(
        exclude=[f.name for f in Organization._meta.fields if f.name not in IDENTITY_FIELDS]
    )
    organization.save(update_fields=list(IDENTITY_FIELDS))
    audit.record(organization, AuditAction.UPDATE, actor=actor, before=before)
    return organization


IDENTITY_FIELDS = ("sepa_creditor_id", "bank_iban", "bank_bic")


def _lock(queryset: QuerySet) -> QuerySet:
    return queryset.select_for_update() if connection.features.has_select_for_update else queryset


def stale_reason(debit: DirectDebit) -> str:
    """Why a debit waiting for its file must not leave any more ("" when it may): its plan
    ended or is no longer paid by direct debit, or its instalment was paid otherwise."""
    plan, instalment = debit.instalment.plan, debit.instalment
    if plan.status != PlanStatus.ACTIVE:
        return f"échéancier {plan.get_status_display().lower()}"
    if not plan.direct_debit:
        return "échéancier qui n'est plus réglé par prélèvement"
    if instalment.status in (InstalmentStatus.PAID, InstalmentStatus.RETURNED):
        return f"échéance {instalment.get_status_display().lower()}"
    if instalment.left_cents < debit.amount_cents:
        return "échéance réglée en partie par un autre moyen"
    return ""


@transaction.atomic
def drop_stale_debits(organization_id: int, *, actor: Any = None) -> int:
    """Drop the debits waiting for their file that must not leave any more (stale_reason),
    each said on its case's timeline. Returns how many."""
    waiting = DirectDebit.objects.filter(
        organization_id=organization_id, status__in=WAITING, collection__isnull=True
    ).select_related("instalment__plan__case", "mandate")
    dropped = 0
    for debit in waiting:
        reason = stale_reason(debit)
        if not reason:
            continue
        audit.record(debit, AuditAction.DELETE, actor=actor)
        text = (
            f"Prélèvement de {format_amount(debit.amount_cents)} du "
            f"{debit.collection_on:%d/%m/%Y} annulé avant l'envoi : {reason}."
        )
        add_event(debit.case, InteractionKind.PLAN, text, author=actor)
        debit.delete()
        dropped += 1
    return dropped


def build_collection(organization_id: int, collection_on: date, *, actor: Any = None) -> Collection:
    """The file of `collection_on`, once the debits that must not leave are dropped."""
    drop_stale_debits(organization_id, actor=actor)
    return _build_collection(organization_id, collection_on, actor=actor)


@transaction.atomic
def _build_collection(organization_id: int, collection_on: date, *, actor: Any) -> Collection:
    """The pain.008.001.02 of the pre-notified debits of `collection_on`: one PmtInf per
    sequence type (FRST, RCUR), the creditor the organisation (its ICS and account),
    validated against the XSD before it is stored; the debits are then in the file and
    their mandates' next debit is RCUR. ValidationError (French) when the organisation
    lacks its identity, a file exists for that date, or nothing is to be debited."""
    organization = Organization.objects.get(pk=organization_id)
    errors = creditor_identity_errors(organization)
    if errors:
        raise ValidationError(errors)
    if Collection.objects.filter(
        organization_id=organization_id, collection_on=collection_on
    ).exists():
        raise ValidationError({"collection_on": _("Le fichier de cette date a déjà été généré.")})
    debits = list(
        _lock(
            DirectDebit.objects.filter(
                organization_id=organization_id,
                status=DebitStatus.PRENOTIFIED,
                collection_on=collection_on,
                collection__isnull=True,
            )
        )
        .select_related("mandate", "instalment__plan__case")
        .order_by("pk")
    )
    debits = [d for d in debits if d.mandate.is_usable(collection_on)]
    if not debits:
        raise ValidationError({"collection_on": _("Aucun prélèvement pré-notifié à cette date.")})
    for debit in debits:
        debit.sequence = debit.mandate.next_sequence
    data, message_id = pain008(organization, debits, collection_on)
    total = sum(d.amount_cents for d in debits)
    collection = Collection(
        organization_id=organization_id,
        collection_on=collection_on,
        message_id=message_id[:35],
        count=len(debits),
        total_cents=total,
    )
    collection.file.save(f"pain008-{collection_on:%Y%m%d}.xml", ContentFile(data), save=False)
    collection.save()
    audit.record(collection, AuditAction.CREATE, actor=actor)
    now = timezone.now()
    for debit in debits:
        DirectDebit.objects.filter(pk=debit.pk).update(
            status=DebitStatus.IN_FILE,
            sequence=debit.sequence,
            collection=collection,
            updated_at=now,
        )
    audit.record_updated(
        DirectDebit,
        (
            (d.pk, str(d), organization_id, {"status": d.status, "collection_id": None})
            + ({"status": DebitStatus.IN_FILE, "collection_id": collection.pk},)
            for d in debits
        ),
        actor_id=_actor_id(actor),
    )
    mandates = {d.mandate_id: d.mandate for d in debits}
    Mandate.objects.filter(pk__in=mandates).update(
        next_sequence=Sequence.RECURRING, last_used_on=collection_on, updated_at=now
    )
    audit.record_updated(
        Mandate,
        (
            (m.pk, str(m), organization_id)
            + ({"next_sequence": m.next_sequence, "last_used_on": m.last_used_on},)
            + ({"next_sequence": Sequence.RECURRING, "last_used_on": collection_on},)
            for m in mandates.values()
        ),
        actor_id=_actor_id(actor),
    )
    return collection


def _actor_id(actor: Any) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def pain008(
    organization: Organization, debits: Iterable[DirectDebit], collection_on: date
) -> tuple[bytes, str]:
    """The pain.008.001.02 XML of `debits` (their `sequence` set), checked against the
    schema sepaxml ships; (bytes, message id)."""
    from sepaxml import SepaDD
    from sepaxml.validation import ValidationError as SchemaError

    config = {
        "name": organization.name,
        "IBAN": organization.bank_iban,
        "BIC": organization.bank_bic,
        "batch": True,
        "creditor_id": organization.sepa_creditor_id,
        "currency": "EUR",
    }
    document = SepaDD(config, schema=SEPA_SCHEMA, clean=True)
    for debit in debits:
        mandate = debit.mandate
        payment = {
            "name": mandate.account_holder,
            "IBAN": mandate.iban,
            "amount": int(debit.amount_cents),
            "type": debit.sequence,
            "collection_date": collection_on,
            "mandate_id": mandate.reference,
            "mandate_date": mandate.signed_on,
            "description": (f"Echeance {debit.instalment.number} dossier {debit.case.reference}"),
            "endtoend_id": debit.end_to_end_id,
        }
        if mandate.bic:
            payment["BIC"] = mandate.bic
        document.add_payment(payment)
    try:
        data = document.export(validate=True)
    except SchemaError as exc:
        raise ValidationError(
            _("Le fichier pain.008 ne respecte pas son schéma XSD : %(error)s")
            % {"error": exc.__cause__ or exc}
        ) from exc
    return data, document.msg_id


# ---------------------------------------------------------------- settlement


@transaction.atomic
def settle_collection(collection: Collection, on: date | None = None, *, actor: Any = None) -> int:
    """The bank collected the file: each of its debits not returned becomes a payment
    (record_payment, by direct debit, its end-to-end id as reference), received on the
    collection date. Once: returns how many payments, 0 the second time."""
    on = on or collection.collection_on
    moved = Collection.objects.filter(pk=collection.pk, status=CollectionStatus.BUILT).update(
        status=CollectionStatus.SENT, settled_on=on, updated_at=timezone.now()
    )
    if not moved:
        return 0
    before = audit.snapshot(collection)
    collection.status, collection.settled_on = CollectionStatus.SENT, on
    audit.record(collection, AuditAction.UPDATE, actor=actor, before=before)
    debits = collection.debits.filter(status=DebitStatus.IN_FILE).select_related(
        "mandate", "instalment__plan__case"
    )
    return sum(settle_debit(debit, collection.collection_on, actor=actor) for debit in debits)


@transaction.atomic
def settle_debit(debit: DirectDebit, on: date, *, actor: Any = None) -> bool:
    """One debit of a file collected: its payment (record_payment, by direct debit, its
    end-to-end id as reference), received on `on`. Once: False when it was not in a file
    waiting any more."""
    case = debit.case
    moved = DirectDebit.objects.filter(pk=debit.pk, status=DebitStatus.IN_FILE).update(
        status=DebitStatus.COLLECTED, updated_at=timezone.now()
    )
    if not moved:
        return False
    payment = record_payment(
        debit.organization_id,
        creditor_id=case.creditor_id,
        debtor_id=case.debtor_id,
        amount_cents=debit.amount_cents,
        received_on=on,
        method=PaymentMethod.DIRECT_DEBIT,
        reference=debit.end_to_end_id,
        label=f"Prélèvement SEPA {debit.mandate.reference}",
        actor=actor,
    )
    DirectDebit.objects.filter(pk=debit.pk).update(payment=payment)
    audit.record_updated(
        DirectDebit,
        [
            (debit.pk, str(debit), debit.organization_id)
            + ({"status": debit.status, "payment_id": None},)
            + ({"status": DebitStatus.COLLECTED, "payment_id": payment.pk},)
        ],
        actor_id=_actor_id(actor),
    )
    debit.status, debit.payment = DebitStatus.COLLECTED, payment
    return True


def credits_from_import(sender: Any, batch: Any, **_: Any) -> None:
    """imports.services.statement_imported's receiver: the credits of a bank statement that
    carry the end-to-end id of one of our debits are its collection. The debit is settled
    (if its file was not marked collected yet), and the line is kept away from the
    lettrage, which ran first: a match it made of it is undone, a proposal rejected, the
    line set aside with a note. The money is then counted once."""
    from recouvra.imports.models import BankLine, BankLineStatus
    from recouvra.lettrage.models import MatchProposal, ProposalStatus
    from recouvra.lettrage.reconcile import reject_proposal, reverse_match

    lines = batch.bank_lines.filter(amount_cents__gt=0).exclude(end_to_end_id="")
    ids = list(lines.values_list("end_to_end_id", flat=True)[:10_000])
    ours = {
        debit.end_to_end_id: debit
        for debit in DirectDebit.objects.filter(
            organization_id=batch.organization_id,
            end_to_end_id__in=ids,
            status__in=(DebitStatus.IN_FILE, DebitStatus.COLLECTED),
        ).select_related("mandate", "collection", "instalment__plan__case")
    }
    actor = batch.uploaded_by
    for line in lines.filter(end_to_end_id__in=list(ours)):
        debit = ours[line.end_to_end_id]
        with transaction.atomic():
            proposals = MatchProposal.objects.filter(bank_line=line)
            for proposal in proposals.filter(status=ProposalStatus.APPLIED):
                reverse_match(proposal, actor=actor, detail="encaissé par prélèvement SEPA")
            for proposal in proposals.filter(status=ProposalStatus.PENDING):
                reject_proposal(proposal, actor=actor)
            note = f"Prélèvement SEPA {debit.end_to_end_id} de la remise du "
            note += f"{debit.collection_on:%d/%m/%Y} : compté par les prélèvements."
            BankLine.objects.filter(pk=line.pk).update(
                status=BankLineStatus.IGNORED, unapplied_note=note[:200], updated_at=timezone.now()
            )
            settle_debit(debit, line.booking_date, actor=actor)
        _close_if_done(debit.collection, line.booking_date, actor)


def _close_if_done(collection: Collection | None, on: date, actor: Any) -> None:
    """A file whose debits are all collected or returned is collected."""
    if collection is None or collection.debits.filter(status=DebitStatus.IN_FILE).exists():
        return
    before = audit.snapshot(collection)
    moved = Collection.objects.filter(pk=collection.pk, status=CollectionStatus.BUILT).update(
        status=CollectionStatus.SENT, settled_on=on, updated_at=timezone.now()
    )
    if moved:
        collection.status, collection.settled_on = CollectionStatus.SENT, on
        audit.record(collection, AuditAction.UPDATE, actor=actor, before=before)


# ---------------------------------------------------------------- returns


@dataclass
class Returns:
    returned: list[DirectDebit] = field(default_factory=list)
    already: int = 0  # returns read before (the same file twice changes nothing)
    unmatched: list[StatementLine] = field(default_factory=list)


def return_lines(statement: BankStatement) -> list[StatementLine]:
    """The lines of a statement that may give back a direct debit: a reason code or a
    reversal, or a debit naming an end-to-end id or a mandate (a bank that says no more)."""
    return [
        line
        for account in statement.accounts
        for line in account.lines
        if _says_returned(line)
        or (line.amount_cents < 0 and (line.end_to_end_id or line.mandate_reference))
    ]


def _says_returned(line: StatementLine) -> bool:
    return bool(line.return_code or line.reversal)


def record_returns(organization_id: int, statement: BankStatement, *, actor: Any = None) -> Returns:
    """The R-transactions of a camt.053/054 or CFONB 120 file, matched to the debits by
    end-to-end id, else by RUM and amount (the latest debit collected on or before the
    line's date). Each debit found becomes returned with its code and French reason; its
    payment is reversed (reverse_payment, "rejet de prélèvement <code>"), its instalment
    marked returned, a call task given to the case's agent. Idempotent."""
    result = Returns()
    for line in return_lines(statement):
        debit = _debit_of(organization_id, line)
        if debit is None:
            if _says_returned(line):  # not every debit of a statement is a return
                result.unmatched.append(line)
        elif debit.status == DebitStatus.RETURNED:
            _complete_reason(debit, line, actor)
            result.already += 1
        elif return_debit(debit, line, actor=actor):
            result.returned.append(debit)
        else:
            result.already += 1
    return result


def _complete_reason(debit: DirectDebit, line: StatementLine, actor: Any) -> None:
    """A return first read from a statement without its reason (Imports), now read from a
    file that gives it: the code and reason are filled in, nothing else changes."""
    code = line.return_code.strip().upper()[:8]
    if debit.return_code or not code:
        return
    before = audit.snapshot(debit)
    debit.return_code = code
    debit.return_reason = reason_label(code, line.return_reason or line.label)
    debit.save(update_fields=["return_code", "return_reason", "updated_at"])
    audit.record(debit, AuditAction.UPDATE, actor=actor, before=before)


def returns_from_import(sender: Any, batch: Any, **_: Any) -> None:
    """imports.services.statement_imported's receiver: a bank statement imported in Imports
    whose debit lines give back our direct debits (their end-to-end id) returns them, as the
    returns page would (the reason code, which the stored lines do not keep, is filled in
    when the bank's return file is read on that page)."""
    lines = batch.bank_lines.filter(amount_cents__lt=0).exclude(end_to_end_id="")
    ids = list(lines.values_list("end_to_end_id", flat=True)[:10_000])
    ours = DirectDebit.objects.filter(
        organization_id=batch.organization_id, end_to_end_id__in=ids
    ).exclude(status=DebitStatus.RETURNED)
    if not ours.exists():
        return
    wanted = set(ours.values_list("end_to_end_id", flat=True))
    returned = [
        StatementLine(
            booking_date=line.booking_date,
            amount_cents=line.amount_cents,
            label=line.label,
            end_to_end_id=line.end_to_end_id,
            mandate_reference=line.mandate_reference,
            reversal=True,
        )
        for line in lines.filter(end_to_end_id__in=wanted)
    ]
    statement = BankStatement(format="import", accounts=[StatementAccount(lines=returned)])
    record_returns(batch.organization_id, statement, actor=batch.uploaded_by)


def _debit_of(organization_id: int, line: StatementLine) -> DirectDebit | None:
    debits = DirectDebit.objects.filter(organization_id=organization_id).select_related(
        "mandate", "payment", "instalment__plan__case"
    )
    wanted = line.end_to_end_id.split()
    if wanted:
        found = debits.filter(end_to_end_id__in=wanted).first()
        if found is not None:
            return found
    if line.mandate_reference:
        candidates = debits.filter(
            mandate__reference=line.mandate_reference.strip(),
            amount_cents=abs(line.amount_cents),
            collection_on__lte=line.booking_date,
            collection__isnull=False,
        ).order_by("-collection_on", "-pk")
        live = candidates.exclude(status=DebitStatus.RETURNED).first()
        return live or candidates.first()
    return None


@transaction.atomic
def return_debit(debit: DirectDebit, line: StatementLine, *, actor: Any = None) -> bool:
    """One returned debit and all that follows; False when it was returned already."""
    code = line.return_code.strip().upper()[:8]
    reason = reason_label(code, line.return_reason or line.label)
    on = line.booking_date
    moved = DirectDebit.objects.filter(
        pk=debit.pk, status__in=(DebitStatus.IN_FILE, DebitStatus.COLLECTED)
    ).update(
        status=DebitStatus.RETURNED,
        return_code=code,
        return_reason=reason,
        returned_on=on,
        updated_at=timezone.now(),
    )
    if not moved:
        return False
    before = audit.snapshot(debit)
    debit.status, debit.return_code, debit.return_reason, debit.returned_on = (
        DebitStatus.RETURNED,
        code,
        reason,
        on,
    )
    audit.record(debit, AuditAction.UPDATE, actor=actor, before=before)
    case = debit.case
    why = f"rejet de prélèvement {code}".strip()
    if debit.payment is not None:
        reverse_payment(debit.payment, reason=why, actor=actor)
        text = (
            f"Prélèvement SEPA de {format_amount(debit.amount_cents)} du "
            f"{debit.collection_on:%d/%m/%Y} rejeté le {on:%d/%m/%Y} ({reason}) : le paiement "
            f"{debit.end_to_end_id} ne compte plus."
        )
        add_event(case, InteractionKind.PAYMENT, text, author=actor)
    mark_instalment_returned(debit.instalment, reason=why, actor=actor)
    _after_return(debit, code, actor)
    create_task(
        case,
        kind=TaskKind.CALL,
        title=f"Prélèvement rejeté ({reason})"[:200],
        due_on=timezone.localdate(),
        assigned_to=case.assigned_to,
        actor=actor,
    )
    return True


def _after_return(debit: DirectDebit, code: str, actor: Any) -> None:
    """A first debit given back leaves the next one first (FRST) again; a reason that says
    the mandate cannot be used (closed account, no mandate, deceased) revokes it."""
    mandate = debit.mandate
    if debit.sequence == Sequence.FIRST:
        others = mandate.debits.filter(status=DebitStatus.COLLECTED).exclude(pk=debit.pk)
        if not others.exists():
            Mandate.objects.filter(pk=mandate.pk).update(
                next_sequence=Sequence.FIRST, updated_at=timezone.now()
            )
    if code in MANDATE_ENDING:
        revoke_mandate(mandate, on=debit.returned_on, actor=actor)


# ---------------------------------------------------------------- the daily steps


def run_daily(organization_id: int, today: date) -> dict[str, int]:
    """The daily steps of an organisation that sends direct debits: schedule, pre-notify."""
    drop_stale_debits(organization_id)
    scheduled = schedule_debits(organization_id, today)
    notified = prenotify(organization_id, today)
    return {
        "scheduled": len(scheduled.created),
        "missing_mandate": len(scheduled.missing_mandate),
        "prenotified": notified,
    }


def upcoming(organization_id: int) -> QuerySet[DirectDebit]:
    """The debits waiting for their file, by date."""
    return (
        DirectDebit.objects.filter(organization_id=organization_id, status__in=WAITING)
        .filter(Q(collection__isnull=True))
        .select_related("mandate", "instalment__plan__case__debtor")
        .order_by("collection_on", "pk")
    )
