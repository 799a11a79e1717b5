"""Procedural time limits: CPC 640-642 counting and the French public holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.deadlines import (
    add_months,
    deadline,
    easter_sunday,
    is_working_day,
    next_working_day,
    public_holidays,
)

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


# ---------------------------------------------------------------- holidays (FACTS §12.2)


@pytest.mark.parametrize(
    ("year", "easter_monday", "ascension", "whit_monday"),
    [
        (2025, date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9)),
        (2026, date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)),
        (2027, date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)),
    ],
)
def test_it_knows_the_movable_holidays(year, easter_monday, ascension, whit_monday) -> None:
    for alsace_moselle in (False, True):
        found = public_holidays(year, alsace_moselle=alsace_moselle)
        assert {easter_monday, ascension, whit_monday} <= set(found)
    assert easter_sunday(year) == easter_monday - timedelta(days=1)


def test_it_lists_the_eleven_days_of_l3133_1() -> None:
    found = public_holidays(2026)
    assert len(found) == 11
    assert {date(2026, m, d) for m, d in [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15)]} <= set(found)
    assert {date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 25)} <= set(found)
    assert found[date(2026, 5, 25)] == "Lundi de Pentecôte"


def test_alsace_moselle_adds_good_friday_and_st_stephen() -> None:
    general = public_holidays(2027)
    local = public_holidays(2027, alsace_moselle=True)
    assert set(local) - set(general) == {date(2027, 3, 26), date(2027, 12, 26)}
    assert is_working_day(date(2027, 3, 26))
    assert not is_working_day(date(2027, 3, 26), alsace_moselle=True)


def test_it_returns_a_copy_of_the_cached_holidays() -> None:
    public_holidays(2026).clear()
    assert len(public_holidays(2026)) == 11


@given(st.integers(min_value=2008, max_value=2100), st.booleans())
def test_every_year_has_the_statutory_holidays(year, alsace_moselle) -> None:
    found = public_holidays(year, alsace_moselle=alsace_moselle)
    easter = easter_sunday(year)
    expected = {
        date(year, 1, 1),
        easter + timedelta(days=1),
        easter + timedelta(days=39),
        easter + timedelta(days=50),
        date(year, 5, 1),
        date(year, 5, 8),
        date(year, 7, 14),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }
    if alsace_moselle:
        expected |= {easter - timedelta(days=2), date(year, 12, 26)}
    assert set(found) == expected


# ---------------------------------------------------------------- add_months (CPC 641)


def test_add_months_keeps_the_day_number_or_takes_the_last_day() -> None:
    assert add_months(date(2026, 3, 31), 2) == date(2026, 5, 31)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


# ---------------------------------------------------------------- deadline (FACTS §12.3)


def test_one_month_ending_on_8_may_moves_to_monday() -> None:
    assert deadline(date(2026, 4, 8), months=1) == date(2026, 5, 11)


def test_two_months_from_31_march_end_on_31_may_then_monday() -> None:
    assert deadline(date(2026, 3, 31), months=2) == date(2026, 6, 1)


def test_eight_days_over_good_friday_depend_on_alsace_moselle() -> None:
    assert deadline(date(2027, 3, 18), days=8) == date(2027, 3, 26)
    assert deadline(date(2027, 3, 18), days=8, alsace_moselle=True) == date(2027, 3, 30)


def test_it_does_not_count_the_day_of_the_event() -> None:
    # Tue 3 Feb 2026 + 8 days = Wed 11 Feb 2026 (a working day, no move)
    assert deadline(date(2026, 2, 3), days=8) == date(2026, 2, 11)


def test_it_adds_months_before_days() -> None:
    # 30 Jan 2029 + 1 month = Wed 28 Feb, + 1 day = Thu 1 Mar 2029
    # (days first would give 31 Jan + 1 month = 28 Feb)
    assert deadline(date(2029, 1, 30), months=1, days=1) == date(2029, 3, 1)


def test_years_count_as_twelve_months() -> None:
    # 29 Feb 2024 + 1 year = Fri 28 Feb 2025
    assert deadline(date(2024, 2, 29), years=1) == date(2025, 2, 28)
    assert deadline(date(2024, 2, 29), years=1) == deadline(date(2024, 2, 29), months=12)


def test_it_refuses_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="negative"):
        deadline(date(2026, 1, 1), days=-1)


def test_next_working_day_skips_a_long_weekend() -> None:
    # Sat 23 May 2026 -> Sun 24 -> Whit Monday 25 -> Tue 26
    assert next_working_day(date(2026, 5, 23)) == date(2026, 5, 26)
    assert next_working_day(date(2026, 5, 26)) == date(2026, 5, 26)
    # Christmas Thu 25 Dec 2025: Fri 26 is a working day except in Alsace-Moselle
    assert next_working_day(date(2025, 12, 25)) == date(2025, 12, 26)
    assert next_working_day(date(2025, 12, 25), alsace_moselle=True) == date(2025, 12, 29)


# ---------------------------------------------------------------- properties


PERIODS = st.tuples(
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=36),
    st.integers(min_value=0, max_value=10),
)


@given(DAYS, PERIODS, st.booleans())
def test_the_deadline_is_never_before_the_raw_period(start, period, alsace_moselle) -> None:
    days, months, years = period
    raw = add_months(start, 12 * years + months) + timedelta(days=days)
    end = deadline(start, days=days, months=months, years=years, alsace_moselle=alsace_moselle)
    assert end >= raw
    # the extension is only over non-working days: never more than a long weekend
    assert (end - raw).days <= 4
    assert all(
        not is_working_day(raw + timedelta(days=n), alsace_moselle=alsace_moselle)
        for n in range((end - raw).days)
    )


@given(DAYS, PERIODS, st.booleans())
def test_the_deadline_is_always_a_working_day(start, period, alsace_moselle) -> None:
    days, months, years = period
    end = deadline(start, days=days, months=months, years=years, alsace_moselle=alsace_moselle)
    assert end.weekday() < 5
    assert end not in public_holidays(end.year, alsace_moselle=alsace_moselle)
    assert is_working_day(end, alsace_moselle=alsace_moselle)


@given(DAYS, st.booleans())
def test_a_working_day_is_its_own_next_working_day(day, alsace_moselle) -> None:
    moved = next_working_day(day, alsace_moselle=alsace_moselle)
    assert next_working_day(moved, alsace_moselle=alsace_moselle) == moved
    assert (moved == day) == is_working_day(day, alsace_moselle=alsace_moselle)
    assert deadline(moved, alsace_moselle=alsace_moselle) == moved


@given(DAYS)
def test_alsace_moselle_is_never_earlier(start) -> None:
    assert deadline(start, days=8, alsace_moselle=True) >= deadline(start, days=8)


@given(DAYS, st.integers(min_value=0, max_value=600))
def test_add_months_keeps_the_day_unless_the_month_is_too_short(start, months) -> None:
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


@given(DAYS, DAYS, st.integers(min_value=0, max_value=240))
def test_add_months_is_monotone(a, b, months) -> None:
    early, late = sorted((a, b))
    assert add_months(early, months) <= add_months(late, months)
