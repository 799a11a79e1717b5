"""The statement of account (décompte): what letters, the debtor portal and court filings print.

For each claim: the principal, the interest period by period (rate, days, amount), the
fees, every payment and how it was allocated, and the balance due on `as_of`.

How it is computed, in date order:
- interest accrues on the principal still due (simple interest, never on interest):
  between professionals from the day after the due date (C. com. L441-10 II), for a
  consumer debtor at the legal rate from the day after the mise en demeure
  (C. civ. 1231-6, 1344-1), +5 points two months after a judgment became enforceable
  (CMF L313-3), and it stops at the opening of insolvency proceedings (C. com. L622-28);
- the €40 indemnity is added once to each late invoice of a professional (D441-5), when
  a payment date or `as_of` finds its principal unpaid after the due date, unless
  insolvency proceedings were opened by that day;
- each payment, on its date, is allocated by recouvra.law.allocation (C. civ. 1342-10,
  1343-1): the interest up to that day is accrued first, then the payment reduces fees,
  interest and principal in the configured order; interest is therefore computed, and
  rounded to the cent, span by span (to each payment date, then to `as_of`);
- a rate missing from the tables stops that claim's interest at the end of the last
  known period and says which rate to enter (never a silent 0);
- a contractual rate below 3 × the legal rate of a semester (C. com. L441-10 II) does not
  stop the statement: that semester runs at the floor, and its periods say so (rate set
  aside, floor, article) for screens and letters to repeat.

Any other refusal of the engine (ENGINE_REFUSALS) leaves no statement; refusal_fr says
why in French, for the page or the outbox to show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from .allocation import Allocation, Debt, allocate_payment, split_within
from .dates import check_dates, dates_in_range
from .fees import recovery_fees
from .interest import (
    ACTUAL_365,
    FLOOR_ARTICLE,
    InterestPeriod,
    InterestResult,
    late_payment_interest,
    legal_interest,
    percent_fr,
)
from .rates import RateTables, packaged_tables, semester_bounds
from .tables import RateUnavailable

FORMAL_NOTICE = "formal_notice"  # mise en demeure: starts legal interest (1231-6)
JUDGMENT_ENFORCEABLE = "judgment_enforceable"  # starts the L313-3 clock
INSOLVENCY_OPENED = "insolvency_opened"  # stops interest (L622-28), no €40 fee
EVENT_KINDS = (FORMAL_NOTICE, JUDGMENT_ENFORCEABLE, INSOLVENCY_OPENED)

DEFAULT_ORDER = ("fees", "interest", "principal")
PART_LABELS_FR = {"fees": "frais", "interest": "intérêts", "principal": "principal"}


@dataclass(frozen=True)
class StatementClaim:
    ref: str
    principal_cents: int
    due_date: date
    debtor_is_professional: bool
    issue_date: date | None = None
    contractual_rate: Decimal | None = None
    creditor_is_consumer: bool = False
    currency: str = "EUR"


@dataclass(frozen=True)
class StatementPayment:
    ref: str
    received_on: date
    amount_cents: int
    designated_ref: str | None = None


@dataclass(frozen=True)
class StatementEvent:
    kind: str
    on: date
    claim_ref: str | None = None  # None: every claim of the statement


class AppliedPayment(NamedTuple):
    payment_ref: str
    received_on: date
    to_fees: int
    to_interest: int
    to_principal: int

    @property
    def total(self) -> int:
        return self.to_fees + self.to_interest + self.to_principal


@dataclass(slots=True)
class StatementLine:
    """One claim in the statement."""

    claim: StatementClaim
    basis: str  # "L441-10", "1231-6" or "" when no interest runs yet
    interest_periods: list[InterestPeriod] = field(default_factory=list)
    interest_cents: int = 0
    fees_cents: int = 0
    payments: list[AppliedPayment] = field(default_factory=list)
    missing_rate: RateUnavailable | None = None
    interest_until: date | None = None  # last day of interest computed
    # running totals of self.payments, kept by add_payment()
    paid_principal: int = 0
    paid_interest: int = 0
    paid_fees: int = 0

    def add_payment(self, applied: AppliedPayment) -> None:
        self.payments.append(applied)
        self.paid_principal += applied.to_principal
        self.paid_interest += applied.to_interest
        self.paid_fees += applied.to_fees

    @property
    def principal_due(self) -> int:
        return self.claim.principal_cents - self.paid_principal

    @property
    def interest_due(self) -> int:
        return self.interest_cents - self.paid_interest

    @property
    def fees_due(self) -> int:
        return self.fees_cents - self.paid_fees

    @property
    def balance_cents(self) -> int:
        return self.principal_due + self.interest_due + self.fees_due

    @property
    def verified(self) -> bool:
        return self.missing_rate is None and all(p.verified for p in self.interest_periods)

    @property
    def floor_spans(self) -> list[FloorSpan]:
        """The spans of interest run at the legal floor instead of the contractual rate."""
        return floor_spans(self.interest_periods)

    @property
    def floor_mention_fr(self) -> str:
        """What a letter says of those spans ("" when there is none)."""
        return floor_mention_fr(self.floor_spans)


@dataclass
class Statement:
    as_of: date
    lines: list[StatementLine]
    day_count: str
    allocation_order: tuple[str, ...]
    credit_cents: int = 0  # overpayments kept for the debtor, never lost

    @property
    def allocation_order_fr(self) -> str:
        return " → ".join(PART_LABELS_FR[part] for part in self.allocation_order)

    @property
    def principal_cents(self) -> int:
        return sum(line.claim.principal_cents for line in self.lines)

    @property
    def interest_cents(self) -> int:
        return sum(line.interest_cents for line in self.lines)

    @property
    def fees_cents(self) -> int:
        return sum(line.fees_cents for line in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(p.total for line in self.lines for p in line.payments)

    @property
    def balance_cents(self) -> int:
        return sum(line.balance_cents for line in self.lines) - self.credit_cents

    @property
    def verified(self) -> bool:
        return all(line.verified for line in self.lines)

    @property
    def missing_rates(self) -> list[RateUnavailable]:
        """The rates missing from the tables, each once (several claims may miss one)."""
        found: dict[tuple[str, str, str], RateUnavailable] = {}
        for line in self.lines:
            missing = line.missing_rate
            if missing is not None:
                found.setdefault((missing.what, str(missing.on), missing.reason), missing)
        return list(found.values())

    @property
    def below_floor(self) -> list[StatementLine]:
        """The claims whose contractual rate was set aside for the floor (L441-10 II)."""
        return [line for line in self.lines if line.floor_spans]


class FloorSpan(NamedTuple):
    """Consecutive days of interest at the floor (one rate), for a statement to state."""

    start: date
    end: date
    floor: Decimal  # 3 × the legal rate of the semester, applied
    refused_rate: Decimal  # the contractual rate set aside


def floor_spans(periods: Iterable[InterestPeriod]) -> list[FloorSpan]:
    """The periods at the floor, those that follow each other at one rate merged (a
    payment splits a semester into periods; a statement states the semester once)."""
    spans: list[FloorSpan] = []
    for p in periods:
        if p.refused_rate is None:
            continue
        last = spans[-1] if spans else None
        if (
            last is not None
            and last.end + timedelta(days=1) == p.start
            and (last.floor, last.refused_rate) == (p.rate, p.refused_rate)
        ):
            spans[-1] = last._replace(end=p.end)
        else:
            spans.append(FloorSpan(p.start, p.end, p.rate, p.refused_rate))
    return spans


def floor_mention_fr(spans: Sequence[FloorSpan]) -> str:
    """ "Taux contractuel de 10 % inférieur au plancher légal … : intérêts calculés au
    plancher, 15,21 % du 11/01/2024 au 30/06/2024 et 14,76 % du … (C. com. L441-10 II)." """
    if not spans:
        return ""
    rates = sorted({span.refused_rate for span in spans})
    parts = [
        f"{percent_fr(span.floor)} % du {span.start:%d/%m/%Y} au {span.end:%d/%m/%Y}"
        for span in spans
    ]
    listed = ", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else parts[0]
    return (
        f"Taux contractuel de {' / '.join(percent_fr(r) for r in rates)} % inférieur au "
        f"plancher légal de 3 fois le taux de l'intérêt légal ({FLOOR_ARTICLE}) : intérêts "
        f"calculés au plancher, {listed}."
    )


