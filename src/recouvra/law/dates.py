"""The range of dates the engine computes with, and the one error for a date outside it.

Why 1900-01-01 .. 2199-12-31: no claim, payment or act a collection platform handles
predates 1900 (the rate tables start in 2007; earlier periods are reported as missing
rates), and the engine adds at most a few decades to an input date (the 20-year long
stop of C. civ. 2232, 30 years in the calculator, prescription restarted by interruptions),
so every date it derives from an input within the range stays far inside Python's
calendar (year 9999) and the databases'. Outside it, date arithmetic overflows
(OverflowError, ValueError "year 10000 is out of range"): callers get DateOutOfRange, a
ValueError with a French message, instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import ParamSpec, TypeVar

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)

P = ParamSpec("P")
R = TypeVar("R")


class DateOutOfRange(ValueError):
    """A date outside MIN_DATE..MAX_DATE, or a computation that would leave the calendar."""

    def __init__(self, day: date | None = None) -> None:
        self.day = day
        shown = f"{day.isoformat()} " if day else ""
        super().__init__(f"date {shown}outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}")

    @property
    def message_fr(self) -> str:
        """What to tell a French user."""
        bounds = f"du {french(MIN_DATE)} au {french(MAX_DATE)}"
        if self.day is None:
            return f"Calcul impossible : il sortirait du calendrier (dates acceptées {bounds})."
        return f"Date hors limites : {french(self.day)} ; les dates acceptées vont {bounds}."


def french(day: date) -> str:
    """dd/mm/yyyy with four digits for any year (strftime writes year 1 as "1")."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def check_date(day: date) -> date:
    """`day` itself when within MIN_DATE..MAX_DATE; DateOutOfRange otherwise."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise DateOutOfRange(day)
    return day


def check_dates(days: Iterable[date | None]) -> None:
    for day in days:
        if day is not None:
            check_date(day)


def dates_in_range(function: Callable[P, R]) -> Callable[P, R]:
    """Refuse a date argument outside the range before computing, and turn an overflow of
    the date arithmetic inside `function` into DateOutOfRange."""

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        check_dates(value for value in (*args, *kwargs.values()) if isinstance(value, date))
        try:
            return function(*args, **kwargs)
        except OverflowError as exc:
            raise DateOutOfRange() from exc

    return checked
