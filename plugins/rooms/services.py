"""The rules of meeting rooms: who may book what and when, approvals, waiting lists, calendars, statistics.

Times come in as Bangkok wall-clock datetimes (aware, or naive read as Bangkok)
and are stored as naive UTC in core's booking guard, which alone decides
whether a time is taken: confirmed reservations of one room never overlap,
also when two approvers press "approve" in the same second.

Every function that changes something checks everything it can first, then
writes and commits; a refusal raises RoomError (a message in the reader's
language) and leaves the database as it was. No Flask request objects here:
views pass in what they read.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import secrets
from dataclasses import dataclass, field

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select, update
from sqlalchemy.orm import selectinload

from core import calendar
from core.calendar import BANGKOK
from core.calendar import bangkok_at as at  # noqa: F401  (rooms' pages and demo say services.at)
from core.calendar import stored_day_range as day_range  # noqa: F401
from core.db import db, utcnow, write_transaction
from core.models import Group, GroupMembership, Person
from core.permissions import has_permission
from core.plugin_api import SearchResult
from core.services import approvals, audit, booking, holidays, notifications
from core.services.approvals import ApprovalError, ApprovalRequest, Step
from core.services.booking import CONFIRMED, PENDING, BookingResource, Reservation
from core.settings import get_settings
from plugins.rooms.models import (
    RESOURCE_KIND, BlockedPeriod, Booking, FeedToken, Room, RoomEquipment, SlotWatch, room_groups,
    room_people,
)

MODULE = "rooms"
KIND_BOOKING, KIND_SERIES = "booking", "series"
STEP_MINUTES = 15
OPEN_STATUSES = (PENDING, CONFIRMED)
# Deciding a room request needs this on every path: this module's buttons and core's /approvals page alike.
DECIDE_PERMISSION = "rooms.approve"
BOOKER_LOCK_KIND = "rooms.booker"  # the guard's lock row of one booker, never booked: see _check_open_bookings

EQUIPMENT = {
    "projector": _l("Projector"),
    "video_conference": _l("Video conference"),
    "microphones": _l("Microphones"),
    "tv": _l("TV screen"),
    "sound_system": _l("Sound system"),
    "whiteboard": _l("Whiteboard"),
}

SETTINGS_DEFAULTS = {
    "max_days_ahead": 90,
    "max_duration_hours": 8,
    "max_open_bookings": 10,
    "approval_escalation_hours": 24,
}

EVENT_CANCELLED = "rooms.booking_cancelled"
EVENT_SLOT_FREED = "rooms.slot_freed"
EVENT_REMINDER = "rooms.reminder"
notifications.register_event(EVENT_CANCELLED, _l("My room booking was cancelled by someone else"))
notifications.register_event(EVENT_SLOT_FREED, _l("A room time I waited for became free"))
notifications.register_event(EVENT_REMINDER, _l("Reminder of my room booking the day before"))


class RoomError(ValueError):
    """A booking or room change the rules refuse; str() is the reason in the reader's language.

    ``conflicts`` are the reservations in the way and ``dates`` the dates of a
    recurring booking that clash, when that is the reason.
    """

    def __init__(self, message, conflicts=None, dates=None):
        super().__init__(message)
        self.conflicts = list(conflicts or [])
        self.dates = list(dates or [])

    def __str__(self) -> str:
        return notifications.translated(self.args[0]) if self.args else ""


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
        from core.i18n import current_locale

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


def settings() -> dict:
    return get_settings(MODULE)


def validate_settings(values: dict) -> list[str]:
    problems = []
    for key in ("max_days_ahead", "max_duration_hours", "max_open_bookings"):
        if values.get(key) is None or int(values[key]) < 1:
            problems.append(notifications.translated(_l("Every limit must be at least 1.")))
            break
    return problems


# --- rooms ------------------------------------------------------------------------------


def resource(room: Room | int) -> tuple[str, int]:
    return RESOURCE_KIND, getattr(room, "id", room)


def is_manager(person) -> bool:
    return has_permission(person, "rooms.manage")


def all_rooms(include_inactive: bool = False):
    query = select(Room).order_by(Room.sort_order, Room.name, Room.id)
    return query if include_inactive else query.where(Room.active.is_(True))


def bookable_rooms(person):
    """A select() of the active rooms ``person`` may book: open to all, or listing them or one of their groups."""
    query = all_rooms()
    if not has_permission(person, "rooms.book"):
        return query.where(false())
    if is_manager(person):
        return query
    group_ids = select(GroupMembership.group_id).where(GroupMembership.person_id == person.id)
    return query.where(
        or_(
            Room.restricted.is_(False),
            Room.id.in_(select(room_people.c.room_id).where(room_people.c.person_id == person.id)),
            Room.id.in_(select(room_groups.c.room_id).where(room_groups.c.group_id.in_(group_ids))),
        )
    )


def may_book(person, room: Room) -> bool:
    return room.active and db.session.scalar(bookable_rooms(person).where(Room.id == room.id)) is not None


@dataclass
class RoomFields:
    """What the room form edits."""

    name: str
    building: str = ""
    floor: str = ""
    capacity: int = 10
    notes: str = ""
    opens_at: dt.time = dt.time(8, 0)
    closes_at: dt.time = dt.time(18, 0)
    needs_approval: bool = False
    approver: Person | None = None
    restricted: bool = False
    group_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    open_on_days_off: bool = False
    equipment: list[str] = field(default_factory=list)
    active: bool = True
    sort_order: int = 0


def save_room(room: Room | None, fields: RoomFields, by: Person) -> Room:
    """Create (room=None) or change a room; refuses a room that could never be booked or approved."""
    name = (fields.name or "").strip()
    if not name:
        raise RoomError(_l("Give the room a name."))
    if fields.capacity is None or fields.capacity < 1:
        raise RoomError(_l("A room holds at least one person."))
    if fields.closes_at <= fields.opens_at:
        raise RoomError(_l("The room must close after it opens."))
    if any(t.minute % STEP_MINUTES or t.second for t in (fields.opens_at, fields.closes_at)):
        raise RoomError(_l("Opening and closing times fall on the quarter hour."))
    if fields.needs_approval and (fields.approver is None or not fields.approver.active):
        raise RoomError(_l("Choose who approves bookings of this room."))
    if fields.needs_approval and not has_permission(fields.approver, DECIDE_PERMISSION):
        # Named but unable to decide (core's approvals ask for the permission too): the requests would wait forever.
        raise RoomError(_l("%(name)s may not approve room bookings: grant them the permission first, or choose "
                           "someone else.", name=fields.approver.full_name))
    if fields.restricted and not (fields.group_ids or fields.person_ids):
        raise RoomError(_l("List the groups or people who may book this room."))
    unknown = set(fields.equipment) - set(EQUIPMENT)
    if unknown:
        raise RoomError(_l("Unknown equipment: %(codes)s", codes=", ".join(sorted(unknown))))
    created = room is None
    room = room or Room()
    room.name, room.building, room.floor = name[:200], fields.building.strip()[:200], fields.floor.strip()[:50]
    room.capacity, room.notes = int(fields.capacity), (fields.notes or "").strip()
    room.opens_at, room.closes_at = fields.opens_at, fields.closes_at
    room.needs_approval = fields.needs_approval
    room.approver_id = fields.approver.id if fields.approver else None
    room.restricted = fields.restricted
    room.allowed_groups = list(db.session.scalars(select(Group).where(Group.id.in_(fields.group_ids)))) if fields.restricted else []
    room.allowed_people = list(db.session.scalars(select(Person).where(Person.id.in_(fields.person_ids)))) if fields.restricted else []
    room.open_on_days_off, room.active, room.sort_order = fields.open_on_days_off, fields.active, fields.sort_order or 0
    wanted = set(fields.equipment)
    room.equipment_rows = [row for row in room.equipment_rows if row.code in wanted] + [
        RoomEquipment(code=code) for code in sorted(wanted - set(room.equipment))
    ]
    db.session.add(room)
    db.session.flush()
    if created:
        # The guard's lock row exists from the start, so the first bookings of a new room never race to create it.
        booking.lock_resource(resource(room))
    audit.record("room.create" if created else "room.update", MODULE, "room", room.id, by, room.name)
    db.session.commit()
    return room


# --- checking a request -----------------------------------------------------------------


def _check_time_of_day(room: Room, start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise RoomError(_l("The meeting must end after it starts."))
    if end.date() != start.date():
        raise RoomError(_l("A booking starts and ends on the same day."))
    if any(t.minute % STEP_MINUTES or t.second or t.microsecond for t in (start, end)):
        raise RoomError(_l("Start and end on the quarter hour (:00, :15, :30 or :45)."))
    closes = at(start.date(), room.closes_at)
    if start < at(start.date(), room.opens_at) or end > closes:
        raise RoomError(_l("%(room)s can be booked from %(opens)s to %(closes)s.", room=room.name,
                           opens=room.opens_at.strftime("%H:%M"), closes=room.closes_at.strftime("%H:%M")))


def _check_day_open(room: Room, day: dt.date) -> None:
    if room.open_on_days_off or holidays.is_working_day(day):
        return
    names = holidays.holidays_between(day, day).get(day)
    if names:
        raise RoomError(_l("%(day)s is a holiday (%(name)s); %(room)s is closed.", day=_Day(day),
                           name=", ".join(names), room=room.name))
    raise RoomError(_l("%(day)s is a weekend; %(room)s is closed.", day=_Day(day), room=room.name))


def open_bookings_of(person, now: dt.datetime | None = None) -> int:
    """Future pending and confirmed bookings of ``person``; a recurring meeting counts once."""
    return _open_bookings(person.id, _now(now))


def _open_bookings(person_id: int, now: dt.datetime) -> int:
    rows = db.session.execute(
        select(Booking.id, Booking.series_id).join(Booking.reservation)
        .where(Booking.booked_by_id == person_id, Reservation.status.in_(OPEN_STATUSES), Reservation.ends_at > now)
    ).all()
    return len({series_id or f"#{booking_id}" for booking_id, series_id in rows})


def _check_limits(person, start: dt.datetime, end: dt.datetime, last_day: dt.date, now: dt.datetime) -> None:
    """The office's limits on one booking (settings); people who manage rooms are not held to them.

    The limit on open bookings is counted later, under locks: _check_open_bookings.
    """
    if is_manager(person):
        return
    limits = settings()
    if last_day > calendar.to_local(now).date() + dt.timedelta(days=int(limits["max_days_ahead"])):
        raise RoomError(_l("Rooms can be booked at most %(days)s days ahead.", days=limits["max_days_ahead"]))
    if end - start > dt.timedelta(hours=int(limits["max_duration_hours"])):
        raise RoomError(_l("A booking may last at most %(hours)s hours.", hours=limits["max_duration_hours"]))


def _check_open_bookings(person, now: dt.datetime) -> None:
    """Refuse a new booking (or series) to someone already holding the most open bookings one person may.

    Called first in the booking's transaction, before the room's lock. Two
    requests of one person, also for different rooms (different room locks),
    must be counted one after the other, the second seeing the first's
    booking. So the count is made under the booker's own lock row in the
    guard, ``("rooms.booker", person id)``, in a transaction that begins with
    that lock: the reading done so far is committed first, because on MariaDB
    a transaction keeps reading the snapshot of its first read. (Counting with
    FOR UPDATE instead would take gap locks that deadlock two bookers; locking
    the person row would wait on every insert naming them, such as their
    notifications.) The lock row is created, and committed, before it is
    locked, so a refused request never rolls a half-made lock row back under
    others waiting for it. Locks are taken booker, room, reservations; the
    guard takes room, reservations: nobody waits in a circle.
    """
    if is_manager(person):
        return
    most, person_id = int(settings()["max_open_bookings"]), person.id
    lock = (BOOKER_LOCK_KIND, person_id)
    if booking.find_resource(lock) is None:
        booking.lock_resource(lock)
    db.session.commit()
    # The new transaction's first statement: a locking read, which (unlike lock_resource's plain read
    # first) does not fix MariaDB's snapshot before the lock is held.
    db.session.execute(select(BookingResource.id).where(BookingResource.kind == BOOKER_LOCK_KIND,
                                                        BookingResource.external_id == person_id).with_for_update())
    if _open_bookings(person_id, now) >= most:
        raise RoomError(_l("You already hold %(count)s bookings, the most one person may. Cancel one first.",
                           count=most))


def _check_request(room: Room, person, start: dt.datetime, end: dt.datetime, now: dt.datetime,
                   last_day: dt.date | None = None, check_day: bool = True) -> None:
    if not may_book(person, room):
        raise RoomError(_l("You may not book %(room)s.", room=room.name))
    _check_time_of_day(room, start, end)
    if utc(start) <= now:
        raise RoomError(_l("The meeting cannot start in the past."))
    if check_day:
        _check_day_open(room, start.date())
    _check_limits(person, start, end, last_day or start.date(), now)


def _confirms_at_once(room: Room, person) -> bool:
    """Rooms without approval, and the approver's own bookings, are confirmed when free."""
    return not room.needs_approval or room.approver_id == person.id