# What the engine raises when it refuses to compute: a missing rate (LookupError), a
# contractual rate below the floor and any other bad value (ValueError), a date beyond
# the calendar (OverflowError, an ArithmeticError).
ENGINE_REFUSALS: tuple[type[Exception], ...] = (RateUnavailable, ValueError, ArithmeticError)


def refusal_fr(refused: Exception) -> str:
    """Why the engine refused, in French, and where to fix it when it is a rate."""
    said = getattr(refused, "message_fr", None)
    if said:
        return str(said)
    return (
        f"Calcul impossible avec ces données ({refused}) : vérifiez les dates, les montants "
        "et le taux contractuel des créances, et les taux dans Paramètres → Taux."
    )


class _ClaimState:
    """A claim while the statement walks through time."""

    def __init__(self, claim: StatementClaim, events: list[StatementEvent], tables: RateTables):
        self.claim = claim
        self.tables = tables
        self.notice = _first(events, FORMAL_NOTICE)
        self.enforceable = _first(events, JUDGMENT_ENFORCEABLE)
        self.insolvency = _first(events, INSOLVENCY_OPENED)
        if claim.debtor_is_professional:
            basis, start = "L441-10", claim.due_date
        elif self.notice is not None:
            basis, start = "1231-6", max(self.notice, claim.due_date)
        else:
            basis, start = "", None
        self.line = StatementLine(claim, basis)
        self.accrued_to = start  # interest computed up to this day, inclusive
        self.fee_added = False

    def accrue(self, until: date, day_count: str) -> None:
        if self.insolvency is not None:
            # C. com. L622-28: the opening judgment stops interest from its own date (it
            # takes effect at 0:00), so the last day of interest is the day before
            until = min(until, self.insolvency - timedelta(days=1))
        if self.accrued_to is None or until <= self.accrued_to or self.line.missing_rate:
            return
        result: InterestResult | None
        try:
            result = self._interest(self.accrued_to, until, day_count)
        except RateUnavailable as missing:
            self.line.missing_rate = missing
            result = self._interest_until_missing(self.accrued_to, until, day_count)
            if result is None:
                return
        self.line.interest_periods.extend(result.periods)
        self.line.interest_cents += result.cents
        self.accrued_to = result.until
        self.line.interest_until = result.until

    def _interest_until_missing(
        self, start: date, until: date, day_count: str
    ) -> InterestResult | None:
        """Interest from `start` up to the end of the last semester whose rate is known."""
        stop = until
        while stop > start:
            stop = semester_bounds(stop)[0] - timedelta(days=1)
            try:
                return self._interest(start, stop, day_count) if stop > start else None
            except RateUnavailable:
                continue
        return None

    def _interest(self, start: date, until: date, day_count: str) -> InterestResult:
        principal = self.line.principal_due
        if self.claim.debtor_is_professional:
            return late_payment_interest(
                principal,
                start,
                until,
                contractual_rate=self.claim.contractual_rate,
                day_count=day_count,
                tables=self.tables,
                apply_floor=True,  # L441-10 II: a rate below the floor gives the floor
            )
        return legal_interest(
            principal,
            start,
            until,
            creditor_is_consumer=self.claim.creditor_is_consumer,
            judgment_enforceable_on=self.enforceable,
            day_count=day_count,
            tables=self.tables,
        )

    def add_fee_if_late(self, on: date) -> None:
        # D441-5: €40 per invoice of a professional once it is paid late (not yet paid
        # on its due date); never for a consumer (CPCE L111-8), nor in insolvency.
        if self.fee_added or on <= self.claim.due_date or self.line.principal_due <= 0:
            return
        # L441-10 II in fine: no indemnity when the proceedings forbade paying on the due date
        in_insolvency = self.insolvency is not None and self.insolvency <= self.claim.due_date
        self.line.fees_cents += recovery_fees(
            1,
            debtor_is_professional=self.claim.debtor_is_professional,
            debtor_in_insolvency=in_insolvency,
        )
        self.fee_added = True

    def as_debt(self) -> Debt:
        periods = self.line.interest_periods
        rate = periods[-1].rate if periods else (self.claim.contractual_rate or Decimal(0))
        return Debt(
            ref=self.claim.ref,
            principal_cents=self.line.principal_due,
            interest_cents=self.line.interest_due,
            fees_cents=self.line.fees_due,
            due_date=self.claim.due_date,
            rate=rate,
        )


