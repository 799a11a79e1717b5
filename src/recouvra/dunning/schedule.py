"""When a message may go out: letters on working days, SMS and calls in decent hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from recouvra.law.deadlines import is_working_day, public_holidays

from .models import LETTER_CHANNELS, Channel

DAY_STARTS, DAY_ENDS = time(8, 0), time(20, 0)  # SMS, calls and visits: 8:00 to 20:00
SUNDAY = 6
# channels that reach a person directly: never at night, on Sundays or public holidays
# (repeated or untimely contacts are aggressive practices, C. conso. L121-6)
PERSONAL_CHANNELS = frozenset((Channel.SMS, Channel.CALL, Channel.VISIT))


def not_before(channel: str, now: datetime) -> datetime:
    """The first moment from `now` (aware) when a message of `channel` may go out."""
    local = timezone.localtime(now)
    if channel in PERSONAL_CHANNELS:
        return _decent_hour(local)
    if channel in LETTER_CHANNELS:
        return _working_day(local)
    return now


def _decent_hour(local: datetime) -> datetime:
    day, moment = local.date(), local.time()
    if moment >= DAY_ENDS:
        day, moment = day + timedelta(days=1), DAY_STARTS
    elif moment < DAY_STARTS:
        moment = DAY_STARTS
    while _day_off(day):
        day, moment = day + timedelta(days=1), DAY_STARTS
    return _at(day, moment, local)


def _working_day(local: datetime) -> datetime:
    """Letters are posted on working days (Monday to Friday, not public holidays)."""
    day = local.date()
    if is_working_day(day):
        return local
    while not is_working_day(day):
        day += timedelta(days=1)
    return _at(day, DAY_STARTS, local)


def _day_off(day: date) -> bool:
    return day.weekday() == SUNDAY or day in public_holidays(day.year)


def _at(day: date, moment: time, like: datetime) -> datetime:
    if day == like.date() and moment == like.time():
        return like
    return timezone.make_aware(datetime.combine(day, moment), like.tzinfo)