def _taken(room: Room, start: dt.datetime, end: dt.datetime, exclude: Reservation | None = None) -> list[Reservation]:
    return booking.conflicts(resource(room), utc(start), utc(end), exclude=exclude)


# --- transactions -----------------------------------------------------------------------


def _describe(conflict: booking.BookingConflict) -> str:
    """The conflict in the reader's language; outside a request (cron, tests) in the office's default one."""
    if has_request_context():
        return conflict.describe()
    with notifications.language_of():
        return conflict.describe()


@contextlib.contextmanager
def _change():
    """One all-or-nothing change: committed at the end, rolled back (and explained) on any refusal."""
    try:
        with write_transaction():
            yield
            db.session.commit()
    except booking.BookingConflict as conflict:
        db.session.rollback()
        raise RoomError(_describe(conflict), conflict.conflicts, conflict.dates) from conflict
    except (booking.BookingError, ApprovalError) as error:
        db.session.rollback()
        raise RoomError(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise


def _submit_for_approval(kind: str, record_id, title: str, room: Room, person, first: Booking,
                         remote_addr: str | None) -> ApprovalRequest:
    return approvals.submit(
        MODULE, kind, record_id, title, person, steps=[Step(room.approver, "approve", "approver")],
        link=("rooms.show_booking", {"booking_id": first.id}), remote_addr=remote_addr,
    )


def _new_booking(room: Room, reservation: Reservation, person, details: BookingDetails, series_id=None) -> Booking:
    record = Booking(
        room_id=room.id, reservation=reservation, title=details.title, purpose=details.purpose, chair=details.chair,
        attendees=details.attendees, equipment=details.equipment, refreshments=details.refreshments,
        booked_by_id=person.id, group_id=person.primary_group.id if person.primary_group else None,
        letter_id=details.letter_id, series_id=series_id,
    )
    record.attendee_groups = list(db.session.scalars(select(Group).where(Group.id.in_(details.group_ids))))
    db.session.add(record)
    return record


def _summary(room: Room, start: dt.datetime, end: dt.datetime) -> str:
    """Room and time as stored text (approval titles, audit lines, notification bodies): Thai, Buddhist Era."""
    start, end = as_bangkok(start), as_bangkok(end)
    return f"{room.name} {calendar.format_date(start.date())} {start:%H:%M}-{end:%H:%M} น."


# --- booking ----------------------------------------------------------------------------


def request_booking(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails,
                    now: dt.datetime | None = None, remote_addr: str | None = None) -> Booking:
    """Book ``room`` from ``start`` to ``end`` (Bangkok time).

    Confirmed at once when the room needs no approval and the time is free;
    otherwise pending until the room's approver decides (core approvals). A
    time already confirmed for someone else is refused either way.
    """
    now = _now(now)
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    _check_request(room, person, start, end, now)
    confirm = _confirms_at_once(room, person)
    with _change():
        _check_open_bookings(person, now)
        booking.lock_resource(resource(room))
        if not confirm and (in_the_way := _taken(room, start, end)):
            raise booking.BookingConflict(in_the_way)
        reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person, title=details.title,
                                      confirm=confirm)
        record = _new_booking(room, reservation, person, details)
        db.session.flush()
        if not confirm:
            _submit_for_approval(KIND_BOOKING, record.id, f"{details.title} ({_summary(room, start, end)})", room,
                                 person, record, remote_addr)
        audit.record("booking.create", MODULE, "booking", record.id, person, f"{details.title} {_summary(room, start, end)}",
                     remote_addr=remote_addr)
    return record


