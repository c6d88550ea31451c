"""Running numbers: register numbers, circular numbers, order numbers. See docs/services/numbers.md.

A series is named by (series key, scope, year): ("correspondence.outgoing",
"office", 2569) is the office's outgoing register for BE 2569. Numbers in a
series are consecutive, never duplicated and never reused, even when two clerks
press save in the same second (AMSS++ took MAX+1 and got duplicates):

- the series' counter row is locked for the rest of the caller's transaction
  (SELECT ... FOR UPDATE on PostgreSQL and MariaDB; on SQLite the write
  transaction itself, BEGIN IMMEDIATE), so takers of one series queue;
- the issued-numbers table has a unique constraint on (series, number), so even
  code that went around the counter could not store a number twice.

``take_number`` joins the caller's transaction and does not commit: if the
caller's save fails and rolls back, the number goes back too, leaving no gap.
A cancelled number stays in the register, marked, and is never issued again.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, contains_eager, lazyload, mapped_column, relationship

from core.calendar import calendar_year_be, fiscal_year, to_local
from core.db import db, utcnow, write_transaction
from core.services.locking import lock_or_create

YEAR_KINDS = ("calendar", "fiscal")


class NumberSeries(db.Model):
    """The counter of one series in one year: the row every taker locks."""

    __tablename__ = "core_number_series"
    __table_args__ = (
        UniqueConstraint("series_key", "scope", "year"),
        CheckConstraint("year_kind IN ('calendar', 'fiscal')", name="year_kind"),
        CheckConstraint("next_number >= 1", name="next_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_key: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)  # BE, calendar or fiscal as year_kind says
    year_kind: Mapped[str] = mapped_column(String(10), default="calendar")
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NumberSeries {self.series_key} {self.scope} {self.year} next={self.next_number}>"


class IssuedNumber(db.Model):
    """A number given out, for as long as the register exists; a cancelled one is marked, not deleted."""

    __tablename__ = "core_issued_number"
    __table_args__ = (UniqueConstraint("series_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("core_number_series.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    issued_for: Mapped[dt.date] = mapped_column(Date)  # the date the number was taken for (decides the year)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    series: Mapped[NumberSeries] = relationship(lazy="joined")
    taken_by = relationship("Person", foreign_keys=[taken_by_id])
    cancelled_by = relationship("Person", foreign_keys=[cancelled_by_id])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def year(self) -> int:
        return self.series.year

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<IssuedNumber {self.number}/{self.series.year} {self.series.series_key}{state}>"


class NumberError(ValueError):
    """A request the rules of running numbers refuse; the message is meant for the user."""


def _check_year_kind(year_kind: str) -> None:
    if year_kind not in YEAR_KINDS:
        raise ValueError(f"year_kind must be one of {YEAR_KINDS}, not {year_kind!r}")


def _day(on_date: dt.date | dt.datetime) -> dt.date:
    """A datetime (naive UTC, as stored) counts as its date in Bangkok."""
    return to_local(on_date).date() if isinstance(on_date, dt.datetime) else on_date


def year_of(on_date: dt.date, year_kind: str = "calendar") -> int:
    """The BE year a date belongs to in a series: calendar (registers) or fiscal (from 1 October)."""
    _check_year_kind(year_kind)
    day = _day(on_date)
    return calendar_year_be(day) if year_kind == "calendar" else fiscal_year(day)


def _locked_series(series_key: str, scope: str, year: int, year_kind: str) -> NumberSeries:
    _check_year_kind(year_kind)
    series = lock_or_create(
        NumberSeries,
        {"series_key": series_key, "scope": scope, "year": year},
        {"year_kind": year_kind, "next_number": 1},
    )
    if series.year_kind != year_kind:
        raise ValueError(f"series {series_key!r} {scope!r} {year} counts {series.year_kind} years, not {year_kind}")
    return series


def take_number(
    series_key: str,
    scope: str,
    on_date: dt.date,
    year_kind: str = "calendar",
    taken_by=None,
    note: str = "",
) -> IssuedNumber:
    """Give out the next number of the series for ``on_date``'s year, inside the caller's transaction.

    The series' counter stays locked until the caller commits or rolls back:
    commit soon after (save the letter, then commit). A rollback returns the number.
    """
    series = _locked_series(series_key, scope, year_of(on_date, year_kind), year_kind)
    issued = IssuedNumber(
        series=series,
        number=series.next_number,
        issued_for=_day(on_date),
        taken_by_id=getattr(taken_by, "id", taken_by),
        note=note[:500],
    )
    series.next_number += 1
    db.session.add(issued)
    db.session.flush()
    return issued


def cancel_number(issued: IssuedNumber, reason: str, by) -> IssuedNumber:
    """Mark a number cancelled with the reason and who cancelled it. It is kept and never issued again."""
    reason = (reason or "").strip()
    if not reason:
        raise NumberError(_l("Give the reason for cancelling the number."))
    with write_transaction():  # lock the row: of two clerks cancelling at once, the second is told it is done
        issued = db.session.scalars(
            select(IssuedNumber)
            .options(lazyload(IssuedNumber.series))  # lock this row only, not the series' counter
            .where(IssuedNumber.id == issued.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    if issued.cancelled:
        raise NumberError(_l("Number %(number)s is already cancelled.", number=issued.number))
    issued.cancelled_at = utcnow()
    issued.cancelled_by_id = getattr(by, "id", by)
    issued.cancel_reason = reason
    db.session.flush()
    return issued


def set_next_number(series_key: str, scope: str, year: int, next_number: int, year_kind: str = "calendar") -> NumberSeries:
    """Make ``next_number`` the next number given in the series (an office moving from AMSS++ mid-year).

    Refused if a number at or above it has already been given: numbers are never given twice.
    """
    if next_number < 1:
        raise NumberError(_l("The next number must be 1 or more."))
    series = _locked_series(series_key, scope, year, year_kind)
    highest = db.session.scalar(
        select(IssuedNumber.number)
        .where(IssuedNumber.series_id == series.id)
        .order_by(IssuedNumber.number.desc())
        .limit(1)
        .with_for_update()  # a locking read sees the latest commit on MariaDB too
    )
    if highest is not None and next_number <= highest:
        raise NumberError(
            _l("Number %(highest)s has already been given; the next number must be higher.", highest=highest)
        )
    series.next_number = next_number
    db.session.flush()
    return series


def peek_next(series_key: str, scope: str, on_date: dt.date, year_kind: str = "calendar") -> int:
    """The number ``take_number`` would give now. Only a preview: someone else may take it first."""
    year = year_of(on_date, year_kind)
    return db.session.scalar(
        select(NumberSeries.next_number).where(
            NumberSeries.series_key == series_key, NumberSeries.scope == scope, NumberSeries.year == year
        )
    ) or 1


def issued_numbers(series_key: str, scope: str, year: int):
    """A select() of the series' issued numbers in order, cancelled ones included: a register's rows."""
    return (
        select(IssuedNumber)
        .join(IssuedNumber.series)
        .options(contains_eager(IssuedNumber.series))
        .where(NumberSeries.series_key == series_key, NumberSeries.scope == scope, NumberSeries.year == year)
        .order_by(IssuedNumber.number)
    )
