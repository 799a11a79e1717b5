"""Promises to pay and payment plans (échéanciers): recorded, followed against the payments,
decided (a promise kept or broken) and lapsed (déchéance du terme) by the daily job.

One home for every write about them: the pages (cases.plan_views), the API, the demo and
the tests call these functions. The balance a promise or a plan is measured against is the
case's balance due today: the statement's total (principal, interest, fees) when a higher
app registered a source for it (letters does, through lawdesk), else the open claims'
balance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recouvra.core import audit
from recouvra.core.models import AuditAction
from recouvra.law import instalments as law
from recouvra.law.dates import DateOutOfRange
from recouvra.law.deadlines import add_months
from recouvra.law.money import MAX_CENTS, format_amount
from recouvra.ledger.models import Claim, Payment

from .models import (
    Case,
    CaseStatus,
    InstalmentStatus,
    InteractionKind,
    PaymentPlan,
    PlanInstalment,
    PlanStatus,
    Promise,
    PromiseStatus,
    TaskKind,
)
from .queue import rank_touched
from .services import (
    add_event,
    break_promise,
    change_stage,
    create_task,
    keep_promise,
    payment_proposed,
)

# ---------------------------------------------------------------- the balance due today


@dataclass(frozen=True)
class Balance:
    """What the case owes today, in cents."""

    principal_cents: int
    interest_cents: int = 0
    fees_cents: int = 0

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fees_cents

    @property
    def without_interest_cents(self) -> int:
        return self.principal_cents + self.fees_cents


BalanceSource = Callable[[Case, date], "Balance | None"]
_balance_sources: list[BalanceSource] = []


def register_balance_source(source: BalanceSource) -> None:
    """A higher app (letters, through the law engine's statement) says what a case owes on
    a day; None when it cannot (a missing rate): the open claims' balance is used."""
    if source not in _balance_sources:
        _balance_sources.append(source)


def balance_due(case: Case, today: date | None = None) -> Balance:
    today = today or timezone.localdate()
    for source in _balance_sources:
        found = source(case, today)
        if found is not None:
            return found
    balance = Case.objects.with_balance().filter(pk=case.pk).values_list("balance", flat=True)
    return Balance(max(int(balance.first() or 0), 0))


def paid_since(case: Case, since: date) -> list[tuple[date, int]]:
    """The payments of the case's debtor to its creditor (a case is one debtor × one
    creditor), not reversed, received on or after `since`: (date, cents), oldest first."""
    payments = Payment.objects.filter(
        organization_id=case.organization_id,
        debtor_id=case.debtor_id,
        creditor_id=case.creditor_id,
        reversed_at__isnull=True,
        received_on__gte=since,
    ).order_by("received_on", "pk")
    return list(payments.values_list("received_on", "amount_cents"))


def _paid_total(case: Case, since: date) -> int:
    return sum(cents for _day, cents in paid_since(case, since))


def _resume_stage(case: Case) -> str:
    """The stage dunning resumes at once a plan ended without being paid."""
    return CaseStatus.FORMAL_NOTICE if case.formal_notice_on else CaseStatus.AMICABLE


def _money(cents: int) -> str:
    return format_amount(cents, "EUR")


# ---------------------------------------------------------------- promises


@transaction.atomic
def record_promise(
    case: Case,
    *,
    amount_cents: int,
    promised_on: date,
    actor: Any = None,
    today: date | None = None,
) -> Promise:
    """A debtor's promise to pay `amount_cents` by `promised_on`: until then dunning pauses
    for the case (dunning.engine reads the pending promises). Refused (ValidationError
    naming the field) above the balance due today, or dated in the past."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if case.is_closed:
        raise ValidationError({"case": _("Ce dossier est clos.")})
    if amount_cents <= 0:
        errors["amount_cents"] = _("Le montant promis doit être positif.")
    else:
        balance = balance_due(case, today).total_cents
        if amount_cents > balance:
            errors["amount_cents"] = _(
                "Le montant promis (%(amount)s) dépasse le solde dû aujourd'hui (%(balance)s)."
            ) % {"amount": _money(amount_cents), "balance": _money(balance)}
    if promised_on < today:
        errors["promised_on"] = _("La date promise ne peut pas être passée.")
    if errors:
        raise ValidationError(errors)
    promise = Promise.objects.create(
        organization_id=case.organization_id,
        case=case,
        amount_cents=amount_cents,
        promised_on=promised_on,
    )
    audit.record(promise, AuditAction.CREATE, actor=actor)
    text = f"Promesse de paiement : {_money(amount_cents)} au plus tard le {promised_on:%d/%m/%Y}."
    rank_touched(case.organization_id, [case.pk])  # its place in the agent's queue
    add_event(case, InteractionKind.PROMISE, text, author=actor)
    payment_proposed.send(Promise, case=case, proposal=promise, actor=actor)
    return promise


def _promise_paid(promise: Promise) -> int:
    return _paid_total(promise.case, timezone.localdate(promise.created_at))


def _is_kept(promise: Promise, paid: int) -> bool:
    # a promise smaller than the tolerance is still kept only by a payment
    tolerance = promise.organization.promise_tolerance_cents
    return paid >= max(promise.amount_cents - tolerance, 1)


def decide_promise(promise: Promise, today: date) -> str:
    """Kept as soon as the payments since it was made reach its amount (less the
    organisation's tolerance); broken once its date plus the grace days has passed
    without that; else still pending. Returns the status."""
    if promise.status != PromiseStatus.PENDING:
        return promise.status
    paid = _promise_paid(promise)
    if paid != promise.paid_cents:  # what came so far, shown while it is pending
        Promise.objects.filter(pk=promise.pk, status=PromiseStatus.PENDING).update(
            paid_cents=paid, updated_at=timezone.now()
        )
        promise.paid_cents = paid
    if _is_kept(promise, paid):
        keep_promise(promise, paid_cents=paid, on=today)
    elif today > promise.promised_on + timedelta(days=promise.organization.promise_grace_days):
        break_promise(promise, paid_cents=paid, on=today)
    return promise.status


def decide_promises(organization_id: int, today: date) -> tuple[int, int]:
    """The daily decision of the organisation's pending promises: (kept, broken)."""
    pending = Promise.objects.filter(
        organization_id=organization_id, status=PromiseStatus.PENDING
    ).select_related("case__organization", "organization")
    kept = broken = 0
    for promise in pending:
        status = decide_promise(promise, today)
        kept += status == PromiseStatus.KEPT
        broken += status == PromiseStatus.BROKEN
    return kept, broken


@transaction.atomic
def reopen_promise(promise: Promise, *, today: date) -> bool:
    """A kept promise whose payment was reversed is pending again (then decided at once)."""
    paid = _promise_paid(promise)
    if promise.status != PromiseStatus.KEPT or _is_kept(promise, paid):
        return False
    before = audit.snapshot(promise)
    moved = Promise.objects.filter(pk=promise.pk, status=PromiseStatus.KEPT).update(
        status=PromiseStatus.PENDING, paid_cents=paid, decided_on=None, updated_at=timezone.now()
    )
    if not moved:
        return False
    promise.status, promise.paid_cents, promise.decided_on = PromiseStatus.PENDING, paid, None
    audit.record(promise, AuditAction.UPDATE, before=before)
    text = (
        f"Promesse du {promise.promised_on:%d/%m/%Y} de nouveau en attente : un paiement a "
        f"été annulé ({_money(paid)} reçus sur {_money(promise.amount_cents)})."
    )
    add_event(promise.case, InteractionKind.PROMISE, text)
    decide_promise(promise, today)
    return True


# ---------------------------------------------------------------- payment plans


@dataclass(frozen=True)
class PlanTerms:
    """What the agent agrees with the debtor. Exactly one of `count` and
    `instalment_cents`; `total_cents` (optional) must cover the balance due today."""

    starts_on: date
    frequency: str = law.Frequency.MONTHLY
    count: int | None = None
    instalment_cents: int | None = None
    total_cents: int | None = None
    down_payment_cents: int = 0
    reduced_count: int = 0
    reduced_amount_cents: int = 0
    interest_waived: bool = False


@dataclass
class PlanDraft:
    """A plan as it would be recorded: the balance it pays and its instalments."""

    balance_cents: int
    total_cents: int
    instalments: list[law.Instalment]
    beyond_court_grace: bool
    notices: list[str] = field(default_factory=list)


NOTHING_DUE = gettext_lazy("Ce dossier ne doit rien aujourd'hui : rien à échelonner.")
COURT_GRACE_NOTICE = gettext_lazy(
    "Cet échéancier dépasse deux ans : un délai de grâce accordé par un juge ne peut pas "
    "excéder deux ans (article 1343-5 du code civil). Convenu à l'amiable, il reste possible ; "
    "l'accord le mentionne."
)


def draft_plan(case: Case, terms: PlanTerms, *, today: date | None = None) -> PlanDraft:
    """The schedule `terms` give for the case, checked (the first date, the balance, the
    creditor's rules); ValidationError naming the field otherwise. Nothing is saved."""
    today = today or timezone.localdate()
    if case.is_closed:
        raise ValidationError({"case": _("Ce dossier est clos.")})
    _check_terms(terms, today)
    due = balance_due(case, today)
    balance = due.without_interest_cents if terms.interest_waived else due.total_cents
    if balance <= 0:
        raise ValidationError({"total_cents": str(NOTHING_DUE)})
    total = balance
    if terms.total_cents is not None:
        if terms.total_cents < balance:
            raise ValidationError(
                {
                    "total_cents": _(
                        "Les échéances (%(total)s) ne couvrent pas le solde dû aujourd'hui "
                        "(%(balance)s)."
                    )
                    % {"total": _money(terms.total_cents), "balance": _money(balance)}
                }
            )
        total = terms.total_cents
    schedule = _schedule(terms, total)
    _check_creditor_rules(case, terms, schedule)
    beyond = law.beyond_court_grace(schedule)
    return PlanDraft(
        balance_cents=balance,
        total_cents=total,
        instalments=schedule,
        beyond_court_grace=beyond,
        notices=[str(COURT_GRACE_NOTICE)] if beyond else [],
    )


def _check_terms(terms: PlanTerms, today: date) -> None:
    errors: dict[str, str] = {}
    if terms.starts_on < today:
        errors["starts_on"] = _("La première échéance ne peut pas être dans le passé.")
    if terms.frequency not in law.Frequency.__members__.values():
        errors["frequency"] = _("Périodicité inconnue.")
    if (terms.count is None) == (terms.instalment_cents is None):
        errors["count"] = _("Indiquez soit le nombre d'échéances, soit le montant d'une échéance.")
    elif terms.count is not None and not 1 <= terms.count <= law.MAX_INSTALMENTS:
        errors["count"] = _("Le nombre d'échéances va de 1 à %(max)d.") % {
            "max": law.MAX_INSTALMENTS
        }
    elif terms.instalment_cents is not None and not 0 < terms.instalment_cents <= MAX_CENTS:
        errors["instalment_cents"] = _("Le montant d'une échéance doit être positif.")
    for name in ("total_cents", "down_payment_cents", "reduced_amount_cents"):
        value = getattr(terms, name)
        if value is not None and not 0 <= value <= MAX_CENTS:
            errors[name] = _("Montant hors limites.")
    if not 0 <= terms.reduced_count <= law.MAX_INSTALMENTS:
        errors["reduced_count"] = _("De 0 à %(max)d échéances réduites.") % {
            "max": law.MAX_INSTALMENTS
        }
    elif (terms.reduced_count > 0) != (terms.reduced_amount_cents > 0):
        errors["reduced_amount_cents"] = _(
            "Une réduction temporaire a un nombre d'échéances et un montant."
        )
    elif terms.count is not None and terms.reduced_count >= terms.count:
        errors["reduced_count"] = _("Il faut au moins une échéance après les échéances réduites.")
    if errors:
        raise ValidationError(errors)


def _schedule(terms: PlanTerms, total: int) -> list[law.Instalment]:
    by = "count" if terms.count is not None else "instalment_cents"
    if terms.down_payment_cents >= total:
        raise ValidationError({"down_payment_cents": _("L'acompte doit être inférieur au solde.")})
    rest = total - terms.down_payment_cents
    if terms.reduced_count * terms.reduced_amount_cents >= rest:
        raise ValidationError(
            {"reduced_amount_cents": _("Les échéances réduites paieraient tout le solde.")}
        )
    if terms.instalment_cents is not None and terms.reduced_amount_cents >= terms.instalment_cents:
        raise ValidationError(
            {"reduced_amount_cents": _("Une échéance réduite doit être inférieure à l'échéance.")}
        )
    try:
        return law.schedule(
            law.Terms(
                balance_cents=total,
                first_on=terms.starts_on,
                frequency=law.Frequency(terms.frequency),
                count=terms.count,
                amount_cents=terms.instalment_cents,
                down_payment_cents=terms.down_payment_cents,
                reduced_count=terms.reduced_count,
                reduced_amount_cents=terms.reduced_amount_cents,
            )
        )
    except DateOutOfRange as exc:
        out = _("La dernière échéance tomberait hors des dates admises.")
        raise ValidationError({by: out}) from exc
    except law.PlanError as exc:
        raise ValidationError({by: str(exc)}) from exc


def _check_creditor_rules(case: Case, terms: PlanTerms, schedule: list[law.Instalment]) -> None:
    creditor = case.creditor
    by = "count" if terms.count is not None else "instalment_cents"
    paid_by_instalments = [item for item in schedule if not item.is_down_payment]
    if creditor.plan_max_months and paid_by_instalments:
        first, last = paid_by_instalments[0].due_on, paid_by_instalments[-1].due_on
        limit = add_months(first, creditor.plan_max_months)
        if last > limit:
            raise ValidationError(
                {
                    by: _(
                        "Règle du créancier %(creditor)s : un échéancier dure au plus "
                        "%(months)d mois ; la dernière échéance tomberait le %(last)s (au plus "
                        "tard le %(limit)s)."
                    )
                    % {
                        "creditor": creditor.name,
                        "months": creditor.plan_max_months,
                        "last": f"{last:%d/%m/%Y}",
                        "limit": f"{limit:%d/%m/%Y}",
                    }
                }
            )
    minimum = creditor.plan_min_instalment_cents
    if minimum:
        usual = [item.amount_cents for item in paid_by_instalments if not item.reduced]
        # an amount-based plan ends with what is left: only the usual amount is checked
        smallest = terms.instalment_cents if terms.instalment_cents is not None else min(usual)
        if smallest < minimum:
            raise ValidationError(
                {
                    by: _(
                        "Règle du créancier %(creditor)s : une échéance est d'au moins "
                        "%(minimum)s (ici %(amount)s)."
                    )
                    % {
                        "creditor": creditor.name,
                        "minimum": _money(minimum),
                        "amount": _money(smallest),
                    }
                }
            )
        if terms.reduced_count and terms.reduced_amount_cents < minimum:
            raise ValidationError(
                {
                    "reduced_amount_cents": _(
                        "Règle du créancier %(creditor)s : une échéance, même réduite, est "
                        "d'au moins %(minimum)s."
                    )
                    % {"creditor": creditor.name, "minimum": _money(minimum)}
                }
            )


@transaction.atomic
def record_plan(
    case: Case,
    *,
    starts_on: date,
    frequency: str = law.Frequency.MONTHLY,
    count: int | None = None,
    instalment_cents: int | None = None,
    total_cents: int | None = None,
    down_payment_cents: int = 0,
    reduced_count: int = 0,
    reduced_amount_cents: int = 0,
    interest_waived: bool = False,
    direct_debit: bool = False,
    notes: str = "",
    actor: Any = None,
    today: date | None = None,
) -> PaymentPlan:
    """An agreed payment plan with its instalments, checked as draft_plan checks it; the
    case moves to the PAYMENT_PLAN stage (dunning pauses). All or nothing. Without a count
    nor an amount per instalment, the balance is due in one instalment."""
    today = today or timezone.localdate()
    if count is None and instalment_cents is None:
        count = 1
    terms = PlanTerms(
        starts_on=starts_on,
        frequency=frequency,
        count=count,
        instalment_cents=instalment_cents,
        total_cents=total_cents,
        down_payment_cents=down_payment_cents or 0,
        reduced_count=reduced_count or 0,
        reduced_amount_cents=reduced_amount_cents or 0,
        interest_waived=interest_waived,
    )
    draft = draft_plan(case, terms, today=today)
    plan = PaymentPlan.objects.create(
        organization_id=case.organization_id,
        case=case,
        starts_on=starts_on,
        notes=notes,
        agreed_on=today,
        total_cents=draft.total_cents,
        frequency=frequency,
        down_payment_cents=terms.down_payment_cents,
        reduced_count=terms.reduced_count,
        reduced_amount_cents=terms.reduced_amount_cents,
        interest_waived=interest_waived,
        direct_debit=direct_debit,
    )
    PlanInstalment.objects.bulk_create(
        PlanInstalment(
            organization_id=case.organization_id,
            plan=plan,
            number=item.number,
            due_on=item.due_on,
            amount_cents=item.amount_cents,
            reduced=item.reduced,
        )
        for item in draft.instalments
    )
    audit.record(plan, AuditAction.CREATE, actor=actor)
    count_text = len(draft.instalments) - bool(terms.down_payment_cents)
    down = terms.down_payment_cents
    text = (
        f"Échéancier convenu : {_money(draft.total_cents)} en {count_text} échéance(s)"
        f"{f' après un acompte de {_money(down)}' if down else ''}"
        f", première échéance le {starts_on:%d/%m/%Y}, dernière le "
        f"{draft.instalments[-1].due_on:%d/%m/%Y}."
    )
    if interest_waived:
        text += " Intérêts de retard abandonnés si l'échéancier est respecté."
    if direct_debit:
        text += " Par prélèvement SEPA."
    add_event(case, InteractionKind.PLAN, text, author=actor)
    change_stage(case, CaseStatus.PAYMENT_PLAN, actor=actor)
    rank_touched(case.organization_id, [case.pk])  # its place in the agent's queue
    payment_proposed.send(PaymentPlan, case=case, proposal=plan, actor=actor)
    follow_plan(plan, today)
    return plan


# -- follow-up


def follow_plan(plan: PaymentPlan, today: date) -> bool:
    """Fill the plan's instalments, in due-date order, with the case's payments received
    since it was agreed; each is PAID, PARTIAL, DUE, UNPAID (its date passed) or stays
    RETURNED until paid. Every instalment paid: the plan is COMPLETED (a completed plan
    whose payment was reversed is active again). Returns True when something changed."""
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.COMPLETED):
        return False
    since = plan.agreed_on or plan.created_at.date()
    payments = paid_since(plan.case, since)
    instalments = list(plan.instalments.order_by("due_on", "number"))
    changed = []
    paid_so_far, cursor = 0, 0
    received = 0
    for item in instalments:
        need = paid_so_far + item.amount_cents
        while cursor < len(payments) and received < need:
            received += payments[cursor][1]
            cursor += 1
        paid = max(min(received - paid_so_far, item.amount_cents), 0)
        settled = payments[cursor - 1][0] if paid == item.amount_cents and cursor else None
        paid_so_far += item.amount_cents
        status = _instalment_status(item, paid, today)
        if (item.paid_cents, item.status, item.settled_on) != (paid, status, settled):
            item.paid_cents, item.status, item.settled_on = paid, status, settled
            changed.append(item)
    if changed:
        now = timezone.now()
        for item in changed:
            item.updated_at = now
        PlanInstalment.objects.bulk_update(
            changed, ["paid_cents", "status", "settled_on", "updated_at"]
        )
    all_paid = all(item.status == InstalmentStatus.PAID for item in instalments)
    if all_paid and plan.status == PlanStatus.ACTIVE:
        _end_plan(plan, PlanStatus.COMPLETED, PLAN_PAID)
        _close_if_paid(plan.case)
    elif not all_paid and plan.status == PlanStatus.COMPLETED:
        _end_plan(
            plan, PlanStatus.ACTIVE, "Échéancier de nouveau en cours : un paiement a été annulé."
        )
        _reopen(plan.case)
    return bool(changed)


def _close_if_paid(case: Case) -> None:
    """A plan paid off leaves nothing to collect when its case's claims owe nothing more."""
    owed = Case.objects.with_balance().filter(pk=case.pk).values_list("balance", flat=True)
    if not case.is_closed and (owed.first() or 0) <= 0:
        change_stage(case, CaseStatus.CLOSED)


def _reopen(case: Case) -> None:
    """The case a plan paid off had closed owes again: back at the plan's stage (unless its
    debtor has another open case for this creditor by then)."""
    if case.is_closed:
        try:
            with transaction.atomic():
                change_stage(case, CaseStatus.PAYMENT_PLAN)
        except IntegrityError:
            case.status = CaseStatus.CLOSED


PLAN_PAID = "Échéancier soldé : toutes ses échéances sont payées."


def _instalment_status(item: PlanInstalment, paid: int, today: date) -> str:
    if paid >= item.amount_cents:
        return InstalmentStatus.PAID
    if item.status == InstalmentStatus.RETURNED:
        return InstalmentStatus.RETURNED
    if item.due_on < today:
        return InstalmentStatus.UNPAID
    return InstalmentStatus.PARTIAL if paid else InstalmentStatus.DUE


@transaction.atomic
def _end_plan(plan: PaymentPlan, status: str, text: str, actor: Any = None, **changes: Any) -> bool:
    before = audit.snapshot(plan)
    moved = PaymentPlan.objects.filter(pk=plan.pk, status=plan.status).update(
        status=status, updated_at=timezone.now(), **changes
    )
    if not moved:
        return False
    plan.status = status
    for name, value in changes.items():
        setattr(plan, name, value)
    audit.record(plan, AuditAction.UPDATE, actor=actor, before=before)
    add_event(plan.case, InteractionKind.PLAN, text, author=actor)
    return True


@transaction.atomic
def mark_instalment_returned(instalment: PlanInstalment, *, reason: str, actor: Any = None) -> bool:
    """A direct debit of this instalment came back (the SEPA app says so): RETURNED until
    paid, on the timeline. False when it was returned already."""
    before = audit.snapshot(instalment)
    moved = (
        PlanInstalment.objects.filter(pk=instalment.pk)
        .exclude(status=InstalmentStatus.RETURNED)
        .update(status=InstalmentStatus.RETURNED, settled_on=None, updated_at=timezone.now())
    )
    if not moved:
        return False
    instalment.status, instalment.settled_on = InstalmentStatus.RETURNED, None
    audit.record(instalment, AuditAction.UPDATE, actor=actor, before=before)
    text = (
        f"Prélèvement de l'échéance n° {instalment.number} du {instalment.due_on:%d/%m/%Y} "
        f"({_money(instalment.amount_cents)}) rejeté : {reason}"
    )
    add_event(instalment.plan.case, InteractionKind.PLAN, text, author=actor)
    return True


def follow_payments(
    sender: Any,
    organization_id: int,
    claim_ids: Iterable[int] = (),
    payment_ids: Iterable[int] = (),
    **kwargs: Any,
) -> None:
    """ledger.services.payments_applied and payments_reversed's receiver: the promises
    and plans of the cases the payments touched are decided again."""
    today = timezone.localdate()
    case_ids = set(
        Claim.objects.filter(pk__in=list(claim_ids), case__isnull=False).values_list(
            "case_id", flat=True
        )
    )
    parties = Payment.objects.filter(pk__in=list(payment_ids)).values_list(
        "debtor_id", "creditor_id"
    )
    for debtor_id, creditor_id in set(parties):
        case_ids.update(
            Case.objects.filter(
                organization_id=organization_id, debtor_id=debtor_id, creditor_id=creditor_id
            )
            .active()
            .values_list("pk", flat=True)
        )
    if not case_ids:
        return
    promises = Promise.objects.filter(
        case_id__in=case_ids, status__in=[PromiseStatus.PENDING, PromiseStatus.KEPT]
    ).select_related("case", "organization")
    for promise in promises:
        if promise.status == PromiseStatus.KEPT:
            reopen_promise(promise, today=today)
        else:
            decide_promise(promise, today)
    plans = PaymentPlan.objects.filter(
        case_id__in=case_ids, status__in=[PlanStatus.ACTIVE, PlanStatus.COMPLETED]
    ).select_related("case")
    for plan in plans:
        follow_plan(plan, today)


# -- lapse (déchéance du terme) and cancellation


def lapse_overdue_plans(organization_id: int, today: date) -> list[PaymentPlan]:
    """The daily job: the active plans are followed again, then a plan with an instalment
    still unpaid `plan_grace_days` after its due date lapses (déchéance du terme): BROKEN,
    the remaining balance due at once, a call for the agent, dunning resumes. Returns the
    lapsed plans (the dunning task sends their letter)."""
    plans = PaymentPlan.objects.filter(
        organization_id=organization_id, status=PlanStatus.ACTIVE
    ).select_related("case__organization", "case__debtor", "case__assigned_to")
    lapsed = []
    for plan in plans:
        follow_plan(plan, today)
        if plan.status != PlanStatus.ACTIVE:
            continue
        grace = timedelta(days=plan.case.organization.plan_grace_days)
        missed = (
            plan.instalments.exclude(status=InstalmentStatus.PAID)
            .filter(due_on__lt=today - grace)
            .order_by("due_on", "number")
            .first()
        )
        if missed is not None and lapse_plan(plan, missed, today=today):
            lapsed.append(plan)
    return lapsed


def plan_left_cents(plan: PaymentPlan) -> int:
    """What the plan's instalments still wait for."""
    paid = plan.instalments.aggregate(s=Sum("paid_cents"))["s"] or 0
    return max(plan.total_cents - paid, 0)


@transaction.atomic
def lapse_plan(
    plan: PaymentPlan, missed: PlanInstalment, *, today: date, actor: Any = None
) -> bool:
    left = plan_left_cents(plan)
    text = (
        f"Déchéance du terme : l'échéance n° {missed.number} du {missed.due_on:%d/%m/%Y} "
        f"({_money(missed.amount_cents)}) n'est pas réglée. Le solde restant de "
        f"{_money(left)} est exigible en une seule fois."
    )
    if not _end_plan(plan, PlanStatus.BROKEN, text, actor=actor, lapsed_on=today):
        return False
    case = plan.case
    create_task(
        case,
        kind=TaskKind.CALL,
        title=f"Échéancier déchu : appeler le débiteur ({_money(left)} exigibles)"[:200],
        due_on=today,
        assigned_to=case.assigned_to,
        actor=actor,
    )
    if case.status == CaseStatus.PAYMENT_PLAN:  # not a case moved on meanwhile (court…)
        change_stage(case, _resume_stage(case), actor=actor)
    return True


@transaction.atomic
def cancel_plan(plan: PaymentPlan, *, reason: str, actor: Any = None) -> bool:
    """An active plan called off (CANCELLED) with the reason; dunning resumes. False when
    it was no longer active."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif de l'annulation.")})
    if plan.status != PlanStatus.ACTIVE:
        return False
    text = f"Échéancier du {plan.starts_on:%d/%m/%Y} annulé : {reason}"
    if not _end_plan(plan, PlanStatus.CANCELLED, text, actor=actor):
        return False
    if plan.case.status == CaseStatus.PAYMENT_PLAN:
        change_stage(plan.case, _resume_stage(plan.case), actor=actor)
    return True
