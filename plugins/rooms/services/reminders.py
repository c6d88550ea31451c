"""The day-before reminder of confirmed meetings, run daily from cron (`khet rooms remind`)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core.api import BOOKING_CONFIRMED as CONFIRMED, Reservation, calendar, db, notifications, write_transaction
from plugins.rooms.models import Booking
from plugins.rooms.services import EVENT_REMINDER, MODULE, _now, day_range, local
from plugins.rooms.services.checks import _summary


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
