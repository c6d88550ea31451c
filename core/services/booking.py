"""The booking guard: confirmed reservations of one resource never overlap. See docs/services/booking.md.

A resource is anything a module lends out for a stretch of time, named by a
kind and the module's own id: ("rooms.room", 5), ("vehicles.car", 2). Requests
start pending and may overlap each other; confirming one that overlaps a
confirmed reservation raises BookingConflict naming the reservations in the way.
(AMSS++ never checked, and two meetings in one room was a daily annoyance.)

Every change to a resource's reservations first locks the resource's row
(core/services/locking.py) until the caller's transaction ends, so two
confirmations of one room run one after the other and the second sees the
first. On PostgreSQL an exclusion constraint on (resource, time range) of
confirmed reservations backs this up inside the database itself.

Times are half-open intervals [start, end): a meeting ending at 10:00 and one
starting at 10:00 do not overlap. Naive datetimes are UTC, as everywhere in
Khet; aware ones are converted.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_, func, select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.calendar import format_datetime, to_local, to_stored
from core.db import db, utcnow, write_transaction
from core.services.holidays import DaysOff
from core.services.locking import lock_or_create

PENDING, CONFIRMED, CANCELLED, REFUSED = "pending", "confirmed", "cancelled", "refused"
STATUSES = (PENDING, CONFIRMED, CANCELLED, REFUSED)
RULES = {"daily", "weekly", "monthly"}
MAX_OCCURRENCES = 366


class BookingResource(db.Model):
    """A bookable thing of some module, named by (kind, the module's id for it); its row is the lock."""

    __tablename__ = "core_booking_resource"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<BookingResource {self.kind} {self.external_id}>"


class Reservation(db.Model):
    """One booking of a resource from ``starts_at`` to ``ends_at`` (naive UTC, end excluded)."""

    __tablename__ = "core_reservation"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled', 'refused')", name="status"),
        # The overlap check asks for a resource's reservations ending after a start:
        # with ends_at in the index it skips the resource's past (bench: 3.6 -> 0.3 ms at 10,000 rows).
        Index("ix_core_reservation_resource_id_ends_at", "resource_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("core_booking_resource.id", ondelete="RESTRICT"))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    title: Mapped[str] = mapped_column(String(255), default="")
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    # Reservations made together by reserve_series share this id, so a module can cancel the lot.
    recurrence_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The last change of status: when, by whom, and the reason given for a cancellation or refusal.
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    status_reason: Mapped[str] = mapped_column(Text, default="")

    # An inner join: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    resource: Mapped[BookingResource] = relationship(lazy="joined", innerjoin=True)
    holder = relationship("Person", foreign_keys=[holder_id])
    status_changed_by = relationship("Person", foreign_keys=[status_changed_by_id])

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.starts_at < end and start < self.ends_at

    def __repr__(self) -> str:
        return f"<Reservation {self.id} {self.status} {self.starts_at}-{self.ends_at} {self.title!r}>"


class BookingError(ValueError):
    """A request the booking rules refuse; the message is meant for the user."""


class BookingConflict(BookingError):
    """The time asked for overlaps confirmed reservations: ``conflicts`` names them.

    For a series, ``dates`` are the (Bangkok) dates whose occurrence conflicts.
    """

    def __init__(self, conflicts: list[Reservation], dates: list[dt.date] | None = None):
        self.conflicts = conflicts
        self.dates = dates or []
        described = "; ".join(
            f"#{r.id} {r.title} {format_datetime(r.starts_at, locale='en')}–{format_datetime(r.ends_at, locale='en')}"
            for r in conflicts
        )
        super().__init__(f"overlaps confirmed reservation(s): {described}")

    def describe(self) -> str:
        """The conflict in the reader's language, for a flash message (call it while handling a request)."""
        from core.i18n import current_locale

        locale = current_locale()
        which = ", ".join(
            f"{r.title} ({format_datetime(r.starts_at, locale=locale)} – {format_datetime(r.ends_at, locale=locale)})"
            for r in self.conflicts
        )
        return str(_l("The time overlaps a confirmed booking: %(which)s", which=which))


@dataclass
class SeriesResult:
    """What reserve_series made: the reservations, and the dates it left out and why."""

    created: list[Reservation] = field(default_factory=list)
    conflicting_dates: list[dt.date] = field(default_factory=list)
    skipped_dates: list[dt.date] = field(default_factory=list)  # weekends and holidays
    conflicts: list[Reservation] = field(default_factory=list)  # the confirmed reservations in the way


# --- resources and times ----------------------------------------------------------------


def _check_times(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start, end = to_stored(start), to_stored(end)
    if end <= start:
        raise BookingError(_l("The end must be after the start."))
    return start, end


def _key(resource) -> dict:
    if isinstance(resource, BookingResource):
        return {"kind": resource.kind, "external_id": resource.external_id}
    kind, external_id = resource
    return {"kind": kind, "external_id": int(external_id)}


def lock_resource(resource) -> BookingResource:
    """The resource's row, created if new, locked until the caller's transaction ends."""
    return lock_or_create(BookingResource, _key(resource))


def find_resource(resource) -> BookingResource | None:
    if isinstance(resource, BookingResource):
        return resource
    return db.session.scalar(select(BookingResource).filter_by(**_key(resource)))


def overlapping(start: dt.datetime, end: dt.datetime):
    """The SQL test "the reservation overlaps [start, end)" (stored times), written so an index can serve it.

    The two comparisons alone leave only ``ends_at > start`` to the
    (resource_id, ends_at) index, which then reads the resource's whole future.
    On PostgreSQL the same test is also written as ``tsrange && tsrange``, which
    a GiST index answers with just the overlapping rows: the exclusion
    constraint's when the query asks for ``status = 'confirmed'`` (bench, 50
    rooms and 100,000 reservations: free rooms for two hours 16.5 -> 1.1 ms),
    ix_core_reservation_open_during (migration 0006) when it asks for pending
    and confirmed ones (a day of all rooms: 35 -> 1.4 ms). The comparisons stay
    for the planner's estimates. SQLite and MariaDB have no range type: there
    the b-tree serves ``ends_at > start`` and the rest is filtered.
    """
    plain = and_(Reservation.starts_at < end, Reservation.ends_at > start)
    if db.session.get_bind().dialect.name != "postgresql":
        return plain
    during = func.tsrange(Reservation.starts_at, Reservation.ends_at).op("&&")(func.tsrange(start, end))
    return and_(plain, during)


def _confirmed_overlapping(resource_id: int, start: dt.datetime, end: dt.datetime, exclude_id=None, lock=False):
    query = (
        select(Reservation)
        .where(
            Reservation.resource_id == resource_id,
            Reservation.status == CONFIRMED,
            overlapping(start, end),
        )
        .order_by(Reservation.starts_at, Reservation.id)
    )
    if exclude_id is not None:
        query = query.where(Reservation.id != exclude_id)
    if lock:
        # Under the resource lock: a locking read sees what the previous holder committed,
        # also on MariaDB, where a plain read would see the transaction's older snapshot.
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(query))


# --- asking ---------------------------------------------------------------------------------


def conflicts(resource, start: dt.datetime, end: dt.datetime, exclude: Reservation | None = None) -> list[Reservation]:
    """The confirmed reservations of ``resource`` that overlap [start, end). A preview: takes no lock."""
    start, end = _check_times(start, end)
    found = find_resource(resource)
    if found is None or found.id is None:
        return []
    return _confirmed_overlapping(found.id, start, end, exclude.id if exclude else None)


def free_resources(kind: str, start: dt.datetime, end: dt.datetime, among: Iterable[int] | None = None) -> list[int]:
    """The ids of ``kind`` with no confirmed reservation overlapping [start, end).

    Pass your own ids in ``among`` (every room of the office): a resource never
    booked has no row here yet and is free. Without ``among``, only resources
    that have been booked before are considered.
    """
    start, end = _check_times(start, end)
    query = (
        select(BookingResource.external_id)
        .join(Reservation, Reservation.resource_id == BookingResource.id)
        .where(BookingResource.kind == kind, Reservation.status == CONFIRMED, overlapping(start, end))
    )
    if among is not None:
        among = {int(i) for i in among}
        if not among:
            return []
        query = query.where(BookingResource.external_id.in_(among))
    else:
        among = set(db.session.scalars(select(BookingResource.external_id).where(BookingResource.kind == kind)))
    return sorted(among - set(db.session.scalars(query)))


def reservations_between(resource, start: dt.datetime, end: dt.datetime, statuses=(PENDING, CONFIRMED)):
    """A select() of the resource's reservations overlapping [start, end), by start: for calendars."""
    start, end = _check_times(start, end)
    return (
        select(Reservation)
        .join(Reservation.resource)
        .where(
            BookingResource.kind == _key(resource)["kind"],
            BookingResource.external_id == _key(resource)["external_id"],
            Reservation.status.in_(statuses),
            overlapping(start, end),
        )
        .order_by(Reservation.starts_at, Reservation.id)
    )


# --- changing -------------------------------------------------------------------------------


def _person_id(person):
    return getattr(person, "id", person)


def reserve(resource, start: dt.datetime, end: dt.datetime, holder=None, title: str = "", confirm: bool = False) -> Reservation:
    """Ask for ``resource`` from ``start`` to ``end``: pending, or confirmed at once with ``confirm=True``.

    A confirmed reservation raises BookingConflict if it would overlap another
    confirmed one; nothing is written then. Joins the caller's transaction (the
    caller commits).
    """
    start, end = _check_times(start, end)
    with write_transaction():
        locked = lock_resource(resource)
        if confirm:
            in_the_way = _confirmed_overlapping(locked.id, start, end, lock=True)
            if in_the_way:
                raise BookingConflict(in_the_way)
        reservation = Reservation(
            resource=locked, starts_at=start, ends_at=end, title=title[:255], holder_id=_person_id(holder),
            status=CONFIRMED if confirm else PENDING,
        )
        if confirm:
            reservation.status_changed_at, reservation.status_changed_by_id = utcnow(), _person_id(holder)
        db.session.add(reservation)
        db.session.flush()
    return reservation


def _locked_again(reservation: Reservation) -> Reservation:
    """Lock the reservation's resource, then re-read the reservation: another request may have changed it."""
    with write_transaction():
        lock_resource(reservation.resource)
        return db.session.scalars(
            select(Reservation).where(Reservation.id == reservation.id).with_for_update().execution_options(populate_existing=True)
        ).one()


def _set_status(reservation: Reservation, status: str, by, reason: str = "") -> Reservation:
    reservation.status = status
    reservation.status_changed_at = utcnow()
    reservation.status_changed_by_id = _person_id(by)
    reservation.status_reason = reason
    db.session.flush()
    return reservation


def confirm(reservation: Reservation, by=None) -> Reservation:
    """Confirm a pending reservation; BookingConflict if a confirmed one overlaps it. Confirming twice is harmless."""
    reservation = _locked_again(reservation)
    if reservation.status == CONFIRMED:
        return reservation
    if reservation.status != PENDING:
        raise BookingError(_l("Only a pending request can be confirmed."))
    in_the_way = _confirmed_overlapping(reservation.resource_id, reservation.starts_at, reservation.ends_at,
                                        exclude_id=reservation.id, lock=True)
    if in_the_way:
        raise BookingConflict(in_the_way)
    return _set_status(reservation, CONFIRMED, by)


def refuse(reservation: Reservation, by, reason: str) -> Reservation:
    """Refuse a pending request, with the reason the requester will read."""
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(_l("Give the reason for refusing."))
    reservation = _locked_again(reservation)
    if reservation.status != PENDING:
        raise BookingError(_l("Only a pending request can be refused."))
    return _set_status(reservation, REFUSED, by, reason)


def cancel(reservation: Reservation, by, reason: str = "") -> Reservation:
    """Cancel a pending or confirmed reservation; the time becomes free. The row is kept."""
    reservation = _locked_again(reservation)
    if reservation.status not in (PENDING, CONFIRMED):
        raise BookingError(_l("This reservation is already cancelled or refused."))
    return _set_status(reservation, CANCELLED, by, (reason or "").strip())


# --- recurring ---------------------------------------------------------------------------


def _add_months(moment: dt.datetime, months: int) -> dt.datetime | None:
    """The same day of the month ``months`` later, or None when that month is too short (31 -> April)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    if moment.day > month_calendar.monthrange(year, month)[1]:
        return None
    return moment.replace(year=year, month=month)


def occurrences(start: dt.datetime, rule: str, until: dt.date | None = None, count: int | None = None) -> list[dt.datetime]:
    """Start times of a recurrence, in Bangkok wall-clock time, from ``start`` on.

    ``count`` counts occurrences of the pattern (days off among them); ``until``
    is the last date allowed. Monthly repeats the day of the month and leaves out
    months without it.
    """
    if rule not in RULES:
        raise BookingError(_l("Repeat daily, weekly or monthly."))
    if until is None and count is None:
        raise BookingError(_l("Say until when, or how many times, it repeats."))
    if count is not None and count < 1:
        raise BookingError(_l("Repeat at least once."))
    local_start = to_local(start)
    found: list[dt.datetime] = []
    step = 0
    while count is None or len(found) < count:
        if rule == "monthly":
            moment = _add_months(local_start, step)
        else:
            moment = local_start + dt.timedelta(days=step * (7 if rule == "weekly" else 1))
        step += 1
        if moment is None:
            continue
        if until is not None and moment.date() > until:
            break
        found.append(moment)
        if len(found) > MAX_OCCURRENCES:
            raise BookingError(_l("A series may have at most %(limit)s occurrences.", limit=MAX_OCCURRENCES))
    return [to_stored(moment) for moment in found]


def reserve_series(
    resource,
    start: dt.datetime,
    end: dt.datetime,
    rule: str,
    until: dt.date | None = None,
    count: int | None = None,
    holder=None,
    title: str = "",
    confirm: bool = False,
    skip_holidays: bool = True,
    on_conflict: str = "fail",
) -> SeriesResult:
    """Book ``start``-``end`` again every day, week or month, in one go.

    With ``skip_holidays`` (the default) occurrences on days the office is closed
    (weekends and holidays) are left out and listed in ``skipped_dates``.
    Occurrences overlapping a confirmed reservation are conflicts, whether the
    series is confirmed or pending: with ``on_conflict="fail"`` (the default)
    BookingConflict is raised and nothing is written; with ``"skip"`` the other
    occurrences are made and the conflicting dates listed.
    """
    if on_conflict not in ("fail", "skip"):
        raise ValueError('on_conflict must be "fail" or "skip"')
    start, end = _check_times(start, end)
    duration = end - start
    times = occurrences(start, rule, until, count)
    shortest_gap = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7), "monthly": dt.timedelta(days=28)}[rule]
    if duration > shortest_gap:
        raise BookingError(_l("Each occurrence would overlap the next one."))
    result = SeriesResult()
    if skip_holidays and times:
        days_off = DaysOff().cover(to_local(times[0]).date(), to_local(times[-1]).date())
        kept = []
        for moment in times:
            day = to_local(moment).date()
            if days_off.is_working_day(day):
                kept.append(moment)
            else:
                result.skipped_dates.append(day)
        times = kept
    with write_transaction():
        locked = lock_resource(resource)
        existing = _confirmed_overlapping(locked.id, times[0], times[-1] + duration, lock=True) if times else []
        free_times = []
        for moment in times:
            in_the_way = [r for r in existing if r.overlaps(moment, moment + duration)]
            if in_the_way:
                result.conflicting_dates.append(to_local(moment).date())
                result.conflicts.extend(r for r in in_the_way if r not in result.conflicts)
            else:
                free_times.append(moment)
        if result.conflicting_dates and on_conflict == "fail":
            raise BookingConflict(result.conflicts, result.conflicting_dates)
        recurrence_id = uuid.uuid4().hex
        changed_at = utcnow() if confirm else None
        for moment in free_times:
            reservation = Reservation(
                resource=locked, starts_at=moment, ends_at=moment + duration, title=title[:255],
                holder_id=_person_id(holder), status=CONFIRMED if confirm else PENDING, recurrence_id=recurrence_id,
                status_changed_at=changed_at, status_changed_by_id=_person_id(holder) if confirm else None,
            )
            db.session.add(reservation)
            result.created.append(reservation)
        db.session.flush()
    return result


def cancel_series(recurrence_id: str, by, reason: str = "", from_time: dt.datetime | None = None) -> list[Reservation]:
    """Cancel the pending and confirmed reservations of a series (those starting at ``from_time`` or later)."""
    query = select(Reservation).where(Reservation.recurrence_id == recurrence_id, Reservation.status.in_((PENDING, CONFIRMED)))
    if from_time is not None:
        query = query.where(Reservation.starts_at >= to_stored(from_time))
    return [cancel(reservation, by, reason) for reservation in db.session.scalars(query).all()]