@dates_in_range
def statement(
    claims: Sequence[StatementClaim],
    payments: Iterable[StatementPayment],
    events: Iterable[StatementEvent],
    *,
    as_of: date,
    day_count: str = ACTUAL_365,
    tables: RateTables | None = None,
    allocation_order: tuple[str, ...] = DEFAULT_ORDER,
) -> Statement:
    """The décompte of `claims` on `as_of`, payments allocated on their dates."""
    tables = tables or packaged_tables()
    events, payments = list(events), list(payments)
    check_dates(day for claim in claims for day in (claim.due_date, claim.issue_date))
    check_dates(payment.received_on for payment in payments)
    check_dates(event.on for event in events)
    for event in events:
        if event.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {event.kind!r}")
    states = {
        claim.ref: _ClaimState(
            claim, [e for e in events if e.claim_ref in (None, claim.ref)], tables
        )
        for claim in claims
    }
    if len(states) != len(claims):
        raise ValueError("two claims share the same reference")
    result = Statement(as_of, [s.line for s in states.values()], day_count, allocation_order)
    due_payments = sorted(
        (p for p in payments if p.received_on <= as_of), key=lambda p: (p.received_on, p.ref)
    )
    for payment in due_payments:
        _apply_payment(payment, states, result, day_count)
    for state in states.values():
        state.add_fee_if_late(as_of)
        state.accrue(as_of, day_count)
    return result