def record_past_booking(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails) -> Booking | None:
    """Record a meeting that already took place (demo data, bookings brought over from AMSS++): confirmed, no checks
    but the guard's. Returns None when the time was already taken."""
    details = details.cleaned()
    try:
        with _change():
            reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person, title=details.title,
                                          confirm=True)
            record = _new_booking(room, reservation, person, details)
    except RoomError:
        return None
    return record


def request_series(room: Room, start: dt.datetime, end: dt.datetime, person, details: BookingDetails, rule: str,
                   until: dt.date | None = None, count: int | None = None, on_conflict: str = "fail",
                   now: dt.datetime | None = None, remote_addr: str | None = None) -> SeriesOutcome:
    """Book the same time every day, week or month (a weekly staff meeting), checked date by date.

    Dates taken by a confirmed booking or a blocked period are conflicts: with
    ``on_conflict="fail"`` nothing is booked and RoomError lists them in
    ``dates``; with ``"skip"`` the free dates are booked and the others
    reported. Weekends and holidays are left out unless the room opens on them.
    One approval covers the whole series.
    """
    if on_conflict not in ("fail", "skip"):
        raise RoomError(_l("Choose what to do with dates that are taken."))
    now = _now(now)
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    try:
        times = booking.occurrences(utc(start), rule, until, count)
    except booking.BookingError as error:
        raise RoomError(str(error)) from error
    _check_request(room, person, start, end, now, last_day=local(times[-1]).date(), check_day=False)
    confirm = _confirms_at_once(room, person)
    with _change():
        _check_open_bookings(person, now)
        result = booking.reserve_series(
            resource(room), utc(start), utc(end), rule, until=until, count=count, holder=person, title=details.title,
            confirm=confirm, skip_holidays=not room.open_on_days_off, on_conflict=on_conflict,
        )
        if not result.created:
            raise RoomError(_l("None of the dates is free."), result.conflicts, result.conflicting_dates)
        series_id = result.created[0].recurrence_id
        records = [_new_booking(room, reservation, person, details, series_id) for reservation in result.created]
        db.session.flush()
        if not confirm:
            _submit_for_approval(
                KIND_SERIES, series_id,
                notifications.translated(_l("%(title)s (%(room)s, %(count)s dates)", title=details.title, room=room.name, count=len(records))),
                room, person, records[0], remote_addr,
            )
        audit.record("series.create", MODULE, "series", series_id, person,
                     f"{details.title} {room.name} ×{len(records)}", remote_addr=remote_addr,
                     details={"bookings": [r.id for r in records],
                              "conflicting_dates": [d.isoformat() for d in result.conflicting_dates],
                              "skipped_dates": [d.isoformat() for d in result.skipped_dates]})
    return SeriesOutcome(records, result.conflicting_dates, result.skipped_dates)


def approval_of(record: Booking) -> ApprovalRequest | None:
    """The approval request a booking is waiting on (its own, or its series'), if any."""
    if record.series_id:
        request = approvals.open_request_for(MODULE, KIND_SERIES, record.series_id)
        if request is not None:
            return request
    return approvals.open_request_for(MODULE, KIND_BOOKING, record.id)


def approval_history(record: Booking) -> list[ApprovalRequest]:
    found = approvals.requests_for(MODULE, KIND_BOOKING, record.id)
    if record.series_id:
        found = approvals.requests_for(MODULE, KIND_SERIES, record.series_id) + found
    return found


def may_change(record: Booking, person, now: dt.datetime | None = None) -> bool:
    """The booker may change or cancel their own booking until it starts."""
    return (record.booked_by_id == getattr(person, "id", None) and record.status in OPEN_STATUSES
            and record.starts_at > _now(now))


def may_cancel(record: Booking, person, now: dt.datetime | None = None) -> bool:
    return may_change(record, person, now) or (is_manager(person) and record.status in OPEN_STATUSES
                                                 and record.ends_at > _now(now))


