"""Allocation (imputation) of a payment to one or several debts.

Two layers, both from the Code civil:

- between debts, C. civ. 1342-10: the debt the debtor designates, otherwise due debts
  before debts not yet due, then the one the debtor had most interest in paying (here:
  the highest `rate`), then the oldest (earliest due date), then pro rata;
- within one debt, C. civ. 1343-1: interest before principal. Costs ("frais") have no
  text; recouvra puts them first by convention (fees → interest → principal, FACTS §3.4),
  and the order is a parameter so a creditor may choose another one.

Amounts are integer cents. Every cent of the payment ends up somewhere: the parts always
add up to the amount paid, and what exceeds every debt is returned as a credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PARTS = ("fees", "interest", "principal")
DEFAULT_ORDER: tuple[str, ...] = PARTS


@dataclass(frozen=True)
class Debt:
    """What is still owed on one debt (invoice, judgment, instalment…), in cents."""

    ref: str
    principal_cents: int
    interest_cents: int = 0
    fees_cents: int = 0
    due_date: date | None = None  # None: due now (no term)
    rate: Decimal = Decimal(0)  # interest rate, % a year: the debtor's "interest in paying"

    def __post_init__(self) -> None:
        if not isinstance(self.ref, str) or not self.ref:
            raise ValueError(f"a debt needs a non-empty ref, got {self.ref!r}")
        for name in ("principal_cents", "interest_cents", "fees_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"debt {self.ref}: {name} must be int cents, got {value!r}")
            if value < 0:
                raise ValueError(f"debt {self.ref}: {name} is negative ({value})")
        if isinstance(self.rate, float) or not isinstance(self.rate, Decimal | int):
            raise TypeError(f"debt {self.ref}: rate must be a Decimal, got {self.rate!r}")
        if self.rate < 0:
            raise ValueError(f"debt {self.ref}: rate is negative ({self.rate})")

    @property
    def outstanding_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fees_cents

    def part(self, name: str) -> int:
        """Outstanding cents of one part: "fees", "interest" or "principal"."""
        return getattr(self, f"{name}_cents")


@dataclass(frozen=True)
class Allocation:
    """The share of a payment given to one debt, by part; debt_ref None is a credit."""

    debt_ref: str | None
    to_fees: int = 0
    to_interest: int = 0
    to_principal: int = 0
    to_credit: int = 0

    @property
    def total(self) -> int:
        return self.to_fees + self.to_interest + self.to_principal + self.to_credit


def allocate_payment(
    amount_cents: int,
    debts: Sequence[Debt],
    *,
    designated_ref: str | None = None,
    paid_on: date | None = None,
    order: tuple[str, ...] = DEFAULT_ORDER,
) -> list[Allocation]:
    """Split a payment between debts and, inside each debt, between its parts.

    Returns the non-empty allocations in the order the debts were paid, followed by one
    `Allocation(debt_ref=None, to_credit=...)` if the payment exceeds everything owed.
    `paid_on` decides which debts are due; None treats every debt as due.
    """
    _check_amount(amount_cents)
    _check_order(order)
    _check_debts(debts, designated_ref)

    remaining = amount_cents
    result: list[Allocation] = []
    others = list(debts)
    if designated_ref is not None:
        # C. civ. 1342-10 al. 1: the debtor may say, when paying, which debt he pays.
        designated = next(d for d in debts if d.ref == designated_ref)
        others = [d for d in debts if d.ref != designated_ref]
        share = min(remaining, designated.outstanding_cents)
        result.append(_within_debt(designated, share, order))
        remaining -= share

    owing = [d for d in others if d.outstanding_cents]
    if len(owing) == 1:  # nothing to rank: the common case of a single open claim
        share = min(remaining, owing[0].outstanding_cents)
        result.append(_within_debt(owing[0], share, order))
        remaining -= share
        owing = []
    for group in _ranked_groups(owing, paid_on):
        if remaining == 0:
            break
        shares = _shares(remaining, group)
        for debt in sorted(group, key=lambda d: d.ref):
            result.append(_within_debt(debt, shares[debt.ref], order))
        remaining -= sum(shares.values())

    if remaining:
        # Overpayment: kept as a credit for the debtor, never lost (FACTS §3.2).
        result.append(Allocation(debt_ref=None, to_credit=remaining))
    return [a for a in result if a.total]


def _check_amount(amount_cents: int) -> None:
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise TypeError(f"amount_cents must be int cents, got {amount_cents!r}")
    if amount_cents < 0:
        raise ValueError(f"a payment cannot be negative ({amount_cents} cents)")


def _check_order(order: tuple[str, ...]) -> None:
    if len(order) != len(PARTS) or set(order) != set(PARTS):
        raise ValueError(
            f"order must be a permutation of {PARTS}, got {tuple(order)!r}",
        )


def _check_debts(debts: Sequence[Debt], designated_ref: str | None) -> None:
    refs = [d.ref for d in debts]
    duplicates = sorted({r for r in refs if refs.count(r) > 1})
    if duplicates:
        raise ValueError(f"duplicate debt refs: {', '.join(duplicates)}")
    if designated_ref is not None and designated_ref not in refs:
        raise ValueError(f"designated debt {designated_ref!r} is not among the debts")


def _is_due(debt: Debt, paid_on: date | None) -> bool:
    return paid_on is None or debt.due_date is None or debt.due_date <= paid_on


def _rank(debt: Debt, paid_on: date | None) -> tuple[bool, Decimal, bool, date]:
    """Sort key: a smaller key is paid first; equal keys are paid pro rata."""
    # C. civ. 1342-10 al. 2: due debts first ("d'abord sur les dettes échues"),
    # then the debt the debtor had most interest in paying (highest rate first),
    # then the oldest ("la plus ancienne": earliest due date; an undated debt cannot be
    # shown to be older, so it comes after the dated ones of the same rate).
    undated = debt.due_date is None
    return (
        not _is_due(debt, paid_on),
        -Decimal(debt.rate),
        undated,
        debt.due_date or date.min,
    )


def _ranked_groups(debts: Iterable[Debt], paid_on: date | None) -> list[list[Debt]]:
    """Debts with something outstanding, grouped by equal rank, best rank first."""
    groups: dict[tuple[bool, Decimal, bool, date], list[Debt]] = {}
    for debt in debts:
        if debt.outstanding_cents:
            groups.setdefault(_rank(debt, paid_on), []).append(debt)
    return [groups[key] for key in sorted(groups)]


def _shares(amount: int, group: Sequence[Debt]) -> dict[str, int]:
    """What each debt of a rank group receives: all it owes, or a pro-rata share."""
    owed = {d.ref: d.outstanding_cents for d in group}
    total = sum(owed.values())
    if amount >= total:
        return owed
    # C. civ. 1342-10 al. 2 in fine: "toutes choses égales, elle se fait
    # proportionnellement" — exact apportionment by largest remainder; equal remainders
    # are broken by ref so that the result does not depend on the input order.
    floors = {ref: amount * o // total for ref, o in owed.items()}
    remainders = {ref: amount * o % total for ref, o in owed.items()}
    missing = amount - sum(floors.values())
    for ref in sorted(owed, key=lambda r: (-remainders[r], r))[:missing]:
        floors[ref] += 1
    return floors


def _within_debt(debt: Debt, amount: int, order: tuple[str, ...]) -> Allocation:
    """Apply `amount` (at most what the debt owes) to its parts in `order`."""
    paid = split_within(amount, {name: debt.part(name) for name in PARTS}, order)
    return Allocation(
        debt_ref=debt.ref,
        to_fees=paid["fees"],
        to_interest=paid["interest"],
        to_principal=paid["principal"],
    )


def split_within(amount: int, owed: dict[str, int], order: tuple[str, ...]) -> dict[str, int]:
    """Split `amount` (at most the total owed) over the parts of one debt, in `order`."""
    # C. civ. 1343-1 al. 1: a partial payment goes to interest before principal; costs
    # first is a convention, not a text (FACTS §3.4), hence the configurable order.
    paid: dict[str, int] = {}
    remaining = amount
    for name in order:
        paid[name] = min(remaining, owed[name])
        remaining -= paid[name]
    return paid
