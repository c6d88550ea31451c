"""iCalendar feeds of a person's bookings and of a room, behind a secret token per person."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select

from core.api import BOOKING_CONFIRMED as CONFIRMED, Person, Reservation, audit, db, has_permission
from plugins.rooms.models import Booking, FeedToken, Room
from plugins.rooms.permissions import BOOK
from plugins.rooms.services import MODULE, OPEN_STATUSES, _now


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
    db.session.flush()  # the caller commits
    return len(live)


def new_feed_token(person, now: dt.datetime | None = None) -> FeedToken:
    """A fresh secret for the person's feeds; any earlier one stops working."""
    revoke_feed_token(person, now)
    token = FeedToken(person_id=person.id, token=secrets.token_urlsafe(24))
    db.session.add(token)
    db.session.flush()
    audit.record("feed.create", MODULE, "feed_token", token.id, person, "")
    db.session.flush()  # the caller commits
    return token


def person_for_feed(token: str) -> Person | None:
    """The owner of a live feed token who may still see room calendars; None for anything else."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token == token, FeedToken.revoked_at.is_(None)))
    if row is None or not row.person.active or not has_permission(row.person, BOOK):
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
