"""Payment plans (échéanciers): the schedule of instalments that pays a balance to the cent.

A plan is agreed from a balance: an optional down payment (due on the first date), then
instalments every week, month or quarter, chosen by their number or by their amount; the
first ones may be lowered for a while (a temporary reduction). Whatever the terms, the
instalments sum to the balance exactly, each is at least one cent, and their dates rise.

A grace period a judge grants (C. civ. 1343-5) cannot exceed two years: `beyond_court_grace`
says when a schedule runs longer, so that the agreement can say it is an amicable plan, not
a court-granted delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .dates import DateOutOfRange, check_date
from .deadlines import add_months
from .money import check_cents

MAX_INSTALMENTS = 240  # twenty years of months: far beyond any plan a creditor accepts
COURT_GRACE_MONTHS = 24  # C. civ. 1343-5: a judge may postpone or stagger up to two years


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class PlanError(ValueError):
    """Terms that cannot make a plan; the message is for a French user."""


@dataclass(frozen=True)
class Terms:
    """What is agreed. Exactly one of `count` (how many instalments after the down
    payment, the reduced ones included) and `amount_cents` (the usual instalment)."""

    balance_cents: int
    first_on: date
    frequency: Frequency = Frequency.MONTHLY
    count: int | None = None
    amount_cents: int | None = None
    down_payment_cents: int = 0
    reduced_count: int = 0  # the first instalments lowered to reduced_amount_cents
    reduced_amount_cents: int = 0


@dataclass(frozen=True)
class Instalment:
    number: int  # 0 for the down payment, then 1, 2…
    due_on: date
    amount_cents: int
    reduced: bool = False

    @property
    def is_down_payment(self) -> bool:
        return self.number == 0


def schedule(terms: Terms) -> list[Instalment]:
    """The instalments of a plan, in date order; PlanError when the terms cannot pay the
    balance (a down payment above it, a reduced phase that pays it all, no instalment)."""
    _check(terms)
    rest = terms.balance_cents - terms.down_payment_cents
    reduced = [terms.reduced_amount_cents] * terms.reduced_count
    rest -= sum(reduced)
    if terms.count is not None:
        usual = _split(rest, terms.count - terms.reduced_count)
    else:
        assert terms.amount_cents is not None
        usual = _by_amount(rest, terms.amount_cents)
    if len(reduced) + len(usual) > MAX_INSTALMENTS:
        raise PlanError(f"Au plus {MAX_INSTALMENTS} échéances par échéancier.")
    found = []
    if terms.down_payment_cents:
        found.append(Instalment(0, terms.first_on, terms.down_payment_cents))
    start = 1 if terms.down_payment_cents else 0
    for index, cents in enumerate(reduced + usual):
        due_on = due_date(terms.first_on, terms.frequency, start + index)
        found.append(Instalment(index + 1, due_on, cents, reduced=index < len(reduced)))
    return found


def due_date(first_on: date, frequency: Frequency, periods: int) -> date:
    """`periods` periods after `first_on`; a monthly date keeps its day, or the month's last
    day when the month is shorter (31 January, 28 February, 31 March)."""
    if frequency == Frequency.WEEKLY:
        return check_date(first_on + timedelta(weeks=periods))
    months = periods * (3 if frequency == Frequency.QUARTERLY else 1)
    if first_on.year + months // 12 + 1 > 9999:  # Python's calendar would overflow
        raise DateOutOfRange()
    return check_date(add_months(first_on, months))


def beyond_court_grace(instalments: list[Instalment]) -> bool:
    """True when the schedule runs past the two years a judge may grant (C. civ. 1343-5),
    counted from its first due date."""
    if not instalments:
        return False
    first, last = instalments[0].due_on, instalments[-1].due_on
    return last > due_date(first, Frequency.MONTHLY, COURT_GRACE_MONTHS)


def _split(cents: int, count: int) -> list[int]:
    """`count` amounts summing to `cents`, none differing from another by more than a cent
    (the odd cents go to the first ones)."""
    if count < 1:
        raise PlanError("Il faut au moins une échéance après les échéances réduites.")
    if cents < count:
        raise PlanError("Trop d'échéances pour ce solde : chacune doit être d'au moins 1 centime.")
    base, odd = divmod(cents, count)
    return [base + 1] * odd + [base] * (count - odd)


def _by_amount(cents: int, amount: int) -> list[int]:
    """Instalments of `amount`, the last one smaller when the rest is not a multiple."""
    whole, last = divmod(cents, amount)
    if whole + bool(last) > MAX_INSTALMENTS:  # refused before a list of that size is made
        raise PlanError(f"Au plus {MAX_INSTALMENTS} échéances par échéancier.")
    return [amount] * whole + ([last] if last else [])


def _check(terms: Terms) -> None:
    check_date(terms.first_on)
    for value in (terms.balance_cents, terms.down_payment_cents, terms.reduced_amount_cents):
        check_cents(value)
    if terms.balance_cents <= 0:
        raise PlanError("Le solde à échelonner doit être positif.")
    if (terms.count is None) == (terms.amount_cents is None):
        raise PlanError("Indiquez soit le nombre d'échéances, soit le montant d'une échéance.")
    if terms.count is not None and not 1 <= terms.count <= MAX_INSTALMENTS:
        raise PlanError(f"Le nombre d'échéances va de 1 à {MAX_INSTALMENTS}.")
    if terms.amount_cents is not None and terms.amount_cents <= 0:
        raise PlanError("Le montant d'une échéance doit être positif.")
    if terms.amount_cents is not None:
        check_cents(terms.amount_cents)
    if not 0 <= terms.down_payment_cents < terms.balance_cents:
        raise PlanError("L'acompte doit être inférieur au solde (et non négatif).")
    if terms.reduced_count < 0 or (terms.reduced_count > 0) != (terms.reduced_amount_cents > 0):
        raise PlanError("Une réduction temporaire a un nombre d'échéances et un montant.")
    reduced_total = terms.reduced_count * terms.reduced_amount_cents
    if reduced_total >= terms.balance_cents - terms.down_payment_cents:
        raise PlanError("Les échéances réduites paieraient tout le solde : réduisez-les.")
    if terms.amount_cents is not None and terms.reduced_amount_cents >= terms.amount_cents > 0:
        raise PlanError("Une échéance réduite doit être inférieure à l'échéance habituelle.")