def _free_old_time(record: Booking, person, reason: str, now: dt.datetime, tell_watchers: bool = True) -> Reservation | None:
    """Cancel the booking's reservation; returns it when it had held the time (confirmed)."""
    reservation = record.reservation
    was_confirmed = reservation.status == CONFIRMED
    if reservation.status in OPEN_STATUSES:
        booking.cancel(reservation, person, reason)
    if was_confirmed and tell_watchers:
        _tell_watchers(record.room_id, reservation.starts_at, reservation.ends_at, now)
    return reservation if was_confirmed else None


def edit_booking(record: Booking, person, room: Room, start: dt.datetime, end: dt.datetime, details: BookingDetails,
                 now: dt.datetime | None = None, remote_addr: str | None = None) -> Booking:
    """The booker changes their future booking.

    A new room or time is a new request for the time (the old one is freed):
    confirmed at once where the room allows, otherwise it goes (back) to the
    room's approver, also when the booking had been approved. A changed
    occurrence of a recurring meeting leaves its series.
    """
    now = _now(now)
    if not may_change(record, person, now):
        raise RoomError(_l("Only the booker may change a booking, and only before it starts."))
    details = details.cleaned()
    start, end = as_bangkok(start), as_bangkok(end)
    moved = room.id != record.room_id or utc(start) != record.starts_at or utc(end) != record.ends_at
    if moved:
        _check_request(room, person, start, end, now)  # a moved booking is still one booking: no count
    with _change():
        record.title, record.purpose, record.chair = details.title, details.purpose, details.chair
        record.attendees, record.equipment, record.refreshments = details.attendees, details.equipment, details.refreshments
        record.letter_id = details.letter_id
        record.attendee_groups = list(db.session.scalars(select(Group).where(Group.id.in_(details.group_ids))))
        record.updated_at = now
        own_request = approvals.open_request_for(MODULE, KIND_BOOKING, record.id)
        if moved:
            booking.lock_resource(resource(room))
            if own_request is not None:
                approvals.withdraw(own_request, person, notifications.translated(_l("Moved to another time or room.")), remote_addr=remote_addr)
            record.series_id = None
            old_room_id = record.room_id
            freed = _free_old_time(record, person, notifications.translated(_l("Moved to another time or room.")), now, tell_watchers=False)
            confirm = _confirms_at_once(room, person)
            if not confirm and (in_the_way := _taken(room, start, end)):
                raise booking.BookingConflict(in_the_way)
            record.room = room
            record.reservation = booking.reserve(resource(room), utc(start), utc(end), holder=person,
                                                 title=details.title, confirm=confirm)
            db.session.flush()
            if freed is not None:
                still_held = (utc(start), utc(end)) if confirm and room.id == old_room_id else None
                _tell_watchers(old_room_id, freed.starts_at, freed.ends_at, now, still_held)
            if not confirm:
                _submit_for_approval(KIND_BOOKING, record.id, f"{details.title} ({_summary(room, start, end)})", room,
                                     person, record, remote_addr)
        else:
            record.reservation.title = details.title
            if own_request is not None and own_request.status == "returned":
                approvals.resubmit(own_request, person, remote_addr=remote_addr)
        audit.record("booking.update", MODULE, "booking", record.id, person,
                     f"{details.title} {_summary(room, start, end)}", remote_addr=remote_addr,
                     details={"moved": moved})
    return record


def cancel_booking(record: Booking, person, reason: str = "", now: dt.datetime | None = None,
                   remote_addr: str | None = None) -> Booking:
    """Cancel a booking: the time is free again and whoever waits for it is told."""
    now = _now(now)
    if not may_cancel(record, person, now):
        raise RoomError(_l("You may not cancel this booking."))
    reason = (reason or "").strip()
    if record.booked_by_id != person.id and not reason:
        raise RoomError(_l("Give the reason for cancelling someone else's booking."))
    with _change():
        _cancel(record, person, reason, now, remote_addr)
        audit.record("booking.cancel", MODULE, "booking", record.id, person, record.title, remote_addr=remote_addr,
                     details={"reason": reason or None})
    return record


def _cancel(record: Booking, person, reason: str, now: dt.datetime, remote_addr=None) -> None:
    own_request = approvals.open_request_for(MODULE, KIND_BOOKING, record.id)
    if own_request is not None and own_request.requester_id == person.id:
        approvals.withdraw(own_request, person, reason, remote_addr=remote_addr)
    _free_old_time(record, person, reason, now)
    if record.booked_by is not None and record.booked_by_id != person.id:
        notifications.notify(
            record.booked_by, EVENT_CANCELLED,
            _l("Your room booking was cancelled: %(title)s", title=record.title),
            link=notifications.link_to("rooms.show_booking", booking_id=record.id), module=MODULE,
            body=f"{_summary(record.room, local(record.starts_at), local(record.ends_at))} · {reason}",
        )


def series_bookings(series_id: str, statuses=OPEN_STATUSES, from_time: dt.datetime | None = None) -> list[Booking]:
    query = (select(Booking).join(Booking.reservation)
             .where(Booking.series_id == series_id, Reservation.status.in_(statuses))
             .order_by(Reservation.starts_at))
    if from_time is not None:
        query = query.where(Reservation.starts_at >= from_time)
    return list(db.session.scalars(query).unique())


def cancel_series(record: Booking, person, reason: str = "", now: dt.datetime | None = None,
                  remote_addr: str | None = None) -> list[Booking]:
    """Cancel this occurrence of a recurring meeting and every later one."""
    now = _now(now)
    if not record.series_id:
        raise RoomError(_l("This booking does not repeat."))
    if not may_cancel(record, person, now):
        raise RoomError(_l("You may not cancel this booking."))
    with _change():
        request = approvals.open_request_for(MODULE, KIND_SERIES, record.series_id)
        cancelled = series_bookings(record.series_id, from_time=max(record.starts_at, now))
        if request is not None and request.requester_id == person.id and cancelled and \
                len(cancelled) == len(series_bookings(record.series_id)):
            approvals.withdraw(request, person, reason, remote_addr=remote_addr)
        for each in cancelled:
            _cancel(each, person, reason, now)
        audit.record("series.cancel", MODULE, "series", record.series_id, person, record.title,
                     remote_addr=remote_addr, details={"bookings": [b.id for b in cancelled]})
    return cancelled


# --- approvals --------------------------------------------------------------------------


def _decider(request: ApprovalRequest):
    step = next((s for s in reversed(request.steps) if s.decided_by_id), None)
    return (step.decided_by_id, step.comment) if step else (None, "")