def _apply_payment(
    payment: StatementPayment,
    states: dict[str, _ClaimState],
    result: Statement,
    day_count: str,
) -> None:
    for state in states.values():
        state.add_fee_if_late(payment.received_on)
        state.accrue(payment.received_on, day_count)
    owing = [s for s in states.values() if s.line.balance_cents > 0]
    if len(owing) == 1 and payment.designated_ref in (None, owing[0].claim.ref):
        # one debt: 1342-10 has nothing to choose, 1343-1 orders the parts
        _apply_to_one(payment, owing[0], result)
        return
    debts = [s.as_debt() for s in states.values()]
    designated = payment.designated_ref if payment.designated_ref in states else None
    allocations = allocate_payment(
        payment.amount_cents,
        debts,
        designated_ref=designated,
        paid_on=payment.received_on,
        order=result.allocation_order,
    )
    for allocation in allocations:
        _record(allocation, payment, states, result)


def _apply_to_one(payment: StatementPayment, state: _ClaimState, result: Statement) -> None:
    line = state.line
    owed = {"fees": line.fees_due, "interest": line.interest_due, "principal": line.principal_due}
    share = min(payment.amount_cents, line.balance_cents)
    parts = split_within(share, owed, result.allocation_order)
    line.add_payment(
        AppliedPayment(
            payment.ref,
            payment.received_on,
            parts["fees"],
            parts["interest"],
            parts["principal"],
        )
    )
    result.credit_cents += payment.amount_cents - share


def _record(
    allocation: Allocation,
    payment: StatementPayment,
    states: dict[str, _ClaimState],
    result: Statement,
) -> None:
    if allocation.debt_ref is None:
        result.credit_cents += allocation.to_credit
        return
    states[allocation.debt_ref].line.add_payment(
        AppliedPayment(
            payment.ref,
            payment.received_on,
            allocation.to_fees,
            allocation.to_interest,
            allocation.to_principal,
        )
    )


def _first(events: list[StatementEvent], kind: str) -> date | None:
    dates = [e.on for e in events if e.kind == kind]
    return min(dates) if dates else None
