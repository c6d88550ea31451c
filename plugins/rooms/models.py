"""Tables of the meeting-rooms module (prefix ``rooms_``).

The time a booking holds lives in core's booking guard (``core_reservation``):
a Booking points at its Reservation, which carries the times and the status
(pending, confirmed, cancelled, refused). A blocked period is a confirmed
reservation too, so the guard keeps bookings out of it like any other meeting.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import Reservation, db, utcnow

RESOURCE_KIND = "rooms.room"  # the guard's name for a room: ("rooms.room", room.id)

room_groups = Table(
    "rooms_room_group",
    db.metadata,
    Column("room_id", ForeignKey("rooms_room.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("core_group.id", ondelete="CASCADE"), primary_key=True),
)

room_people = Table(
    "rooms_room_person",
    db.metadata,
    Column("room_id", ForeignKey("rooms_room.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("core_person.id", ondelete="CASCADE"), primary_key=True),
)

booking_groups = Table(
    "rooms_booking_group",
    db.metadata,
    Column("booking_id", ForeignKey("rooms_booking.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("core_group.id", ondelete="CASCADE"), primary_key=True),
)


class Room(db.Model):
    """A meeting room the office lends out."""

    __tablename__ = "rooms_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    building: Mapped[str] = mapped_column(String(200), default="")
    floor: Mapped[str] = mapped_column(String(50), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    # Where the key is, whom to call for the microphones: shown to people booking.
    notes: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(8, 0))
    closes_at: Mapped[dt.time] = mapped_column(Time, default=dt.time(18, 0))
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    # False: anyone holding rooms.book may book; True: only the listed groups and people.
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Weekends and government holidays are closed unless the room says otherwise.
    open_on_days_off: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    approver = relationship("Person", foreign_keys=[approver_id])
    allowed_groups = relationship("Group", secondary=room_groups, order_by="Group.sort_order")
    allowed_people = relationship("Person", secondary=room_people, order_by="Person.first_name")
    equipment_rows: Mapped[list[RoomEquipment]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="RoomEquipment.code"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def equipment(self) -> list[str]:
        return [row.code for row in self.equipment_rows]

    @property
    def place(self) -> str:
        return " ".join(part for part in (self.building, self.floor) if part)


class RoomEquipment(db.Model):
    """One piece of equipment a room has (a row per code, so "rooms with a projector" is a join)."""

    __tablename__ = "rooms_room_equipment"

    room_id: Mapped[int] = mapped_column(ForeignKey("rooms_room.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)

    room: Mapped[Room] = relationship(back_populates="equipment_rows")


class Booking(db.Model):
    """A meeting in a room: what the booker asked for, around the guard's reservation of the time."""

    __tablename__ = "rooms_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms_room.id", ondelete="RESTRICT"), index=True)
    # Replaced when the booker moves the meeting: the old reservation is cancelled, never reused.
    reservation_id: Mapped[int] = mapped_column(ForeignKey("core_reservation.id", ondelete="RESTRICT"), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(Text, default="")
    chair: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[int] = mapped_column(Integer, default=1)
    equipment: Mapped[list | None] = mapped_column(JSON)  # codes of equipment the meeting needs
    refreshments: Mapped[str] = mapped_column(Text, default="")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"), index=True)
    # The booker's group when booking: usage statistics count hours by it.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="SET NULL"))
    # A letter of the correspondence module, if the meeting answers one; that module is optional.
    letter_id: Mapped[int | None] = mapped_column(Integer)
    # The bookings made together as a recurring meeting share this id.
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    room: Mapped[Room] = relationship()
    reservation: Mapped[Reservation] = relationship(lazy="joined", innerjoin=True)
    booked_by = relationship("Person", foreign_keys=[booked_by_id])
    group = relationship("Group", foreign_keys=[group_id])
    attendee_groups = relationship("Group", secondary=booking_groups, order_by="Group.sort_order")

    @property
    def starts_at(self) -> dt.datetime:
        return self.reservation.starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.reservation.ends_at

    @property
    def status(self) -> str:
        return self.reservation.status

    @property
    def over_capacity(self) -> bool:
        return self.attendees > self.room.capacity


class BlockedPeriod(db.Model):
    """A stretch when a room cannot be booked (renovation, exams), held in the guard as a confirmed reservation."""

    __tablename__ = "rooms_blocked_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms_room.id", ondelete="CASCADE"), index=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("core_reservation.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    room: Mapped[Room] = relationship()
    reservation: Mapped[Reservation] = relationship(lazy="joined", innerjoin=True)
    created_by = relationship("Person")

    @property
    def starts_at(self) -> dt.datetime:
        return self.reservation.starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.reservation.ends_at


class SlotWatch(db.Model):
    """"Tell me if this time frees up": a person waiting for a taken slot of a room."""

    __tablename__ = "rooms_slot_watch"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms_room.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    room: Mapped[Room] = relationship()
    person = relationship("Person")


class FeedToken(db.Model):
    """The secret in a person's calendar (.ics) feed URLs; revoking it makes every such URL stop working."""

    __tablename__ = "rooms_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    person = relationship("Person")
