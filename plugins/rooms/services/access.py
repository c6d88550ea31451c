"""Who may book which room, and change or cancel which booking: as SQL filters where a list is wanted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import false, or_, select

from core.api import GroupMembership, db, has_permission
from plugins.rooms.models import Booking, Room, room_groups, room_people
from plugins.rooms.permissions import BOOK, MANAGE
from plugins.rooms.services import OPEN_STATUSES, _now
from plugins.rooms.services.rooms import all_rooms


def is_manager(person) -> bool:
    return has_permission(person, MANAGE)


def bookable_rooms(person):
    """A select() of the active rooms ``person`` may book: open to all, or listing them or one of their groups."""
    query = all_rooms()
    if not has_permission(person, BOOK):
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


def may_change(record: Booking, person, now: dt.datetime | None = None) -> bool:
    """The booker may change or cancel their own booking until it starts."""
    return (record.booked_by_id == getattr(person, "id", None) and record.status in OPEN_STATUSES
            and record.starts_at > _now(now))


def may_cancel(record: Booking, person, now: dt.datetime | None = None) -> bool:
    return may_change(record, person, now) or (is_manager(person) and record.status in OPEN_STATUSES
                                                 and record.ends_at > _now(now))
