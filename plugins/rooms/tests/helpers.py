"""Times for the meeting-rooms tests."""

from __future__ import annotations

import datetime as dt

from core.api import BANGKOK, local_today

# Service tests pin the clock: Monday 22 February 2027, 09:00 in Bangkok. 1 March 2027 is a Monday.
NOW_LOCAL = dt.datetime(2027, 2, 22, 9, 0, tzinfo=BANGKOK)
NOW = NOW_LOCAL.astimezone(dt.timezone.utc).replace(tzinfo=None)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    """A Bangkok time in 2027."""
    return dt.datetime(2027, month, day, hour, minute, tzinfo=BANGKOK)


def next_weekday(days_ahead: int = 7) -> dt.date:
    """A Monday-to-Thursday some days from the real today (for pages, which use the real clock)."""
    day = local_today() + dt.timedelta(days=days_ahead)
    while day.weekday() > 3:
        day += dt.timedelta(days=1)
    return day
