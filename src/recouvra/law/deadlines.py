"""Procedural time limits: counting days, months and years, and the working-day rule.

Code de procédure civile:

- 640: a time limit runs from the act, event, decision or notification that triggers it.
- 641: a limit in days does not count the day of the triggering event (start + days).
  A limit in months or years ends on the day of the last month or year that bears the
  same number as the starting day; when that month has no such day (31st, 29 Feb) it
  ends on the last day of the month. Months and days together: months first, then days.
- 642: every limit ends at midnight on its last day; a limit that would end on a
  Saturday, a Sunday, a public holiday or a non-working day is extended to the next
  working day.

Public holidays are those of Code du travail L3133-1 (11 days); Alsace-Moselle
(Bas-Rhin, Haut-Rhin, Moselle) adds Good Friday and 26 December (L3134-13). The
`holidays` package provides them; from 2008 (L3133-1 in its current numbering) the
statutory list is re-checked here and any missing day is added from the rule, so a
change in the package cannot silently drop one. Earlier years use the package's
historical list as it is (e.g. it leaves out Whit Monday in 2005-2007).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

from .dates import dates_in_range

# holidays.France subdivision for Alsace-Moselle: "57" (Moselle) and "6AE" (Alsace) both
# give Good Friday and 26 Dec in holidays 0.109; the two are re-checked below anyway.
_ALSACE_MOSELLE_SUBDIV = "57"
_SATURDAY = 5
_STATUTORY_LIST_SINCE = 2008  # C. trav. L3133-1 (recodification in force 1 May 2008)


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months with the same day number.

    CPC 641: when the target month has no day with that number (31st, 29-30 Feb), the
    result is the last day of the month: 31 Mar + 2 months = 31 May, 31 Jan + 1 month =
    28 (or 29) Feb, 29 Feb + 12 months = 28 Feb. `months` may be negative. No working-day
    adjustment here: see `deadline` for that.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    # CPC 641: no such day in the target month -> last day of that month
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _statutory_days(year: int, *, alsace_moselle: bool) -> dict[date, str]:
    """The days the statutes list, computed from the rule (used to complete the package)."""
    easter = easter_sunday(year)
    # C. trav. L3133-1: the 11 public holidays
    days = {
        date(year, 1, 1): "Jour de l'an",
        easter + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Fête de la Victoire",
        easter + timedelta(days=39): "Ascension",
        easter + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice",
        date(year, 12, 25): "Noël",
    }
    if alsace_moselle:
        # C. trav. L3134-13: Good Friday and 26 December in Bas-Rhin, Haut-Rhin, Moselle
        days[easter - timedelta(days=2)] = "Vendredi saint"
        days[date(year, 12, 26)] = "Saint-Étienne"
    return days


@cache
def _holidays_for(year: int, alsace_moselle: bool) -> dict[date, str]:
    subdiv = _ALSACE_MOSELLE_SUBDIV if alsace_moselle else None
    found = dict(holidays.France(years=year, subdiv=subdiv, language="fr").items())
    if year >= _STATUTORY_LIST_SINCE:
        for day, name in _statutory_days(year, alsace_moselle=alsace_moselle).items():
            found.setdefault(day, name)  # the package may lack one: add it from the rule
    return dict(sorted(found.items()))


def public_holidays(year: int, *, alsace_moselle: bool = False) -> dict[date, str]:
    """French public holidays of `year` (C. trav. L3133-1; + L3134-13 in Alsace-Moselle).

    Keys are dates, values French names; two holidays on the same day (e.g. Ascension
    on 1 May 2008) are one entry. Cached per year; the caller gets its own copy.
    """
    return dict(_holidays_for(year, alsace_moselle))


def is_working_day(day: date, *, alsace_moselle: bool = False) -> bool:
    """False on Saturdays, Sundays and public holidays (CPC 642)."""
    if day.weekday() >= _SATURDAY:
        return False
    return day not in _holidays_for(day.year, alsace_moselle)


def next_working_day(day: date, *, alsace_moselle: bool = False) -> date:
    """`day` itself if it is a working day, otherwise the first working day after it."""
    while not is_working_day(day, alsace_moselle=alsace_moselle):
        day += timedelta(days=1)
    return day


@dates_in_range
def raw_deadline(start: date, *, days: int = 0, months: int = 0, years: int = 0) -> date:
    """The end of a time limit before any extension to a working day (CPC 641)."""
    if days < 0 or months < 0 or years < 0:
        raise ValueError("a time limit cannot be negative")
    # CPC 641: months and years first, same day number (or the last day of the month),
    # then days; the day of the triggering event is not counted
    return add_months(start, years * 12 + months) + timedelta(days=days)


@dates_in_range
def deadline(
    start: date,
    *,
    days: int = 0,
    months: int = 0,
    years: int = 0,
    alsace_moselle: bool = False,
) -> date:
    """The last day of a procedural time limit running from `start` (CPC 640-642).

    Example: 1 month from 8 Apr 2026 -> 8 May 2026 (a holiday, a Friday) -> 11 May 2026.
    """
    end = raw_deadline(start, days=days, months=months, years=years)
    # CPC 642: a limit ending on a Saturday, Sunday or holiday moves to the next working day
    return next_working_day(end, alsace_moselle=alsace_moselle)
