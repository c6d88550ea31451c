"""Visits: the day's log, recording arrivals and departures, who is waiting for whom.

Times are stored as naive UTC (like all of Khet) while the log is kept by the
office's calendar day in Bangkok, so "today" is a UTC range computed here.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.api import GroupMembership, Person, bangkok_at, db, local_today, stored_day_range, to_local, to_stored, utcnow
from khet_visitors.models import Visit
from khet_visitors.services import VisitError


def day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The naive-UTC start (inclusive) and end (exclusive) of one Bangkok calendar day."""
    return stored_day_range(day)


def visits_on(day: dt.date):
    """The select() of one day's visits, latest arrival first."""
    start, end = day_range(day)
    return (
        select(Visit)
        .where(Visit.arrived_at >= start, Visit.arrived_at < end)
        .order_by(Visit.arrived_at.desc(), Visit.id.desc())
    )


def today_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """How many visitors came today, and how many of them have not signed out."""
    day = to_local(now).date() if now else local_today()
    start, end = day_range(day)
    on_day = (Visit.arrived_at >= start, Visit.arrived_at < end)
    total = db.session.scalar(select(func.count(Visit.id)).where(*on_day))
    still_here = db.session.scalar(select(func.count(Visit.id)).where(*on_day, Visit.left_at.is_(None)))
    return {"total": total or 0, "still_here": still_here or 0}


def office_staff():
    """Who a visitor can come to see: active people who belong to a group of the office."""
    staff = select(GroupMembership.person_id)
    return db.session.scalars(
        select(Person).where(Person.active.is_(True), Person.id.in_(staff)).order_by(Person.first_name, Person.last_name)
    ).all()


def arrival_today(time_of_day: dt.time, now: dt.datetime | None = None) -> dt.datetime:
    """Today's date (in Bangkok) at the given local time, as naive UTC: for arrivals recorded late."""
    today = to_local(now or utcnow()).date()
    return to_stored(bangkok_at(today, time_of_day))


def record_arrival(
    *, visitor_name: str, purpose: str, host: Person | None, recorded_by: Person,
    organisation: str = "", phone: str = "", arrived_at: dt.datetime | None = None, now: dt.datetime | None = None,
) -> Visit:
    """Log a visitor coming in. Checks everything before writing, so a refusal leaves no trace; the caller commits."""
    now = now or utcnow()
    visitor_name, purpose = visitor_name.strip(), purpose.strip()
    if not visitor_name:
        raise VisitError(_l("Write the visitor's name."))
    if not purpose:
        raise VisitError(_l("Write the purpose of the visit."))
    if host is None or not host.active:
        raise VisitError(_l("Choose the person being visited from the office staff."))
    arrived_at = arrived_at or now
    if arrived_at > now:
        raise VisitError(_l("The time in cannot be later than now."))
    visit = Visit(
        visitor_name=visitor_name, organisation=organisation.strip(), phone=phone.strip(), purpose=purpose,
        host_id=host.id, arrived_at=arrived_at, recorded_by_id=recorded_by.id,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def record_departure(visit: Visit, now: dt.datetime | None = None) -> None:
    """Sign a visitor out; a visit is signed out once."""
    if visit.left_at is not None:
        raise VisitError(_l("%(name)s has already signed out.", name=visit.visitor_name))
    visit.left_at = max(now or utcnow(), visit.arrived_at)
    db.session.flush()


def waiting_for(host: Person, now: dt.datetime | None = None) -> list[Visit]:
    """Today's visitors of ``host`` who have not signed out, earliest first."""
    start, end = day_range(to_local(now).date() if now else local_today())
    return list(db.session.scalars(
        select(Visit)
        .where(Visit.host_id == host.id, Visit.left_at.is_(None), Visit.arrived_at >= start, Visit.arrived_at < end)
        .order_by(Visit.arrived_at)
    ))


def sign_out_everyone(now: dt.datetime | None = None) -> int:
    """Sign out every visit still open, whatever its day: the office is closing. Returns how many."""
    now = now or utcnow()
    open_visits = db.session.scalars(select(Visit).where(Visit.left_at.is_(None))).all()
    for visit in open_visits:
        visit.left_at = max(now, visit.arrived_at)
    db.session.flush()
    return len(open_visits)
