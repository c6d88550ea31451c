"""Reading the rooms' calendars: the day grid across rooms, a room's week and month, finding a free room."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import BookingResource, Reservation, booking, db, holidays
from plugins.rooms.models import RESOURCE_KIND, BlockedPeriod, Booking, Room, RoomEquipment
from plugins.rooms.services import OPEN_STATUSES, RoomError, at, day_range, local, utc
from plugins.rooms.services.access import bookable_rooms


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
