"""A register for a range of days, in the regulation's columns: the lines a print or a file shows.

The lines are the register's lines registered on those Bangkok days, in number order; secret lines only for
the people named on them (the same SQL condition as the register page); a cancelled line stays, marked with
its reason. Exported files leave Khet for archives and other offices, so their dates are always written the
Thai official way (Buddhist Era) whatever the language of the person exporting.

A year of an office's outgoing register is about 20,000 lines: the lines are read in batches and written
straight to a temporary file (xlsx in openpyxl's write-only mode), never held in memory all at once. The file
itself is laid out and written by the module's ``exports.py`` through ``core.exports``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api import calendar_year_be, ce_year, db, format_date, local_today, parse_be_date, stored_day_range
from plugins.correspondence.models import Letter, Register
from plugins.correspondence.services import CorrespondenceError, letter_code_of, register_title, secret_filter

RECEIVING_KINDS = ("incoming", "secret")  # registers of letters received: the time of receipt is a column
MAX_DAYS = 2 * 366  # two registers' years at most in one print or file
BATCH = 1000


# --- the range of days ------------------------------------------------------------


@dataclass(frozen=True)
class DayRange:
    """Bangkok days ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    def stored(self) -> tuple[dt.datetime, dt.datetime]:
        return stored_day_range(self.first, self.last)

    def as_args(self) -> dict[str, str]:
        return {"first": self.first.isoformat(), "last": self.last.isoformat()}


def month_of(day: dt.date) -> DayRange:
    """The calendar month ``day`` is in: what a register print shows unless asked otherwise."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return DayRange(first, following - dt.timedelta(days=1))


def year_range(be_year: int) -> DayRange:
    """The whole calendar year of a register, named in BE (registers restart on 1 January)."""
    return DayRange(dt.date(ce_year(be_year), 1, 1), dt.date(ce_year(be_year), 12, 31))


def default_range(be_year: int, today: dt.date | None = None) -> DayRange:
    """What a register's print offers first: this month in this year's register, the whole year in another's."""
    today = today or local_today()
    return month_of(today) if calendar_year_be(today) == be_year else year_range(be_year)


def parse_range(first_text: str | None, last_text: str | None, today: dt.date | None = None) -> DayRange:
    """The days asked for ("2026-07-01" from a date box, or a typed BE "1/7/2569"); this month when none is.

    One day given alone means that day. Refused with a message for dates that are not dates, a range that
    ends before it starts, or one longer than two years.
    """
    first_text, last_text = (first_text or "").strip(), (last_text or "").strip()
    if not first_text and not last_text:
        return month_of(today or local_today())
    try:
        first = parse_be_date(first_text or last_text)
        last = parse_be_date(last_text or first_text)
    except ValueError as error:
        raise CorrespondenceError(_l("Write the dates as day/month/year, for example 1/7/2569.")) from error
    if last < first:
        raise CorrespondenceError(_l("The last day must not be before the first day."))
    if (last - first).days >= MAX_DAYS:
        raise CorrespondenceError(_l("Choose at most two years at a time."))
    return DayRange(first, last)


def range_title(register: Register, days: DayRange, locale: str = "th") -> str:
    """"ทะเบียนหนังสือส่ง · สารบรรณกลาง 1 กรกฎาคม 2569 ถึง 31 กรกฎาคม 2569" in the reader's language.

    Files always date it in BE (``locale="th"``); a page passes the reader's locale, as its date filters do.
    """
    return gettext("%(register)s, %(first)s to %(last)s", register=register_title(register),
                   first=format_date(days.first, "long", locale), last=format_date(days.last, "long", locale))


# --- the lines --------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLine:
    """One printed line, in the regulation's columns."""

    number: int
    registered_at: dt.datetime
    reference: str  # ที่: the number printed on the letter
    letter_date: dt.date | None
    from_text: str
    to_text: str
    subject: str
    action: str
    remarks: str
    cancelled: bool
    cancel_reason: str
    secret: bool

    @property
    def remarks_with_cancellation(self) -> str:
        if not self.cancelled:
            return self.remarks
        cancelled = gettext("Cancelled: %(reason)s", reason=self.cancel_reason)
        return f"{self.remarks} {cancelled}".strip()


_COLUMNS = (Letter.number, Letter.year, Letter.registered_at, Letter.sender_ref, Letter.letter_date, Letter.from_text,
            Letter.to_text, Letter.subject, Letter.action, Letter.remarks, Letter.cancelled_at, Letter.cancel_reason,
            Letter.secrecy)


def lines_query(person, register: Register, days: DayRange):
    """The select() of the register's lines on those days that this person may see, in number order."""
    start, end = days.stored()
    return (select(*_COLUMNS)
            .where(Letter.register_id == register.id, Letter.registered_at >= start, Letter.registered_at < end,
                   secret_filter(person))
            .order_by(Letter.year, Letter.number))


def register_lines(person, register: Register, days: DayRange) -> Iterator[RegisterLine]:
    """The lines one by one, read from the database a batch at a time."""
    reference = _reference_maker(register)
    rows = db.session.execute(lines_query(person, register, days).execution_options(yield_per=BATCH))
    for row in rows:
        yield RegisterLine(
            number=row.number, registered_at=row.registered_at, reference=reference(row), letter_date=row.letter_date,
            from_text=row.from_text or "", to_text=row.to_text or "", subject=row.subject or "",
            action=row.action or "", remarks=row.remarks or "", cancelled=row.cancelled_at is not None,
            cancel_reason=row.cancel_reason or "", secret=row.secrecy != "none")


def _reference_maker(register: Register) -> Callable:
    """ที่: the sender's number of a letter received; our printed number ("ศธ 04183/12") of one sent.

    Same printing as services.printed_number, with the place's letter code read once for the whole register.
    """
    kind = register.kind
    if kind in RECEIVING_KINDS:
        return lambda row: row.sender_ref or ""
    if kind == "order":
        return lambda row: row.sender_ref or f"{row.number}/{row.year}"
    code = letter_code_of(register.scope)
    prefix = f"{code}/" if code else ""
    series = "ว " if kind == "circular" else ""
    return lambda row: row.sender_ref or f"{prefix}{series}{row.number}"