def _apply_outcome(records: list[Booking], request: ApprovalRequest, outcome: str) -> None:
    """Carry an approval decision over to the bookings' reservations (inside the deciding transaction)."""
    by, comment = _decider(request)
    now = utcnow()
    pending = [r for r in records if r.status == PENDING]
    if outcome == "approved":
        in_the_way, dates = [], []
        for record in pending:
            try:
                booking.confirm(record.reservation, by=by)
            except booking.BookingConflict as conflict:
                in_the_way += conflict.conflicts
                dates.append(local(record.starts_at).date())
        if in_the_way:
            # Raising rolls the approval back: the approver must refuse, or the booker move the meeting.
            raise ApprovalError(_describe(booking.BookingConflict(in_the_way, dates)))
    elif outcome == "refused":
        for record in pending:
            booking.refuse(record.reservation, by, comment or "-")
    elif outcome == "withdrawn":
        for record in pending:
            booking.cancel(record.reservation, request.requester_id, comment)
    elif outcome == "cancelled":
        for record in records:
            if record.status in OPEN_STATUSES and record.ends_at > now:
                _free_old_time(record, request.requester_id, comment, now)


def _booking_decided(request: ApprovalRequest, outcome: str) -> None:
    record = db.session.get(Booking, int(request.record_id))
    if record is not None:
        _apply_outcome([record], request, outcome)


def _series_decided(request: ApprovalRequest, outcome: str) -> None:
    _apply_outcome(series_bookings(request.record_id), request, outcome)


approvals.register_kind(MODULE, KIND_BOOKING, label=_l("Room booking"), on_outcome=_booking_decided,
                        decide_permission=DECIDE_PERMISSION)
approvals.register_kind(MODULE, KIND_SERIES, label=_l("Recurring room booking"), on_outcome=_series_decided,
                        decide_permission=DECIDE_PERMISSION)


def decide(record: Booking, person, decision: str, reason: str = "", remote_addr: str | None = None) -> Booking:
    """The room's approver (or whoever acts for them) approves or refuses (with a reason) a pending booking."""
    if decision not in ("approve", "refuse"):
        raise RoomError(_l("Approve or refuse."))
    request = approval_of(record)
    if request is None or request.status != "pending" or record.status != PENDING:
        raise RoomError(_l("This booking is not waiting for a decision."))
    with _change():
        approvals.decide(request, person, decision, reason, remote_addr=remote_addr)
    return record


@dataclass
class Waiting:
    """A room request waiting for someone's decision."""

    step: object
    request: ApprovalRequest
    booking: Booking
    dates: int  # how many dates the request covers


def waiting_for(person) -> list[Waiting]:
    """Room requests ``person`` may decide now (their own, escalated to them, or acting for someone away)."""
    steps = db.session.scalars(approvals.waiting_for(person).where(ApprovalRequest.module == MODULE)).all()
    found = []
    for step in steps:
        request = step.request
        if request.kind == KIND_SERIES:
            records = series_bookings(request.record_id, statuses=(PENDING,))
        else:
            record = db.session.get(Booking, int(request.record_id))
            records = [record] if record is not None and record.status == PENDING else []
        if records:
            found.append(Waiting(step, request, records[0], len(records)))
    return found


def waiting_count(person) -> int:
    return len(waiting_for(person))


def waiting_count_query(person):
    """waiting_count as a select() of one count, for the menu badge: no step or booking is loaded.

    Built once per person and kept by the worker like approvals.waiting_for, which it narrows.
    """
    from core import cache

    principals = tuple(approvals.principals_of(person))
    return cache.cached(("rooms.waiting_count_query", person.id, principals), (cache.MODULES, cache.ACCESS),
                        lambda: _waiting_count_query(person))


def _waiting_count_query(person):
    from sqlalchemy import String, and_, cast, exists, func

    if db.engine.dialect.name in ("mysql", "mariadb"):
        # MariaDB compares a text and a number as numbers; a CAST to text there takes the connection's
        # collation, which may differ from the column's ("illegal mix of collations").
        is_the_booking = ApprovalRequest.record_id == Booking.id
    else:
        is_the_booking = cast(Booking.id, String) == ApprovalRequest.record_id
    still_pending = exists().where(
        Booking.reservation_id == Reservation.id, Reservation.status == PENDING,
        or_(and_(ApprovalRequest.kind == KIND_SERIES, Booking.series_id == ApprovalRequest.record_id),
            and_(ApprovalRequest.kind != KIND_SERIES, is_the_booking)),
    )
    steps = approvals.waiting_for(person).where(ApprovalRequest.module == MODULE, still_pending).order_by(None)
    return select(func.count()).select_from(steps.subquery())


# --- blocked periods --------------------------------------------------------------------


def block_room(room: Room, start: dt.datetime, end: dt.datetime, reason: str, by: Person,
               cancel_bookings: bool = False, now: dt.datetime | None = None) -> BlockedPeriod:
    """Close a room for a while (renovation, exams). Bookings in the way are refused, or cancelled on request."""
    now = _now(now)
    reason = (reason or "").strip()
    if not reason:
        raise RoomError(_l("Give the reason the room is closed."))
    start, end = as_bangkok(start), as_bangkok(end)
    if end <= start:
        raise RoomError(_l("The closure must end after it starts."))
    with _change():
        booking.lock_resource(resource(room))
        in_the_way = list(db.session.scalars(
            select(Booking).join(Booking.reservation)
            .where(Booking.room_id == room.id, Reservation.status.in_(OPEN_STATUSES),
                   Reservation.starts_at < utc(end), Reservation.ends_at > utc(start))
            .order_by(Reservation.starts_at)
        ).unique())
        if in_the_way and not cancel_bookings:
            raise RoomError(_l("%(count)s bookings fall in this time. Cancel them with the closure, or choose another time.",
                               count=len(in_the_way)), [b.reservation for b in in_the_way])
        for record in in_the_way:
            _cancel(record, by, reason, now)
        reservation = booking.reserve(resource(room), utc(start), utc(end), holder=by, title=reason, confirm=True)
        block = BlockedPeriod(room_id=room.id, reservation=reservation, reason=reason[:255], created_by_id=by.id)
        db.session.add(block)
        db.session.flush()
        audit.record("room.block", MODULE, "room", room.id, by, f"{room.name}: {reason}",
                     details={"cancelled_bookings": [b.id for b in in_the_way]})
    return block


def unblock(block: BlockedPeriod, by: Person) -> None:
    with _change():
        booking.cancel(block.reservation, by, notifications.translated(_l("Closure lifted.")))
        audit.record("room.unblock", MODULE, "room", block.room_id, by, block.reason)


def current_blocks(now: dt.datetime | None = None):
    """A select() of the blocked periods not yet over and not lifted."""
    return (select(BlockedPeriod).join(BlockedPeriod.reservation)
            .where(Reservation.status == CONFIRMED, Reservation.ends_at > _now(now))
            .order_by(Reservation.starts_at))


# --- waiting for a taken slot -----------------------------------------------------------


def watch_slot(room: Room, start: dt.datetime, end: dt.datetime, person, now: dt.datetime | None = None) -> SlotWatch:
    """Ask to be told when a taken time of a room frees up."""
    now = _now(now)
    start, end = as_bangkok(start), as_bangkok(end)
    if end <= start or utc(start) <= now:
        raise RoomError(_l("Choose a time in the future."))
    if not may_book(person, room):
        raise RoomError(_l("You may not book %(room)s.", room=room.name))
    if not _taken(room, start, end):
        raise RoomError(_l("That time is free: book it now."))
    with _change():
        watch = SlotWatch(room_id=room.id, person_id=person.id, starts_at=utc(start), ends_at=utc(end))
        db.session.add(watch)
    return watch


