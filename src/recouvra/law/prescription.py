"""Prescription (limitation): the last day on which the creditor can still act.

Periods (thresholds.csv, `prescription_*_years`):

- commercial: 5 years, between traders or trader vs non-trader (C. com. L110-4);
- civil: 5 years (C. civ. 2224);
- consumer: 2 years, a professional's action for goods or services supplied to a
  consumer (C. conso. L218-2);
- title: 10 years, execution of a judgment or other enforceable title (CPCE L111-4).

The end is the same day number N years later (C. civ. 2228-2229, counted like CPC 641:
3 Feb 2020 + 5 years = 3 Feb 2025, the last day on which action is possible; 29 Feb ->
28 Feb). Whether CPC 642 also moves a prescription ending on a Saturday, Sunday or
holiday is unverified (FACTS.md §4.3): the raw date is returned and such a day is flagged.

Interruptions (C. civ. 2231: the time already run is erased and a new period of the same
length starts on the day of the interruption): the debtor's acknowledgement (2240: signed
acknowledgement, partial payment, payment plan, request for time), a court claim (2241,
including a requête en injonction de payer) and a conservatory measure or act of forced
execution (2244). A mise en demeure, a reminder, a call or an e-mail does not interrupt
(the list of 2240-2244 is exhaustive); they are accepted and ignored. An interruption
after the claim is already time-barred revives nothing.

Long stop (C. civ. 2232): an interruption cannot carry the end beyond 20 years from the
birth of the right, counted here from `start`, except an interruption by a court claim
(2241 al. 1) or by an enforcement act (2244), which 2232 al. 2 exempts. Not applied to
the 10-year period of an enforceable title (CPCE L111-4 is a separate regime).

Not modelled: suspension (2230, 2233-2239), the duration of a court claim's effect until
the proceedings end and its loss on withdrawal or rejection (2242-2243). Once a judgment
is obtained, compute a new `title` limitation from the day it became enforceable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .dates import dates_in_range
from .deadlines import add_months, is_working_day
from .tables import threshold_count

# kind -> (thresholds.csv name, article)
KINDS: dict[str, tuple[str, str]] = {
    "commercial": ("prescription_commercial_years", "C. com. L110-4"),
    "civil": ("prescription_civil_years", "C. civ. 2224"),
    "consumer": ("prescription_consumer_years", "C. conso. L218-2"),
    "title": ("prescription_enforceable_title_years", "CPCE L111-4"),
}

# interruption kind -> article; each restarts a full new period (C. civ. 2231)
INTERRUPTING: dict[str, str] = {
    "acknowledgement": "C. civ. 2240",
    "court_claim": "C. civ. 2241",
    "enforcement": "C. civ. 2244",
}
# accepted, recorded, but without effect on prescription (C. civ. 2240-2244 are exhaustive)
NO_EFFECT: frozenset[str] = frozenset({"formal_notice", "reminder", "call", "email"})
# C. civ. 2232 al. 2: the long stop does not cap these interruptions (2241 al. 1, 2244)
EXEMPT_FROM_LONG_STOP: frozenset[str] = frozenset({"court_claim", "enforcement"})

_LONG_STOP = "prescription_long_stop_years"
# same-day order: no-effect events first, then acknowledgement, then the exempt kinds
_SAME_DAY_RANK = {"acknowledgement": 1, "court_claim": 2, "enforcement": 2}


@dataclass(frozen=True)
class Interruption:
    """An event that may interrupt prescription: `kind` is one of INTERRUPTING or NO_EFFECT."""

    on: date
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in INTERRUPTING and self.kind not in NO_EFFECT:
            known = ", ".join(sorted([*INTERRUPTING, *NO_EFFECT]))
            raise ValueError(f"unknown interruption kind {self.kind!r} (expected one of {known})")

    @property
    def interrupts(self) -> bool:
        return self.kind in INTERRUPTING


@dataclass(frozen=True)
class Limitation:
    """The end of a prescription period and how it was reached."""

    ends_on: date  # last day on which action is still possible (raw, not moved by CPC 642)
    kind: str
    years: int
    restarted_by: Interruption | None  # the interruption that started the last period
    ends_on_non_working_day: bool  # CPC 642 may or may not extend it: unverified
    long_stop_applied: bool  # C. civ. 2232 cut the end short


def period_years(kind: str) -> int:
    """The length of a prescription period of `kind`, in years (thresholds.csv)."""
    if kind not in KINDS:
        raise ValueError(f"unknown prescription kind {kind!r} (expected one of {', '.join(KINDS)})")
    return threshold_count(KINDS[kind][0])


def _sorted_interruptions(interruptions: Iterable[Interruption]) -> list[Interruption]:
    items = list(interruptions)
    for item in items:
        if not isinstance(item, Interruption):
            raise TypeError(f"expected an Interruption, not {type(item).__name__}")
    return sorted(items, key=lambda i: (i.on, _SAME_DAY_RANK.get(i.kind, 0)))


@dates_in_range
def limitation(
    start: date,
    *,
    kind: str,
    interruptions: Iterable[Interruption] = (),
    alsace_moselle: bool = False,
) -> Limitation:
    """The end of the prescription of a claim whose period started on `start`.

    `start` is the starting point chosen by the caller (C. civ. 2224, 2233: not before
    the due date; see FACTS.md §4.2). `alsace_moselle` only affects the non-working-day
    flag.
    """
    years = period_years(kind)
    capped = kind != "title"  # CPCE L111-4: the title period is outside C. civ. 2232
    long_stop = add_months(start, 12 * threshold_count(_LONG_STOP))
    # C. civ. 2228-2229 (counted as CPC 641): the same day number N years later
    ends_on = add_months(start, 12 * years)
    period_start = start
    restarted_by: Interruption | None = None
    long_stop_applied = False
    for event in _sorted_interruptions(interruptions):
        if not event.interrupts:
            continue  # C. civ. 2240-2244: a mise en demeure or reminder does not interrupt
        if event.on < period_start:
            continue  # before the start: prescription was not running yet
        if event.on > ends_on:
            break  # already time-barred: a later act revives nothing (sorted by date)
        # C. civ. 2231: the interruption starts a new period of the same length
        new_end = add_months(event.on, 12 * years)
        if capped and event.kind not in EXEMPT_FROM_LONG_STOP:
            # C. civ. 2232: not beyond 20 years from the birth of the right, unless an
            # exempt interruption (2241 al. 1, 2244) already carried the end further
            limit = max(long_stop, ends_on)
            long_stop_applied = new_end > limit
            new_end = min(new_end, limit)
        else:
            long_stop_applied = False
        period_start, ends_on, restarted_by = event.on, new_end, event
    return Limitation(
        ends_on=ends_on,
        kind=kind,
        years=years,
        restarted_by=restarted_by,
        # FACTS §4.3: whether CPC 642 extends prescription is unverified -> flag only
        ends_on_non_working_day=not is_working_day(ends_on, alsace_moselle=alsace_moselle),
        long_stop_applied=long_stop_applied,
    )


def limitation_date(
    start: date,
    *,
    kind: str,
    interruptions: Iterable[Interruption] = (),
    alsace_moselle: bool = False,
) -> date:
    """The last day on which action is still possible (see `limitation`)."""
    return limitation(
        start, kind=kind, interruptions=interruptions, alsace_moselle=alsace_moselle
    ).ends_on


def is_time_barred(
    start: date,
    on: date,
    *,
    kind: str,
    interruptions: Iterable[Interruption] = (),
) -> bool:
    """True when, on day `on`, the claim is prescribed (the last day has passed).

    Interruptions dated after `on` cannot change the answer: they either come after the
    end (no effect) or fall within a period that is still running on `on`.
    """
    return on > limitation_date(start, kind=kind, interruptions=interruptions)
