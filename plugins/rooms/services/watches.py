"""Waiting for a taken time of a room: asking to be told, and telling the people waiting when it frees up."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import db, notifications
from plugins.rooms.models import Room, SlotWatch
from plugins.rooms.services import EVENT_SLOT_FREED, MODULE, RoomError, _now, as_bangkok, local, utc
from plugins.rooms.services.access import may_book
from plugins.rooms.services.checks import _change, _summary, _taken


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
