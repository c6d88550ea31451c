"""The rules of meeting rooms: who may book what and when, approvals, waiting lists, calendars, statistics.

Times come in as Bangkok wall-clock datetimes (aware, or naive read as Bangkok)
and are stored as naive UTC in core's booking guard, which alone decides
whether a time is taken: confirmed reservations of one room never overlap,
also when two approvers press "approve" in the same second.

This package is the module's public surface: its error, the values its
commands take and return, and (re-exported at the end) the commands and
queries of each feature module. Who commits: a command that changes bookings
(booking, series, decisions, closures, waiting list) holds core's booking
guard locks and so owns its transaction: it checks everything it can first,
then writes and commits (``checks._change``); the reminder job commits booking
by booking. Every other command (rooms, feed tokens) flushes and its caller
(view, CLI, demo) commits. A refusal raises RoomError (a message in
the reader's language) and leaves the database as it was. No Flask request
objects here: views pass in what they read.

    access       who may book which room, change or cancel a booking (SQL filters)
    rooms        the rooms themselves
    checks       checking a request; the guarded transaction
    bookings     booking, changing and cancelling one meeting; a person's bookings
    series       recurring meetings
    decisions    the approval side: core approvals' outcome, deciding, what waits for whom
    closures     closing a room for a while
    watches      waiting for a taken time to free up
    calendars    day, week and month grids; finding a free room
    reminders    the day-before reminder (cron)
    feeds        iCalendar feeds
    stats        usage statistics
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# bangkok_at as at: rooms' pages and demo say services.at
from core.api import (
    BANGKOK, BOOKING_CONFIRMED as CONFIRMED, BOOKING_PENDING as PENDING, Refused, bangkok_at as at, calendar,
    stored_day_range as day_range, utcnow,
)
from plugins.rooms import PLUGIN_ID
from plugins.rooms.models import Booking
from plugins.rooms.permissions import APPROVE

MODULE = PLUGIN_ID
KIND_BOOKING, KIND_SERIES = "booking", "series"
STEP_MINUTES = 15
OPEN_STATUSES = (PENDING, CONFIRMED)
# Deciding a room request needs this on every path: this module's buttons and core's /approvals page alike.
DECIDE_PERMISSION = APPROVE

EQUIPMENT = {
    "projector": _l("Projector"),
    "video_conference": _l("Video conference"),
    "microphones": _l("Microphones"),
    "tv": _l("TV screen"),
    "sound_system": _l("Sound system"),
    "whiteboard": _l("Whiteboard"),
}

EVENT_CANCELLED = f"{PLUGIN_ID}.booking_cancelled"
EVENT_SLOT_FREED = f"{PLUGIN_ID}.slot_freed"
EVENT_REMINDER = f"{PLUGIN_ID}.reminder"
EVENT_REQUEST_CLOSED = f"{PLUGIN_ID}.request_closed"  # a pending request refused: its time went to another meeting or passed


class RoomError(Refused):
    """A booking or room change the rules refuse; str() is the reason in the reader's language.

    ``conflicts`` are the reservations in the way and ``dates`` the dates of a
    recurring booking that clash, when that is the reason.
    """

    def __init__(self, message, conflicts=None, dates=None, field=None):
        super().__init__(message, field=field)
        self.conflicts = list(conflicts or [])
        self.dates = list(dates or [])


@dataclass
class BookingDetails:
    """What a booking says about the meeting, apart from room and time."""

    title: str
    purpose: str = ""
    chair: str = ""
    attendees: int = 1
    equipment: list[str] = field(default_factory=list)
    refreshments: str = ""
    group_ids: list[int] = field(default_factory=list)
    letter_id: int | None = None

    def cleaned(self) -> BookingDetails:
        title = (self.title or "").strip()
        if not title:
            raise RoomError(_l("Give the meeting a title."))
        if self.attendees is None or self.attendees < 1:
            raise RoomError(_l("At least one person attends a meeting."))
        unknown = set(self.equipment or ()) - set(EQUIPMENT)
        if unknown:
            raise RoomError(_l("Unknown equipment: %(codes)s", codes=", ".join(sorted(unknown))))
        return BookingDetails(
            title=title[:255], purpose=(self.purpose or "").strip(), chair=(self.chair or "").strip()[:200],
            attendees=int(self.attendees), equipment=sorted(set(self.equipment or ())),
            refreshments=(self.refreshments or "").strip(), group_ids=sorted({int(i) for i in self.group_ids or ()}),
            letter_id=self.letter_id or None,
        )


@dataclass
class SeriesOutcome:
    """What a recurring booking made: the bookings, and the dates left out (taken, or days off)."""

    bookings: list[Booking]
    conflicting_dates: list[dt.date]
    skipped_dates: list[dt.date]


# --- time -------------------------------------------------------------------------------


class _Day:
    """A date inside a lazy message, written in the reader's language when the message is shown."""

    def __init__(self, day: dt.date):
        self.day = day

    def __str__(self) -> str:
        from core.api import current_locale

        return calendar.format_date(self.day, "long", current_locale())


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) or aware time as Bangkok wall-clock time."""
    return calendar.to_local(moment)


def as_bangkok(moment: dt.datetime) -> dt.datetime:
    """Aware Bangkok time; a naive input is read as Bangkok wall-clock time (what people type)."""
    return moment.replace(tzinfo=BANGKOK) if moment.tzinfo is None else moment.astimezone(BANGKOK)


def utc(moment: dt.datetime) -> dt.datetime:
    """Naive UTC, as stored."""
    return as_bangkok(moment).astimezone(dt.timezone.utc).replace(tzinfo=None)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or utcnow()


# The feature modules import the error, values and helpers above, so they come last.
from plugins.rooms.services.access import (  # noqa: E402
    bookable_rooms, is_manager, may_book, may_cancel, may_change,
)
from plugins.rooms.services.bookings import (  # noqa: E402
    bookings_of, cancel_booking, edit_booking, person_left, record_past_booking, request_booking, upcoming_of,
)
from plugins.rooms.services.calendars import (  # noqa: E402
    Cell, DaySchedule, Entry, Found, GridCell, GridRow, MonthSchedule, Slot, WeekSchedule, cell_of, day_schedule,
    entries_between, find_rooms, month_schedule, slots, week_schedule, week_start,
)
from plugins.rooms.services.checks import open_bookings_of, resource  # noqa: E402
from plugins.rooms.services.closures import block_room, current_blocks, unblock  # noqa: E402
from plugins.rooms.services.decisions import (  # noqa: E402
    Waiting, approval_history, approval_of, approver_may_decide, close_stale_requests, decide, reroute_requests, waiting_count, waiting_count_query,
    waiting_for,
)
from plugins.rooms.services.overlaps import competing_requests, requested_already  # noqa: E402
from plugins.rooms.services.feeds import (  # noqa: E402
    feed_bookings, feed_token_of, ics, new_feed_token, person_for_feed, revoke_feed_token,
)
from plugins.rooms.services.reminders import send_reminders  # noqa: E402
from plugins.rooms.services.rooms import RoomFields, all_rooms, save_room  # noqa: E402
from plugins.rooms.services.series import cancel_series, request_series, series_bookings  # noqa: E402
from plugins.rooms.services.stats import Usage, usage  # noqa: E402
from plugins.rooms.services.watches import watch_slot  # noqa: E402

__all__ = [
    "DECIDE_PERMISSION", "EQUIPMENT", "EVENT_CANCELLED", "EVENT_REMINDER", "EVENT_REQUEST_CLOSED", "EVENT_SLOT_FREED",
    "KIND_BOOKING", "KIND_SERIES", "MODULE", "OPEN_STATUSES", "STEP_MINUTES",
    "BookingDetails", "RoomError", "SeriesOutcome", "as_bangkok", "at", "day_range", "local", "utc",
    "bookable_rooms", "is_manager", "may_book", "may_cancel", "may_change",
    "bookings_of", "cancel_booking", "edit_booking", "person_left", "record_past_booking", "request_booking",
    "upcoming_of",
    "Cell", "DaySchedule", "Entry", "Found", "GridCell", "GridRow", "MonthSchedule", "Slot", "WeekSchedule", "cell_of",
    "day_schedule", "entries_between", "find_rooms", "month_schedule", "slots", "week_schedule", "week_start",
    "open_bookings_of", "resource", "block_room", "current_blocks", "unblock",
    "Waiting", "approval_history", "approval_of", "approver_may_decide", "close_stale_requests", "reroute_requests", "competing_requests", "decide",
    "requested_already", "waiting_count", "waiting_count_query", "waiting_for",
    "feed_bookings", "feed_token_of", "ics", "new_feed_token", "person_for_feed", "revoke_feed_token",
    "send_reminders", "RoomFields", "all_rooms", "save_room", "cancel_series", "request_series", "series_bookings",
    "Usage", "usage", "watch_slot",
]