def _tell_watchers(room_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime,
                   still_held: tuple[dt.datetime, dt.datetime] | None = None) -> None:
    """A confirmed time [start, end) was freed: tell the people waiting for any of it, once.

    ``still_held`` is a part the same booker keeps (a meeting moved by half an
    hour): people waiting for a time overlapping it are not told.
    """
    watches = db.session.scalars(
        select(SlotWatch).where(SlotWatch.room_id == room_id, SlotWatch.notified_at.is_(None),
                                SlotWatch.starts_at < end, SlotWatch.ends_at > start, SlotWatch.starts_at > now)
    ).all()
    for watch in watches:
        if still_held and watch.starts_at < still_held[1] and still_held[0] < watch.ends_at:
            continue
        watch_start, watch_end = local(watch.starts_at), local(watch.ends_at)
        notifications.notify(
            watch.person, EVENT_SLOT_FREED, _l("A room time you waited for is free: %(room)s", room=watch.room.name),
            link=notifications.link_to("rooms.new_booking", room_id=room_id, day=watch_start.date().isoformat(),
                                       start=f"{watch_start:%H:%M}", end=f"{watch_end:%H:%M}"),
            module=MODULE, body=_summary(watch.room, watch_start, watch_end),
        )
        watch.notified_at = now


# --- reading: calendars -----------------------------------------------------------------


@dataclass
class Entry:
    """One thing in a room's calendar: a booking or a closure (plain values: a day has hundreds)."""

    room_id: int
    starts_at: dt.datetime  # stored (naive UTC)
    ends_at: dt.datetime
    status: str  # pending | confirmed | blocked
    title: str
    booking_id: int | None = None  # None for a closure
    chair: str = ""

    @property
    def local_start(self) -> dt.datetime:
        return local(self.starts_at)

    @property
    def local_end(self) -> dt.datetime:
        return local(self.ends_at)

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.starts_at < end and start < self.ends_at


def entries_between(room_ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Entry]:
    """Pending and confirmed bookings and closures of these rooms overlapping [start, end) (stored times), one query.

    Reads columns, not ORM objects: a busy day of 50 rooms has hundreds of entries.
    """
    if not room_ids:
        return []
    rows = db.session.execute(
        select(BookingResource.external_id, Reservation.starts_at, Reservation.ends_at, Reservation.status,
               Booking.id, Booking.title, Booking.chair, BlockedPeriod.reason)
        .select_from(Reservation)
        .join(BookingResource, Reservation.resource_id == BookingResource.id)
        .outerjoin(Booking, Booking.reservation_id == Reservation.id)
        .outerjoin(BlockedPeriod, BlockedPeriod.reservation_id == Reservation.id)
        .where(BookingResource.kind == RESOURCE_KIND, BookingResource.external_id.in_(room_ids),
               Reservation.status.in_(OPEN_STATUSES), booking.overlapping(start, end))
        .order_by(Reservation.starts_at, Reservation.id)
    ).all()
    entries = []
    for room_id, starts_at, ends_at, status, booking_id, title, chair, reason in rows:
        if reason is not None:
            entries.append(Entry(room_id, starts_at, ends_at, "blocked", reason))
        elif booking_id is not None:
            entries.append(Entry(room_id, starts_at, ends_at, status, title, booking_id, chair or ""))
    return entries


@dataclass
class Slot:
    start: dt.datetime  # aware Bangkok
    end: dt.datetime

    @functools.cached_property
    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The slot as stored times; a grid compares every entry with it, so it is worked out once."""
        return utc(self.start), utc(self.end)


def slots(day: dt.date, opens: dt.time, closes: dt.time, minutes: int = 30) -> list[Slot]:
    found, moment, last = [], at(day, opens), at(day, closes)
    while moment < last:
        found.append(Slot(moment, min(moment + dt.timedelta(minutes=minutes), last)))
        moment += dt.timedelta(minutes=minutes)
    return found


@dataclass
class Cell:
    """One cell of a calendar grid: its colour, and the entries whose title is written in it."""

    status: str | None  # confirmed or blocked (the time is taken), else pending, else None (free)
    starting: list[Entry]


def cell_of(entries: list[Entry], slot: Slot, first_row: bool) -> Cell:
    """Entries starting in the slot are written there (all of them: requests may overlap); the top row also
    names what runs into it from earlier."""
    start, end = slot.utc_bounds
    covering = [e for e in entries if e.covers(start, end)]
    status = next((s for s in ("confirmed", "blocked", "pending") if any(e.status == s for e in covering)), None)
    return Cell(status, [e for e in covering if first_row or e.local_start >= slot.start])


TAKEN_FIRST = ("confirmed", "blocked", "pending")  # a cell is coloured by the strongest claim on it


@dataclass
class GridCell:
    """One room x half hour of the day view, worked out before rendering.

    ``status`` colours the cell (confirmed or blocked: taken; pending: asked
    for; None: free); ``closed`` greys out a free cell outside the room's
    hours; ``starting`` are the entries whose title is written in it.
    """

    status: str | None = None
    closed: bool = False
    starting: list[Entry] = field(default_factory=list)

    @property
    def css(self) -> str:
        if self.status:
            return f"rooms-{self.status}"
        return "rooms-closed" if self.closed else ""


@dataclass
class GridRow:
    slot: Slot
    cells: list[GridCell]  # one per room, in the schedule's room order


@dataclass
class DaySchedule:
    day: dt.date
    rooms: list[Room]
    slots: list[Slot]
    entries: list[Entry]
    holiday_names: list[str]
    working_day: bool

    @functools.cached_property
    def rows(self) -> list[GridRow]:
        """The whole grid (50 rooms: 1,300 cells), built in one pass over the entries so the page renders it
        with a flat loop: no per-cell method calls or template includes."""
        grid = [GridRow(slot, [GridCell() for _room in self.rooms]) for slot in self.slots]
        slot_starts = [slot.utc_bounds[0] for slot in self.slots]
        slot_ends = [slot.utc_bounds[1] for slot in self.slots]
        column_of = {room.id: column for column, room in enumerate(self.rooms)}
        for column, room in enumerate(self.rooms):
            closed_all_day = not (self.working_day or room.open_on_days_off)
            opens, closes = utc(at(self.day, room.opens_at)), utc(at(self.day, room.closes_at))
            for row, (start, end) in zip(grid, zip(slot_starts, slot_ends)):
                row.cells[column].closed = closed_all_day or start < opens or end > closes
        for entry in self.entries:  # by start: cells list their entries in that order
            column = column_of.get(entry.room_id)
            if column is None:
                continue
            first = bisect.bisect_right(slot_ends, entry.starts_at)  # the first slot ending after the entry starts
            last = bisect.bisect_left(slot_starts, entry.ends_at)  # slots before this one start before it ends
            for row in grid[first:last]:
                cell = row.cells[column]
                if cell.status is None or TAKEN_FIRST.index(entry.status) < TAKEN_FIRST.index(cell.status):
                    cell.status = entry.status
            if first < last:
                # Written where it starts, or in the top row when it began before the grid does.
                grid[first].cells[column].starting.append(entry)
        return grid


def day_schedule(day: dt.date, rooms: list[Room]) -> DaySchedule:
    """Every room's bookings and closures on one day, as rows of half hours (rooms as columns)."""
    opens = min((room.opens_at for room in rooms), default=dt.time(8, 0))
    closes = max((room.closes_at for room in rooms), default=dt.time(18, 0))
    names = holidays.holidays_between(day, day).get(day, [])
    return DaySchedule(day, rooms, slots(day, opens, closes), entries_between([r.id for r in rooms], *day_range(day)),
                       names, holidays.is_working_day(day))


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class WeekSchedule:
    room: Room
    days: list[dt.date]
    times: list[dt.time]
    entries: list[Entry]
    days_off: dict[dt.date, list[str]]

    def cell(self, day: dt.date, time: dt.time) -> Cell:
        slot_start = at(day, time)
        return cell_of(self.entries, Slot(slot_start, slot_start + dt.timedelta(minutes=30)), time == self.times[0])

    def closed(self, day: dt.date) -> bool:
        return day in self.days_off and not self.room.open_on_days_off


