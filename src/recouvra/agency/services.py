"""The agency's books, one home for each write: mandates, collections entered in the trust
account (from the ledger's signals), the mandant told of each payment (CPCE R124-5),
adjustments, and the monthly remittance run (R124-6) with its statements, commission
invoices and SEPA transfer file.

How the figures are made (the statement says so too):
- the commission is computed on each sum collected at its mandate's rate and rounded to
  the nearest cent, half a cent up (a reversal gives back the commission of its sum,
  rounded the same way): the statement lists each sum's commission and its total is their
  sum, to the cent;
- the fixed fee per case is charged once per case handed over (opened) since the last
  remittance of the mandant;
- the VAT is computed once on the commission of the remittance (rate part + fees), half
  up, as on the invoice;
- the agency keeps its commission and the VAT from the funds: the net remitted is
  collected − reversals + adjustments − commission − VAT. A mandant whose net would be
  nothing or less is not remitted this time: its entries wait for the next run.
Every remittance run is serialised per organisation (a row lock) and settles only the
entries not remitted yet: running it twice for a period does nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from recouvra.cases.models import Case as File
from recouvra.cases.models import PaymentPlan, PlanStatus
from recouvra.core import audit
from recouvra.core.bulk import batches
from recouvra.core.models import AuditAction, Organization
from recouvra.dunning.outbox import queue_message
from recouvra.law.money import format_amount
from recouvra.ledger.models import Allocation, Creditor, Payment
from recouvra.letters.content import commission_invoice_data, remittance_statement_data
from recouvra.letters.typeset import letter_pdf

from .models import (
    BASIS_POINTS,
    PENDING_KINDS,
    BookCounter,
    CommissionInvoice,
    EntryKind,
    Mandate,
    Notice,
    Remittance,
    RemittanceStatus,
    TransferBatch,
    TrustEntry,
    percent,
)

STATEMENT_SERIES, INVOICE_SERIES, RUN_SERIES = "RV", "F", "RUN"


class BooksError(Exception):
    """A write the books refuse, with its reason in French."""


def is_agency(organization_id: int) -> bool:
    return Organization.objects.filter(pk=organization_id, kind="agency").exists()


def half_up(cents: int, basis_points: int) -> int:
    """`cents` × `basis_points` / 10 000, rounded to the nearest cent, half a cent away
    from zero (a reversal mirrors its collection)."""
    sign = -1 if cents < 0 else 1
    return sign * ((abs(cents) * basis_points + BASIS_POINTS // 2) // BASIS_POINTS)


# ---------------------------------------------------------------- mandates


def mandate_on(creditor_id: int, day: date) -> Mandate | None:
    """The creditor's mandate in force on `day`."""
    return (
        Mandate.objects.filter(creditor_id=creditor_id, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on")
        .first()
    )


@transaction.atomic
def save_mandate(mandate: Mandate, *, actor: Any = None, before: dict | None = None) -> Mandate:
    """Create or change a mandate, checked (one mandate in force per mandant at a date),
    audited. The creditor's row is locked so that two mandates saved at once for the same
    mandant cannot both pass the overlap check."""
    if mandate.creditor_id is not None:
        list(Creditor.objects.select_for_update().filter(pk=mandate.creditor_id).values("pk"))
        creditor = mandate.creditor
        if creditor.organization_id != mandate.organization_id:
            raise ValidationError(
                {"creditor": _("Ce créancier appartient à une autre organisation.")}
            )
    mandate.full_clean()
    created = mandate.pk is None
    mandate.save()
    if created and not mandate.creditor.is_mandant:
        Creditor.objects.filter(pk=mandate.creditor_id).update(is_mandant=True)
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    audit.record(mandate, action, actor=actor, before=before)
    return mandate


# ---------------------------------------------------------------- collections


def on_payments_applied(
    sender: Any, organization_id: int, payment_ids: Sequence[int] = (), **_: Any
) -> None:
    """ledger.services.payments_applied: the payments reach the books by themselves."""
    if payment_ids:
        enter_collections(organization_id, payment_ids)


def on_payments_reversed(
    sender: Any, organization_id: int, payment_ids: Sequence[int] = (), **_: Any
) -> None:
    if payment_ids:
        enter_reversals(organization_id, payment_ids)


@dataclass(frozen=True)
class _Collected:
    payment_id: int
    creditor_id: int
    debtor_id: int
    amount_cents: int
    received_on: date


def enter_collections(
    organization_id: int, payment_ids: Sequence[int], *, told: str | None = None
) -> list[TrustEntry]:
    """One `collected` entry per payment of a creditor under a mandate on the day it was
    received (a payment already entered is left alone), and the mandant told (R124-5);
    `told`: how the mandant was told already (the demo's past payments), nothing sent.
    Returns the entries made."""
    if not _keeps_books(organization_id):
        return []
    made: list[TrustEntry] = []
    for chunk in batches(payment_ids):  # a lettrage run records thousands at once
        made += _enter_collections(organization_id, chunk, told)
    return made


def _keeps_books(organization_id: int) -> bool:
    """An agency with a mandate: others have nothing to enter (one query, then none)."""
    return (
        is_agency(organization_id)
        and Mandate.objects.filter(organization_id=organization_id).exists()
    )


def _enter_collections(
    organization_id: int, payment_ids: Sequence[int], told: str | None
) -> list[TrustEntry]:
    entered = set(
        TrustEntry.objects.filter(payment_id__in=payment_ids, kind=EntryKind.COLLECTED).values_list(
            "payment_id", flat=True
        )
    )
    payments = [
        _Collected(*row)
        for row in Payment.objects.filter(
            organization_id=organization_id, pk__in=payment_ids, reversed_at__isnull=True
        )
        .exclude(pk__in=entered)
        .values_list("pk", "creditor_id", "debtor_id", "amount_cents", "received_on")
    ]
    if not payments:
        return []
    mandates = _mandates_of(organization_id, {p.creditor_id for p in payments})
    entries = []
    for payment in payments:
        mandate = _in_force(mandates.get(payment.creditor_id, ()), payment.received_on)
        if mandate is None:
            continue
        entries.append(
            TrustEntry(
                organization_id=organization_id,
                creditor_id=payment.creditor_id,
                mandate=mandate,
                kind=EntryKind.COLLECTED,
                amount_cents=payment.amount_cents,
                on=payment.received_on,
                payment_id=payment.payment_id,
                notice=Notice.NONE,
            )
        )
    if not entries:
        return []
    if told is None:
        _tell_mandants(organization_id, entries)
    else:
        for entry in entries:
            entry.notice = told
    TrustEntry.objects.bulk_create(entries)
    return entries


def _mandates_of(organization_id: int, creditor_ids: Iterable[int]) -> dict[int, list[Mandate]]:
    found: dict[int, list[Mandate]] = defaultdict(list)
    mandates = Mandate.objects.filter(organization_id=organization_id, creditor_id__in=creditor_ids)
    for mandate in mandates.select_related("creditor").order_by("-starts_on"):
        found[mandate.creditor_id].append(mandate)
    return found


def _in_force(mandates: Iterable[Mandate], day: date) -> Mandate | None:
    for mandate in mandates:
        if mandate.starts_on <= day and (mandate.ends_on is None or mandate.ends_on >= day):
            return mandate
    return None


def _tell_mandants(organization_id: int, entries: list[TrustEntry]) -> None:
    """CPCE R124-5: the mandant is told of every payment obtained, even partial, unless it
    is an instalment of a payment plan it already knows (an active plan agreed on the case
    on or before the payment: the agency told the mandant of the plan when it was agreed).
    By e-mail when the creditor has an address and the payment a case to file the message
    on; otherwise by a notice in the mandant's space (the collections page)."""
    payment_ids = [entry.payment_id for entry in entries]
    cases: dict[int, int] = {}
    for payment_id, case_id in (
        Allocation.objects.filter(payment_id__in=payment_ids, claim__case__isnull=False)
        .order_by("pk")
        .values_list("payment_id", "claim__case_id")
    ):
        cases.setdefault(payment_id, case_id)
    planned = _under_plan(cases, {e.payment_id: e.on for e in entries})
    files = File.objects.select_related("creditor", "debtor").in_bulk(set(cases.values()))
    payments = Payment.objects.select_related("debtor").in_bulk(payment_ids)
    for entry in entries:
        case = files.get(cases.get(entry.payment_id, 0))
        if entry.payment_id in planned:
            entry.notice = Notice.PLAN
        elif case is not None and case.creditor.email:
            _email_mandant(case, payments[entry.payment_id])
            entry.notice = Notice.EMAIL
        else:
            entry.notice = Notice.PORTAL


def _under_plan(cases: dict[int, int], days: dict[int, date]) -> set[int]:
    """The payments that are instalments of a plan the mandant knows (R124-5 spares them):
    a plan agreed by the payment's day, active, or completed that day or later (the payment
    that pays a plan off completes it before it reaches the books: plans follow payments
    first)."""
    plans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    known = (PlanStatus.ACTIVE, PlanStatus.COMPLETED)
    rows = PaymentPlan.objects.filter(case_id__in=set(cases.values()), status__in=known)
    for case_id, agreed_on, starts_on, status, updated_at in rows.values_list(
        "case_id", "agreed_on", "starts_on", "status", "updated_at"
    ):
        ended = timezone.localdate(updated_at) if status == PlanStatus.COMPLETED else None
        plans[case_id].append((agreed_on or starts_on, ended))
    return {
        payment_id
        for payment_id, case_id in cases.items()
        if any(
            agreed <= days[payment_id] and (ended is None or ended >= days[payment_id])
            for agreed, ended in plans.get(case_id, ())
        )
    }


def _email_mandant(case: File, payment: Payment) -> None:
    amount = format_amount(payment.amount_cents, payment.currency)
    subject = _("Paiement reçu de %(debtor)s : %(amount)s") % {
        "debtor": payment.debtor.name,
        "amount": amount,
    }
    text = _(
        "Bonjour,\n\nNous avons encaissé pour votre compte %(amount)s de %(debtor)s le "
        "%(day)s (dossier %(case)s). Cette somme vous sera reversée avec notre prochain "
        "relevé, dans le mois de son encaissement.\n\n(Information prévue par l'article "
        "R124-5 du code des procédures civiles d'exécution.)"
    ) % {
        "amount": amount,
        "debtor": payment.debtor.name,
        "day": f"{payment.received_on:%d/%m/%Y}",
        "case": case.reference,
    }
    queue_message(
        case,
        channel="email",
        recipient=case.creditor.email,
        key=f"r124-5-{payment.pk}",
        subject=subject,
        text=text,
    )


def on_payment_proposed(sender: Any, case: Any, proposal: Any, **kwargs: Any) -> None:
    """cases' payment_proposed: a debtor's promise or plan on a mandant's case is told to
    the mandant by e-mail (CPCE R124-5: any proposal to pay other than at once), when the
    mandate is in force and the mandant has an e-mail; its space shows the case anyway."""
    if not _keeps_books(case.organization_id) or not case.creditor.email:
        return
    if mandate_on(case.creditor_id, timezone.localdate()) is None:
        return
    if isinstance(proposal, PaymentPlan):
        count = proposal.instalments.filter(number__gt=0).count()
        what = _("un échéancier de %(total)s en %(count)s échéances à partir du %(day)s") % {
            "total": format_amount(proposal.total_cents),
            "count": count,
            "day": f"{proposal.starts_on:%d/%m/%Y}",
        }
        key = f"r124-5-plan-{proposal.pk}"
    else:
        what = _("de payer %(amount)s au plus tard le %(day)s") % {
            "amount": format_amount(proposal.amount_cents),
            "day": f"{proposal.promised_on:%d/%m/%Y}",
        }
        key = f"r124-5-promise-{proposal.pk}"
    subject = _("Proposition de paiement de %(debtor)s") % {"debtor": case.debtor.name}
    text = _(
        "Bonjour,\n\n%(debtor)s propose, pour le dossier %(case)s, %(what)s.\n\n"
        "(Information prévue par l'article R124-5 du code des procédures civiles "
        "d'exécution.)"
    ) % {"debtor": case.debtor.name, "case": case.reference, "what": what}
    queue_message(
        case, channel="email", recipient=case.creditor.email, key=key, subject=subject, text=text
    )


def enter_reversals(organization_id: int, payment_ids: Sequence[int]) -> list[TrustEntry]:
    """A `reversal` entry for each collected payment now reversed (once), dated today."""
    if not _keeps_books(organization_id):
        return []
    made: list[TrustEntry] = []
    for chunk in batches(payment_ids):
        made += _enter_reversals(organization_id, chunk)
    return made


def _enter_reversals(organization_id: int, payment_ids: Sequence[int]) -> list[TrustEntry]:
    collected = TrustEntry.objects.filter(
        organization_id=organization_id, payment_id__in=payment_ids, kind=EntryKind.COLLECTED
    )
    done = set(
        TrustEntry.objects.filter(payment_id__in=payment_ids, kind=EntryKind.REVERSAL).values_list(
            "payment_id", flat=True
        )
    )
    today = timezone.localdate()
    entries = [
        TrustEntry(
            organization_id=organization_id,
            creditor_id=entry.creditor_id,
            mandate_id=entry.mandate_id,
            kind=EntryKind.REVERSAL,
            amount_cents=-entry.amount_cents,
            on=max(today, entry.on),
            payment_id=entry.payment_id,
            text=_("Paiement annulé"),
        )
        for entry in collected
        if entry.payment_id not in done
    ]
    TrustEntry.objects.bulk_create(entries)
    return entries


@transaction.atomic
def adjust(
    creditor: Creditor, *, amount_cents: int, on: date, text: str, actor: Any = None
) -> TrustEntry:
    """A correction of the trust account (signed), with its reason, under the mandate in
    force on `on`; settled by the next remittance."""
    if not amount_cents:
        raise ValidationError({"amount_cents": _("Une régularisation n'est pas nulle.")})
    if not text.strip():
        raise ValidationError({"text": _("Dites pourquoi.")})
    mandate = mandate_on(creditor.pk, on)
    if mandate is None:
        raise ValidationError(
            {"on": _("Aucun mandat de ce mandant n'est en vigueur à cette date.")}
        )
    entry = TrustEntry(
        organization_id=creditor.organization_id,
        creditor=creditor,
        mandate=mandate,
        kind=EntryKind.ADJUSTMENT,
        amount_cents=amount_cents,
        on=on,
        text=text.strip()[:200],
    )
    entry.full_clean()
    entry.save()
    audit.record(entry, AuditAction.CREATE, actor=actor)
    return entry


# ---------------------------------------------------------------- balances


@dataclass
class Balance:
    """A mandant's trust account (or the total): each figure positive, as shown."""

    creditor_id: int | None = None
    name: str = ""
    collected: int = 0
    reversed: int = 0
    adjusted: int = 0
    commission: int = 0
    vat: int = 0
    remitted: int = 0
    held: int = 0

    @property
    def reconciles(self) -> bool:
        """collected − reversals + adjustments = remitted + commission + VAT + held."""
        return self.collected - self.reversed + self.adjusted == (
            self.remitted + self.commission + self.vat + self.held
        )


def _sum_of(kind: str) -> Coalesce:
    return Coalesce(
        Sum("amount_cents", filter=Q(kind=kind)), Value(0), output_field=BigIntegerField()
    )


def balances(entries: QuerySet[TrustEntry]) -> tuple[list[Balance], Balance]:
    """Per mandant and in total, in one aggregate."""
    rows = (
        entries.values("creditor_id", "creditor__name")
        .annotate(
            collected=_sum_of(EntryKind.COLLECTED),
            reversed=_sum_of(EntryKind.REVERSAL),
            adjusted=_sum_of(EntryKind.ADJUSTMENT),
            commission=_sum_of(EntryKind.COMMISSION),
            vat=_sum_of(EntryKind.VAT),
            remitted=_sum_of(EntryKind.REMITTED),
            held=Coalesce(Sum("amount_cents"), Value(0), output_field=BigIntegerField()),
        )
        .order_by("creditor__name")
    )
    per = [
        Balance(
            creditor_id=row["creditor_id"],
            name=row["creditor__name"],
            collected=row["collected"],
            reversed=-row["reversed"],
            adjusted=row["adjusted"],
            commission=-row["commission"],
            vat=-row["vat"],
            remitted=-row["remitted"],
            held=row["held"],
        )
        for row in rows
    ]
    total = Balance(name=_("Total"))
    for each in per:
        for name in ("collected", "reversed", "adjusted", "commission", "vat", "remitted", "held"):
            setattr(total, name, getattr(total, name) + getattr(each, name))
    return per, total


# ---------------------------------------------------------------- due soon


DUE_SOON_DAYS = 7
SHORTEST_MONTH = 28


@dataclass(frozen=True)
class DueSum:
    entry: TrustEntry
    limit: date

    @property
    def late(self) -> bool:
        return self.limit < timezone.localdate()


def due_soon(entries: QuerySet[TrustEntry], today: date, limit: int = 500) -> list[DueSum]:
    """The collected sums not remitted yet whose remittance limit (a month, or the
    mandate's delay) falls within DUE_SOON_DAYS or is past, oldest first."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    shortest = (
        Mandate.objects.filter(pk__in=entries.values("mandate_id"))
        .aggregate(d=Min("remittance_days"))
        .get("d")
    )
    delay = min(shortest or SHORTEST_MONTH, SHORTEST_MONTH)
    candidates = (
        entries.filter(
            kind=EntryKind.COLLECTED,
            remittance__isnull=True,
            on__lte=horizon - timedelta(days=delay),
        )
        .select_related("mandate", "creditor", "payment__debtor")
        .order_by("on", "pk")
    )
    found = []
    for entry in candidates.iterator(chunk_size=1000):
        due = entry.mandate.remit_by(entry.on)
        if due <= horizon:
            found.append(DueSum(entry, due))
            if len(found) >= limit:
                break
    return found


# ---------------------------------------------------------------- remittance run


@dataclass
class RunResult:
    batch: TransferBatch | None = None
    remittances: list[Remittance] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def next_numbers(organization_id: int, series: str, year: int, count: int) -> list[str]:
    """`count` numbers of a series in a row, from its counter taken under a row lock (in
    the caller's transaction: a rollback gives them back, so no gap is ever left)."""
    if count <= 0:
        return []
    BookCounter.objects.get_or_create(organization_id=organization_id, series=series, year=year)
    counter = BookCounter.objects.select_for_update().get(
        organization_id=organization_id, series=series, year=year
    )
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{series}-{year}-{n:06d}" for n in range(first, counter.last + 1)]


def _lock_runs(organization_id: int) -> None:
    BookCounter.objects.get_or_create(organization_id=organization_id, series=RUN_SERIES, year=0)
    list(
        BookCounter.objects.select_for_update()
        .filter(organization_id=organization_id, series=RUN_SERIES, year=0)
        .values("pk")
    )


def _commission_expr() -> Case:
    """The commission of one entry, in SQL: half up on the sum's absolute value at its
    mandate's rate, with the sign of the sum; nothing on an adjustment."""
    rate = F("mandate__commission_rate")
    half = Value(BASIS_POINTS // 2)
    points = Value(BASIS_POINTS)
    up = ExpressionWrapper(
        (F("amount_cents") * rate + half) / points, output_field=BigIntegerField()
    )
    down = ExpressionWrapper(
        -((-F("amount_cents") * rate + half) / points), output_field=BigIntegerField()
    )
    return Case(
        When(kind=EntryKind.COLLECTED, then=up),
        When(kind=EntryKind.REVERSAL, then=down),
        default=Value(0),
        output_field=BigIntegerField(),
    )


def _pending(organization_id: int, period_end: date) -> QuerySet[TrustEntry]:
    return TrustEntry.objects.filter(
        organization_id=organization_id,
        remittance__isnull=True,
        kind__in=PENDING_KINDS,
        on__lte=period_end,
    )


def _sums(entries: QuerySet[TrustEntry], *group: str) -> list[dict[str, Any]]:
    return list(
        entries.values(*group)
        .annotate(
            n=Count("pk"),
            first=Min("on"),
            collected=_sum_of(EntryKind.COLLECTED),
            reversed=_sum_of(EntryKind.REVERSAL),
            adjusted=_sum_of(EntryKind.ADJUSTMENT),
            commission=Coalesce(Sum(_commission_expr()), Value(0), output_field=BigIntegerField()),
            last_id=Max("pk"),
        )
        .order_by(*group)
    )


@transaction.atomic
def run_remittances(
    organization_id: int, period_end: date, actor: Any = None, *, documents: bool = True
) -> RunResult:
    """The monthly run: every mandant's entries not remitted up to `period_end` → one
    remittance each (commission, VAT, the net remitted, their entries), its statement and
    commission invoice as PDF, and one pain.001.001.03 file paying them all from the trust
    account, checked against its XSD before it is stored. A mandant without a remittance
    IBAN is listed in the errors and skipped; the others go on. Set-based: two aggregates
    and one UPDATE per mandant, whatever the number of payments.

    `documents=False` (the benchmark) leaves the PDFs out."""
    org = Organization.objects.get(pk=organization_id)
    if not org.is_agency:
        raise BooksError(_("Seul un cabinet de recouvrement tient des comptes de mandants."))
    if not org.bank_iban:
        raise BooksError(
            _(
                "L'IBAN du compte d'encaissement (compte de tiers) de l'organisation manque : "
                "renseignez-le dans Paramètres avant de reverser."
            )
        )
    today = timezone.localdate()
    if period_end > today:
        raise BooksError(_("La période ne peut pas finir après aujourd'hui."))
    _lock_runs(organization_id)
    result = RunResult()
    pending = _pending(organization_id, period_end)
    groups = _sums(pending, "creditor_id", "mandate_id")
    if not groups:
        return result
    mandates = Mandate.objects.select_related("creditor").in_bulk({g["mandate_id"] for g in groups})
    chosen = []
    for group in groups:
        mandate = mandates[group["mandate_id"]]
        creditor = mandate.creditor
        if not mandate.iban:
            result.errors.append(
                _("%(name)s : aucun IBAN de reversement (ni sur le mandat, ni sur le créancier).")
                % {"name": creditor.name}
            )
            continue
        fees = _case_fees(mandate, period_end)
        figures = _figures(group, mandate, fees)
        if figures["remitted"] <= 0:
            result.waiting.append(
                _("%(name)s : rien à reverser (%(net)s), les écritures attendent le prochain.")
                % {"name": creditor.name, "net": format_amount(figures["remitted"], "EUR")}
            )
            continue
        chosen.append((group, mandate, fees))
    if not chosen:
        if result.errors:
            result.batch = TransferBatch.objects.create(
                organization_id=organization_id,
                period_end=period_end,
                created_by=_user(actor),
                errors=result.errors,
            )
        return result
    batch = TransferBatch.objects.create(
        organization_id=organization_id,
        period_end=period_end,
        created_by=_user(actor),
        errors=result.errors,
    )
    numbers = next_numbers(organization_id, STATEMENT_SERIES, today.year, len(chosen))
    remittances = [
        Remittance(
            organization_id=organization_id,
            creditor_id=mandate.creditor_id,
            mandate=mandate,
            batch=batch,
            number=number,
            period_start=min(group["first"], period_end.replace(day=1)),
            period_end=period_end,
        )
        for (group, mandate, _fees), number in zip(chosen, numbers, strict=True)
    ]
    Remittance.objects.bulk_create(remittances)
    groups = [group for group, _m, _f in chosen]
    _settle(organization_id, period_end, remittances, groups)
    if sum(group["n"] for group in groups) >= RENEW_STATISTICS_AFTER:
        _renew_statistics()
    settled = {
        row["remittance_id"]: row
        for row in _sums(TrustEntry.objects.filter(remittance__batch=batch), "remittance_id")
    }
    book = []
    for remittance, (_g, mandate, fees) in zip(remittances, chosen, strict=True):
        figures = _figures(settled[remittance.pk], mandate, fees)
        _fill(remittance, settled[remittance.pk], figures, fees)
        book += _run_entries(remittance, figures, today)
    Remittance.objects.bulk_update(
        remittances,
        [
            "entry_count",
            "collected_cents",
            "reversed_cents",
            "adjusted_cents",
            "case_count",
            "fees_cents",
            "commission_cents",
            "vat_cents",
            "remitted_cents",
        ],
    )
    TrustEntry.objects.bulk_create(book)
    invoices = _invoices(org, remittances, today)
    _transfer_file(org, batch, remittances, today)
    if documents:
        for remittance in remittances:
            write_documents(remittance, invoices.get(remittance.pk))
    audit.record(batch, AuditAction.CREATE, actor=actor)
    result.batch, result.remittances = batch, remittances
    return result


def _settle(
    organization_id: int,
    period_end: date,
    remittances: list[Remittance],
    groups: list[dict[str, Any]],
) -> None:
    """Each pending entry counted above goes to its remittance, in one UPDATE joined to the
    list of (mandant, mandate, last id counted, remittance): an entry committed meanwhile
    has a higher id than its group's last and waits for the next run. (UPDATE … FROM, on
    SQLite since 3.33; the columns of a VALUES list are column1… on both databases.)"""
    quote = connection.ops.quote_name
    table = quote(TrustEntry._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(remittances))
    pairs = zip(remittances, groups, strict=True)
    listed = [v for r, g in pairs for v in (r.creditor_id, r.mandate_id, g["last_id"], r.pk)]
    kinds = ", ".join(["%s"] * len(PENDING_KINDS))
    sql = (
        f"UPDATE {table} SET remittance_id = v.column4, updated_at = %s "
        f"FROM (VALUES {rows}) AS v "
        f"WHERE {table}.organization_id = %s AND {table}.remittance_id IS NULL "
        f"AND {table}.kind IN ({kinds}) AND {table}.{quote('on')} <= %s "
        f"AND {table}.creditor_id = v.column1 AND {table}.mandate_id = v.column2 "
        f"AND {table}.id <= v.column3"
    )
    params = [timezone.now(), *listed, organization_id, *PENDING_KINDS, period_end]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


RENEW_STATISTICS_AFTER = 10_000  # entries settled at once


def _renew_statistics() -> None:
    """After a big run the planner's statistics still say that most entries are pending:
    it would read the whole table rather than the pending index for the next run (5.6 s
    instead of a few ms after 1,000,000 entries on SQLite)."""
    table = connection.ops.quote_name(TrustEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@dataclass(frozen=True)
class _Fees:
    count: int
    each: int

    @property
    def cents(self) -> int:
        return self.count * self.each


def _case_fees(mandate: Mandate, period_end: date) -> _Fees:
    """The fixed fee of the cases handed over (opened) since the mandant's last remittance
    under this mandate, up to `period_end`, and from the mandate's start."""
    if not mandate.fee_per_case_cents:
        return _Fees(0, 0)
    last = (
        Remittance.objects.filter(mandate=mandate, case_count__gt=0)
        .aggregate(d=Max("period_end"))
        .get("d")
    )
    cases = File.objects.filter(
        creditor_id=mandate.creditor_id,
        opened_on__gte=mandate.starts_on,
        opened_on__lte=period_end,
    )
    if last is not None:
        cases = cases.filter(opened_on__gt=last)
    return _Fees(cases.count(), mandate.fee_per_case_cents)


def _figures(sums: dict[str, Any], mandate: Mandate, fees: _Fees) -> dict[str, int]:
    commission = sums["commission"] + fees.cents
    vat = half_up(commission, mandate.vat_rate)
    received = sums["collected"] + sums["reversed"] + sums["adjusted"]
    return {
        "commission": commission,
        "vat": vat,
        "remitted": received - commission - vat,
    }


def _fill(
    remittance: Remittance, sums: dict[str, Any], figures: dict[str, int], fees: _Fees
) -> None:
    remittance.entry_count = sums["n"]
    remittance.collected_cents = sums["collected"]
    remittance.reversed_cents = -sums["reversed"]
    remittance.adjusted_cents = sums["adjusted"]
    remittance.case_count = fees.count
    remittance.fees_cents = fees.cents
    remittance.commission_cents = figures["commission"]
    remittance.vat_cents = figures["vat"]
    remittance.remitted_cents = figures["remitted"]


def _run_entries(remittance: Remittance, figures: dict[str, int], on: date) -> list[TrustEntry]:
    made = [
        (EntryKind.COMMISSION, -figures["commission"], _("Commission, relevé %(n)s")),
        (EntryKind.VAT, -figures["vat"], _("TVA sur commission, relevé %(n)s")),
        (EntryKind.REMITTED, -figures["remitted"], _("Reversement, relevé %(n)s")),
    ]
    return [
        TrustEntry(
            organization_id=remittance.organization_id,
            creditor_id=remittance.creditor_id,
            mandate_id=remittance.mandate_id,
            kind=kind,
            amount_cents=cents,
            on=on,
            remittance=remittance,
            text=text % {"n": remittance.number},
        )
        for kind, cents, text in made
        if cents
    ]


def _invoices(
    org: Organization, remittances: list[Remittance], today: date
) -> dict[int, CommissionInvoice]:
    billed = [r for r in remittances if r.commission_cents]
    numbers = next_numbers(org.pk, INVOICE_SERIES, today.year, len(billed))
    invoices = [
        CommissionInvoice(
            organization_id=org.pk,
            creditor_id=r.creditor_id,
            remittance=r,
            number=number,
            issued_on=today,
            period_start=r.period_start,
            period_end=r.period_end,
            net_cents=r.commission_cents,
            vat_cents=r.vat_cents,
            total_cents=r.commission_cents + r.vat_cents,
        )
        for r, number in zip(billed, numbers, strict=True)
    ]
    CommissionInvoice.objects.bulk_create(invoices)
    return {invoice.remittance_id: invoice for invoice in invoices}


def _transfer_file(
    org: Organization, batch: TransferBatch, remittances: list[Remittance], today: date
) -> None:
    from sepaxml import SepaTransfer

    config = {
        "name": org.name,
        "IBAN": org.bank_iban,
        "batch": True,
        "currency": "EUR",
    }
    if org.bank_bic:
        config["BIC"] = org.bank_bic
    transfer = SepaTransfer(config, schema="pain.001.001.03", clean=True)
    for remittance in remittances:
        mandate = remittance.mandate
        payment = {
            "name": mandate.creditor.name,
            "IBAN": mandate.iban,
            "amount": remittance.remitted_cents,
            "execution_date": today,
            "description": f"Reversement {remittance.number} mandat {mandate.reference}",
            "endtoend_id": remittance.number.replace("-", ""),
        }
        if mandate.bic:
            payment["BIC"] = mandate.bic
        transfer.add_payment(payment)
    xml = transfer.export(validate=True)  # against sepaxml's pain.001.001.03 XSD
    batch.message_id = transfer.msg_id[:35]
    batch.count = len(remittances)
    batch.total_cents = sum(r.remitted_cents for r in remittances)
    batch.file.save(
        f"pain001-{batch.period_end:%Y%m%d}-{batch.pk}.xml", ContentFile(xml), save=False
    )
    batch.save(update_fields=["message_id", "count", "total_cents", "file", "updated_at"])


# ---------------------------------------------------------------- documents


def _agency_party(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "address": [line for line in org.address.splitlines() if line.strip()],
        "siren": org.siren,
        "email": org.email,
        "phone": org.phone,
        "logo": org.logo.name if org.logo else "",
    }


def _mandant_party(creditor: Creditor) -> dict[str, Any]:
    return {"name": creditor.name, "address": creditor.address_lines}


def statement_sums(remittance: Remittance) -> list[dict[str, Any]]:
    """Each entry a remittance settles, as its statement lists it: date, debtor, case,
    claims, amount and the commission taken on it (computed as the run did)."""
    rate = remittance.mandate.commission_rate
    rows = list(
        remittance.entries.filter(kind__in=PENDING_KINDS)
        .order_by("on", "pk")
        .values_list("on", "kind", "amount_cents", "payment_id", "payment__debtor__name", "text")
    )
    payment_ids = [row[3] for row in rows if row[3]]
    claims: dict[int, list[str]] = defaultdict(list)
    cases: dict[int, str] = {}
    for start in range(0, len(payment_ids), 500):
        chunk = payment_ids[start : start + 500]
        for payment_id, reference, case in Allocation.objects.filter(
            payment_id__in=chunk
        ).values_list("payment_id", "claim__reference", "claim__case__reference"):
            claims[payment_id].append(reference)
            if case:
                cases.setdefault(payment_id, case)
    return [
        {
            "on": on,
            "kind": kind,
            "debtor": debtor or "",
            "label": text or "",
            "case": cases.get(payment_id, ""),
            "claims": ", ".join(claims.get(payment_id, ())),
            "amount": amount,
            "commission": half_up(amount, rate) if kind != EntryKind.ADJUSTMENT else 0,
        }
        for on, kind, amount, payment_id, debtor, text in rows
    ]


def write_documents(remittance: Remittance, invoice: CommissionInvoice | None) -> None:
    """The statement PDF of a remittance and its commission invoice PDF."""
    org = Organization.objects.get(pk=remittance.organization_id)
    mandate = remittance.mandate
    creditor = mandate.creditor
    agency, mandant = _agency_party(org), _mandant_party(creditor)
    period = (remittance.period_start, remittance.period_end)
    sums = statement_sums(remittance)
    letter = remittance_statement_data(
        agency=agency,
        mandant=mandant,
        number=remittance.number,
        mandate=mandate.reference,
        rate=mandate.commission_percent,
        period=period,
        issued_on=remittance.created_at.date(),
        sums=sums,
        totals={
            "collected": remittance.collected_cents,
            "reversed": remittance.reversed_cents,
            "adjusted": remittance.adjusted_cents,
            "commission": remittance.commission_cents - remittance.fees_cents,
            "fees": remittance.fees_cents,
            "vat": remittance.vat_cents,
            "remitted": remittance.remitted_cents,
        },
        invoice=invoice.number if invoice else "",
    )
    remittance.statement.save(
        f"releve-{remittance.number}.pdf", ContentFile(letter_pdf(letter)), save=False
    )
    Remittance.objects.filter(pk=remittance.pk).update(statement=remittance.statement.name)
    if invoice is None:
        return
    data = commission_invoice_data(
        agency=agency,
        mandant=mandant,
        number=invoice.number,
        statement=remittance.number,
        mandate=mandate.reference,
        rate=mandate.commission_percent,
        vat_rate=percent(mandate.vat_rate),
        period=period,
        issued_on=invoice.issued_on,
        base_cents=remittance.collected_cents - remittance.reversed_cents,
        commission_cents=remittance.commission_cents - remittance.fees_cents,
        case_count=remittance.case_count,
        fee_cents=mandate.fee_per_case_cents or 0,
        fees_cents=remittance.fees_cents,
        vat_cents=invoice.vat_cents,
    )
    invoice.pdf.save(f"facture-{invoice.number}.pdf", ContentFile(letter_pdf(data)), save=False)
    CommissionInvoice.objects.filter(pk=invoice.pk).update(pdf=invoice.pdf.name)


@transaction.atomic
def mark_sent(batch: TransferBatch, *, actor: Any = None) -> int:
    """The transfer file was given to the bank: its remittances are sent."""
    count = 0
    for remittance in batch.remittances.filter(status=RemittanceStatus.PREPARED):
        before = audit.snapshot(remittance)
        remittance.status = RemittanceStatus.SENT
        remittance.save(update_fields=["status", "updated_at"])
        audit.record(remittance, AuditAction.UPDATE, actor=actor, before=before)
        count += 1
    return count
