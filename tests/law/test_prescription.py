"""Prescription: periods, interruptions, the 20-year long stop (FACTS.md §4)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvra.law.deadlines import add_months
from recouvra.law.prescription import (
    Interruption,
    is_time_barred,
    limitation,
    limitation_date,
    period_years,
)


@pytest.mark.parametrize(
    ("kind", "years", "ends_on"),
    [
        ("commercial", 5, date(2025, 2, 3)),
        ("civil", 5, date(2025, 2, 3)),
        ("consumer", 2, date(2022, 2, 3)),
        ("title", 10, date(2030, 2, 3)),
    ],
)
def test_each_kind_has_its_period(kind, years, ends_on) -> None:
    assert period_years(kind) == years
    assert limitation_date(date(2020, 2, 3), kind=kind) == ends_on


def test_the_facts_example_ends_on_the_same_day_number() -> None:
    # FACTS §4.3: a 5-year period starting on 3 Feb 2020 ends on 3 Feb 2025
    result = limitation(date(2020, 2, 3), kind="commercial")
    assert result.ends_on == date(2025, 2, 3)
    assert result.years == 5
    assert result.restarted_by is None
    assert result.long_stop_applied is False
    assert result.ends_on_non_working_day is False  # Monday


def test_it_is_time_barred_the_day_after_the_end_only() -> None:
    start = date(2020, 2, 3)
    assert not is_time_barred(start, date(2025, 2, 3), kind="civil")
    assert is_time_barred(start, date(2025, 2, 4), kind="civil")


def test_a_29_february_start_ends_on_28_february() -> None:
    assert limitation_date(date(2024, 2, 29), kind="consumer") == date(2026, 2, 28)
    assert limitation_date(date(2024, 2, 29), kind="civil") == date(2029, 2, 28)
    assert limitation_date(date(2024, 2, 29), kind="commercial") == date(2029, 2, 28)


def test_it_flags_an_end_on_a_non_working_day_without_moving_it() -> None:
    # 14 Jul 2024 + 2 years = Tue 14 Jul 2026 (Fête nationale)
    result = limitation(date(2024, 7, 14), kind="consumer")
    assert result.ends_on == date(2026, 7, 14)
    assert result.ends_on_non_working_day is True
    # Sat 7 Mar 2026
    assert limitation(date(2021, 3, 7), kind="civil").ends_on_non_working_day is True


def test_the_alsace_moselle_flag_sees_good_friday() -> None:
    # 26 Mar 2027 is Good Friday
    assert not limitation(date(2025, 3, 26), kind="consumer").ends_on_non_working_day
    local = limitation(date(2025, 3, 26), kind="consumer", alsace_moselle=True)
    assert local.ends_on_non_working_day


def test_an_acknowledgement_restarts_a_full_period_of_the_same_length() -> None:
    # C. civ. 2240 + 2231: consumer claim, partial payment on 10 Jan 2023 -> 2 years again
    payment = Interruption(date(2023, 1, 10), "acknowledgement")
    result = limitation(date(2021, 6, 1), kind="consumer", interruptions=[payment])
    assert result.ends_on == date(2025, 1, 10)
    assert result.restarted_by == payment
    assert result.years == 2


def test_a_court_claim_and_an_enforcement_act_interrupt() -> None:
    start = date(2020, 2, 3)
    claim = Interruption(date(2024, 9, 30), "court_claim")
    assert limitation_date(start, kind="commercial", interruptions=[claim]) == date(2029, 9, 30)
    seizure = Interruption(date(2029, 5, 31), "enforcement")
    assert limitation_date(start, kind="title", interruptions=[seizure]) == date(2039, 5, 31)


@pytest.mark.parametrize("kind", ["formal_notice", "reminder", "call", "email"])
def test_a_formal_notice_or_reminder_does_not_interrupt(kind) -> None:
    # C. civ. 2240-2244 exhaustive; FACTS §4.5: even a mise en demeure by LRAR
    notice = Interruption(date(2024, 12, 1), kind)
    result = limitation(date(2020, 2, 3), kind="civil", interruptions=[notice])
    assert result.ends_on == date(2025, 2, 3)
    assert result.restarted_by is None


def test_an_interruption_after_expiry_revives_nothing() -> None:
    late = Interruption(date(2025, 2, 4), "acknowledgement")
    result = limitation(date(2020, 2, 3), kind="civil", interruptions=[late])
    assert result.ends_on == date(2025, 2, 3)
    assert result.restarted_by is None
    assert is_time_barred(date(2020, 2, 3), date(2025, 3, 1), kind="civil", interruptions=[late])


def test_an_interruption_on_the_last_day_still_counts() -> None:
    last_day = Interruption(date(2025, 2, 3), "court_claim")
    assert limitation_date(date(2020, 2, 3), kind="civil", interruptions=[last_day]) == date(
        2030, 2, 3
    )


def test_interruptions_are_taken_in_date_order() -> None:
    first = Interruption(date(2021, 5, 1), "acknowledgement")
    second = Interruption(date(2023, 4, 1), "acknowledgement")
    # given out of order: second extends the period restarted by first (ends 1 May 2023)
    result = limitation(date(2020, 1, 1), kind="consumer", interruptions=[second, first])
    assert result.ends_on == date(2025, 4, 1)
    assert result.restarted_by == second


def test_an_interruption_before_the_start_is_ignored() -> None:
    early = Interruption(date(2019, 12, 1), "acknowledgement")
    assert limitation_date(date(2020, 2, 3), kind="civil", interruptions=[early]) == date(
        2025, 2, 3
    )


def test_the_long_stop_caps_repeated_acknowledgements_at_twenty_years() -> None:
    # C. civ. 2232: acknowledgements every 4 years cannot carry a civil claim past 20 years
    start = date(2000, 3, 15)
    acks = [Interruption(date(2000 + 4 * n, 3, 1), "acknowledgement") for n in range(1, 6)]
    result = limitation(start, kind="civil", interruptions=acks)
    assert result.ends_on == date(2020, 3, 15)
    assert result.long_stop_applied is True
    assert result.restarted_by == acks[-1]
    # one acknowledgement fewer: 1 Mar 2016 + 5 years = 1 Mar 2021 > 15 Mar 2020, still capped
    assert limitation(start, kind="civil", interruptions=acks[:-1]).ends_on == date(2020, 3, 15)
    # two fewer: 1 Mar 2012 + 5 = 1 Mar 2017, under the cap
    uncapped = limitation(start, kind="civil", interruptions=acks[:3])
    assert uncapped.ends_on == date(2017, 3, 1)
    assert uncapped.long_stop_applied is False


def test_court_claims_and_enforcement_escape_the_long_stop() -> None:
    # C. civ. 2232 al. 2: the cap does not apply to 2241 al. 1 and 2244
    start = date(2000, 3, 15)
    acks = [Interruption(date(2000 + 4 * n, 3, 1), "acknowledgement") for n in range(1, 5)]
    claim = Interruption(date(2019, 6, 1), "court_claim")
    result = limitation(start, kind="civil", interruptions=[*acks, claim])
    assert result.ends_on == date(2024, 6, 1)
    assert result.long_stop_applied is False
    # a later acknowledgement cannot extend beyond what the court claim reached
    ack = Interruption(date(2023, 1, 1), "acknowledgement")
    after = limitation(start, kind="civil", interruptions=[*acks, claim, ack])
    assert after.ends_on == date(2024, 6, 1)
    assert after.long_stop_applied is True


def test_the_long_stop_does_not_apply_to_a_title() -> None:
    start = date(2000, 3, 15)
    acks = [Interruption(date(2000 + 8 * n, 3, 1), "acknowledgement") for n in range(1, 3)]
    result = limitation(start, kind="title", interruptions=acks)
    assert result.ends_on == date(2026, 3, 1)
    assert result.long_stop_applied is False


def test_an_unknown_kind_is_refused_with_the_list_of_kinds() -> None:
    with pytest.raises(ValueError, match="unknown prescription kind 'tax'.*consumer"):
        limitation_date(date(2020, 1, 1), kind="tax")
    with pytest.raises(ValueError, match="unknown interruption kind 'letter'"):
        Interruption(date(2020, 1, 1), "letter")
    with pytest.raises(TypeError):
        limitation_date(date(2020, 1, 1), kind="civil", interruptions=[date(2021, 1, 1)])


# ---------------------------------------------------------------- properties

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
KINDS = st.sampled_from(["commercial", "civil", "consumer", "title"])
EVENTS = st.lists(
    st.builds(
        Interruption,
        on=DAYS,
        kind=st.sampled_from(
            ["acknowledgement", "court_claim", "enforcement", "formal_notice", "reminder"]
        ),
    ),
    max_size=6,
)


@given(DAYS, KINDS, EVENTS)
def test_interruptions_never_shorten_the_period(start, kind, events) -> None:
    plain = limitation_date(start, kind=kind)
    assert limitation_date(start, kind=kind, interruptions=events) >= plain


@given(DAYS, KINDS, EVENTS)
def test_no_effect_events_change_nothing(start, kind, events) -> None:
    kept = [e for e in events if e.kind in {"acknowledgement", "court_claim", "enforcement"}]
    assert limitation(start, kind=kind, interruptions=events) == limitation(
        start, kind=kind, interruptions=kept
    )


@given(DAYS, KINDS, EVENTS)
def test_the_end_follows_the_last_restart(start, kind, events) -> None:
    result = limitation(start, kind=kind, interruptions=events)
    if result.restarted_by is None:
        assert result.ends_on == limitation_date(start, kind=kind)
    else:
        assert result.restarted_by in events
        assert result.restarted_by.on <= result.ends_on
    if kind != "title" and not any(e.kind in {"court_claim", "enforcement"} for e in events):
        # C. civ. 2232: without an exempt interruption, never beyond 20 years from start
        assert result.ends_on <= add_months(start, 240)