def week_schedule(room: Room, day: dt.date) -> WeekSchedule:
    first = week_start(day)
    days = [first + dt.timedelta(days=n) for n in range(7)]
    times = [s.start.time() for s in slots(first, room.opens_at, room.closes_at)]
    off = _days_off(days[0], days[-1])
    return WeekSchedule(room, days, times, entries_between([room.id], *day_range(days[0], days[-1])), off)


def _days_off(first: dt.date, last: dt.date) -> dict[dt.date, list[str]]:
    """Weekends and holidays between two dates, with the holidays' names."""
    names = holidays.holidays_between(first, last)
    days_off = holidays.DaysOff().cover(first, last)
    found, day = {}, first
    while day <= last:
        if not days_off.is_working_day(day):
            found[day] = names.get(day, [])
        day += dt.timedelta(days=1)
    return found


@dataclass
class MonthSchedule:
    room: Room
    first: dt.date
    weeks: list[list[dt.date]]
    entries: list[Entry]
    days_off: dict[dt.date, list[str]]

    def on(self, day: dt.date) -> list[Entry]:
        start, end = day_range(day)
        return [e for e in self.entries if e.covers(start, end)]

    @property
    def days(self) -> list[dt.date]:
        return [day for week in self.weeks for day in week if day.month == self.first.month]


def month_schedule(room: Room, month: dt.date) -> MonthSchedule:
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    weeks, day = [], week_start(first)
    while day <= last:
        weeks.append([day + dt.timedelta(days=n) for n in range(7)])
        day += dt.timedelta(days=7)
    return MonthSchedule(room, first, weeks, entries_between([room.id], *day_range(first, last)), _days_off(first, last))


@dataclass
class Found:
    room: Room
    free: bool
    why_not: object = ""  # a lazy string when the room is taken or closed


def find_rooms(person, day: dt.date, start_time: dt.time, end_time: dt.time, capacity: int | None = None,
               equipment: list[str] | tuple = ()) -> list[Found]:
    """Rooms ``person`` may book that hold ``capacity`` and have the equipment; free ones first."""
    query = bookable_rooms(person)
    if capacity:
        query = query.where(Room.capacity >= capacity)
    for code in equipment or ():
        query = query.where(Room.id.in_(select(RoomEquipment.room_id).where(RoomEquipment.code == code)))
    # The results list each room's equipment: load it with the rooms, not one query per room.
    rooms = list(db.session.scalars(query.options(selectinload(Room.equipment_rows))))
    start, end = at(day, start_time), at(day, end_time)
    if end <= start:
        raise RoomError(_l("The meeting must end after it starts."))
    free_ids = set(booking.free_resources(RESOURCE_KIND, utc(start), utc(end), among=[r.id for r in rooms]))
    working_day = holidays.is_working_day(day)
    found = []
    for room in rooms:
        if not (working_day or room.open_on_days_off):
            found.append(Found(room, False, _l("Closed on weekends and holidays")))
        elif start_time < room.opens_at or end_time > room.closes_at:
            found.append(Found(room, False, _l("Open %(opens)s–%(closes)s", opens=room.opens_at.strftime("%H:%M"),
                                                 closes=room.closes_at.strftime("%H:%M"))))
        elif room.id not in free_ids:
            found.append(Found(room, False, _l("Taken")))
        else:
            found.append(Found(room, True))
    return sorted(found, key=lambda f: not f.free)


def bookings_of(person):
    """A select() of the person's bookings, the latest start first."""
    return (select(Booking).join(Booking.reservation).where(Booking.booked_by_id == person.id)
            .order_by(Reservation.starts_at.desc(), Booking.id.desc()))


def upcoming_of(person, limit: int = 5, now: dt.datetime | None = None) -> list[Booking]:
    """The person's next meetings (the home card). The statement is built once per person and kept by the
    worker (core.cache), the time bound when it runs: building it cost more than running it."""
    from sqlalchemy import DateTime, bindparam

    from core import cache

    statement = cache.cached(("rooms.upcoming_of", person.id, limit), (), lambda: (
        select(Booking).join(Booking.reservation)
        .where(Booking.booked_by_id == person.id, Reservation.status.in_(OPEN_STATUSES),
               Reservation.ends_at > bindparam("upcoming_after", type_=DateTime()))
        .order_by(Reservation.starts_at).limit(limit)
    ))
    return list(db.session.scalars(statement, {"upcoming_after": _now(now)}).unique())


# --- reminders --------------------------------------------------------------------------


def send_reminders(now: dt.datetime | None = None) -> int:
    """Remind each booker of their confirmed meetings of tomorrow (Bangkok), once. For cron: `khet rooms remind`."""
    now = _now(now)
    tomorrow = calendar.to_local(now).date() + dt.timedelta(days=1)
    start, end = day_range(tomorrow)
    with write_transaction():
        ids = db.session.scalars(
            select(Booking.id).join(Booking.reservation)
            .where(Reservation.status == CONFIRMED, Reservation.starts_at >= start, Reservation.starts_at < end,
                   Booking.reminded_at.is_(None))
        ).all()
        db.session.commit()
    sent = 0
    for booking_id in ids:
        with write_transaction():
            # Claim the booking first, so two crons running at once remind once.
            claimed = db.session.execute(
                update(Booking).where(Booking.id == booking_id, Booking.reminded_at.is_(None)).values(reminded_at=now)
            ).rowcount
            record = db.session.get(Booking, booking_id)
            if claimed == 1 and record.booked_by is not None:
                notifications.notify(
                    record.booked_by, EVENT_REMINDER, _l("Tomorrow: %(title)s", title=record.title),
                    link=notifications.link_to("rooms.show_booking", booking_id=record.id), module=MODULE,
                    body=_summary(record.room, local(record.starts_at), local(record.ends_at)),
                )
                sent += 1
            db.session.commit()
    return sent


