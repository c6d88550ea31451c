"""The rooms themselves: listing them, creating and changing one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import Group, Person, audit, booking, db, has_permission
from plugins.rooms.models import RESOURCE_KIND, Room, RoomEquipment
from plugins.rooms.services import DECIDE_PERMISSION, EQUIPMENT, MODULE, STEP_MINUTES, RoomError


def resource(room: Room | int) -> tuple[str, int]:
    return RESOURCE_KIND, getattr(room, "id", room)


def all_rooms(include_inactive: bool = False):
    query = select(Room).order_by(Room.sort_order, Room.name, Room.id)
    return query if include_inactive else query.where(Room.active.is_(True))


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
    approver_changed = not created and room.approver_id != (fields.approver.id if fields.approver else None)
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
    if approver_changed and room.needs_approval:
        from plugins.rooms.services.decisions import reroute_requests

        reroute_requests(room, by)  # requests waiting on the former approver go to the new one
    audit.record("room.create" if created else "room.update", MODULE, "room", room.id, by, room.name)
    db.session.flush()  # the caller commits
    return room