# --- calendar feeds ---------------------------------------------------------------------


def feed_token_of(person) -> FeedToken | None:
    return db.session.scalar(
        select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None)).order_by(FeedToken.id.desc())
    )


def revoke_feed_token(person, now: dt.datetime | None = None) -> int:
    """Stop every feed URL of this person; returns how many tokens were live."""
    live = db.session.scalars(select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))).all()
    for token in live:
        token.revoked_at = _now(now)
    if live:
        audit.record("feed.revoke", MODULE, "feed_token", live[-1].id, person, "")
    db.session.commit()
    return len(live)


def new_feed_token(person, now: dt.datetime | None = None) -> FeedToken:
    """A fresh secret for the person's feeds; any earlier one stops working."""
    revoke_feed_token(person, now)
    token = FeedToken(person_id=person.id, token=secrets.token_urlsafe(24))
    db.session.add(token)
    db.session.flush()
    audit.record("feed.create", MODULE, "feed_token", token.id, person, "")
    db.session.commit()
    return token


def person_for_feed(token: str) -> Person | None:
    """The owner of a live feed token who may still see room calendars; None for anything else."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token == token, FeedToken.revoked_at.is_(None)))
    if row is None or not row.person.active or not has_permission(row.person, "rooms.book"):
        return None
    return row.person


def _ics_text(value: str) -> str:
    return (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 3.1), never splitting a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _ics_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics(name: str, records: list[Booking], host: str = "khet", now: dt.datetime | None = None) -> str:
    """An iCalendar document of these bookings (pending ones marked tentative)."""
    stamp = _ics_time(_now(now))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Khet//rooms//TH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_ics_text(name)}", "X-WR-TIMEZONE:Asia/Bangkok"]
    for record in records:
        lines += [
            "BEGIN:VEVENT",
            f"UID:rooms-booking-{record.id}-{record.reservation_id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(record.starts_at)}",
            f"DTEND:{_ics_time(record.ends_at)}",
            f"SUMMARY:{_ics_text(record.title)}",
            f"LOCATION:{_ics_text(' '.join(p for p in (record.room.name, record.room.place) if p))}",
            f"DESCRIPTION:{_ics_text(record.purpose)}",
            f"STATUS:{'CONFIRMED' if record.status == CONFIRMED else 'TENTATIVE'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def feed_bookings(now: dt.datetime | None = None, room: Room | None = None, person=None) -> list[Booking]:
    """Pending and confirmed bookings from 30 days ago on, of one room or one booker."""
    query = (select(Booking).join(Booking.reservation)
             .where(Reservation.status.in_(OPEN_STATUSES), Reservation.ends_at > _now(now) - dt.timedelta(days=30))
             .order_by(Reservation.starts_at).limit(2000))
    if room is not None:
        query = query.where(Booking.room_id == room.id)
    if person is not None:
        query = query.where(Booking.booked_by_id == person.id)
    return list(db.session.scalars(query).unique())


# --- usage statistics -------------------------------------------------------------------


@dataclass
class Usage:
    """Hours of confirmed bookings in a calendar year, per month: by room and by the bookers' groups."""

    year: int  # CE
    by_room: dict[str, list[float]]
    by_group: dict[str, list[float]]

    @staticmethod
    def total(months: list[float]) -> float:
        return round(sum(months), 2)


def usage(year: int) -> Usage:
    start, end = day_range(dt.date(year, 1, 1), dt.date(year, 12, 31))
    rows = db.session.execute(
        select(Room.name, Group.name, Reservation.starts_at, Reservation.ends_at)
        .select_from(Booking).join(Booking.reservation).join(Room, Booking.room_id == Room.id)
        .outerjoin(Group, Booking.group_id == Group.id)
        .where(Reservation.status == CONFIRMED, Reservation.starts_at >= start, Reservation.starts_at < end)
        .order_by(Room.sort_order, Room.name)
    ).all()
    by_room: dict[str, list[float]] = {}
    by_group: dict[str, list[float]] = {}
    no_group = notifications.translated(_l("No group"))
    for room_name, group_name, starts_at, ends_at in rows:
        month = local(starts_at).month - 1
        hours = (ends_at - starts_at).total_seconds() / 3600
        by_room.setdefault(room_name, [0.0] * 12)[month] += hours
        by_group.setdefault(group_name or no_group, [0.0] * 12)[month] += hours
    return Usage(year, by_room, dict(sorted(by_group.items())))


def usage_workbook(report: Usage, month_names: list[str], titles: tuple[str, str], total_label: str) -> bytes:
    """The statistics as an .xlsx file: one sheet by room, one by group."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    for index, (title, rows) in enumerate(zip(titles, (report.by_room, report.by_group))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title[:31]
        sheet.append(["", *month_names, total_label])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for name, months in rows.items():
            sheet.append([name, *[round(h, 2) for h in months], report.total(months)])
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- search, people leaving -------------------------------------------------------------


def search_results(query: str, limit: int, link_for) -> list[SearchResult]:
    """Rooms by name and bookings by title; ``link_for(kind, id)`` builds the URLs."""
    rooms = db.session.scalars(
        all_rooms().where(Room.name.icontains(query, autoescape=True)).limit(limit)
    ).all()
    results = [SearchResult(title=room.name, url=link_for("room", room.id), summary=room.place) for room in rooms]
    found = db.session.scalars(
        select(Booking).join(Booking.reservation)
        .where(Reservation.status.in_(OPEN_STATUSES), Booking.title.icontains(query, autoescape=True))
        .order_by(Reservation.starts_at.desc()).limit(max(0, limit - len(results)))
    ).unique().all()
    results += [
        SearchResult(title=b.title, url=link_for("booking", b.id), when=b.starts_at,
                     summary=_summary(b.room, local(b.starts_at), local(b.ends_at)))
        for b in found
    ]
    return results[:limit]


def person_left(person, now: dt.datetime | None = None) -> None:
    """A deactivated person's future bookings are cancelled, their feeds and waits stopped (core commits)."""
    now = _now(now)
    for record in db.session.scalars(
        select(Booking).join(Booking.reservation)
        .where(Booking.booked_by_id == person.id, Reservation.status.in_(OPEN_STATUSES), Reservation.starts_at > now)
    ).unique().all():
        _free_old_time(record, None, "ผู้จองพ้นจากตำแหน่ง", now)
    for token in db.session.scalars(select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))):
        token.revoked_at = now
    for watch in db.session.scalars(select(SlotWatch).where(SlotWatch.person_id == person.id, SlotWatch.notified_at.is_(None))):
        watch.notified_at = now
