"""A register for a range of days, as the regulation's columns: printed, or exported to Excel (.xlsx) and CSV.

The lines are the register's lines registered on those Bangkok days, in number order; secret lines only for
the people named on them (the same SQL condition as the register page); a cancelled line stays, marked with
its reason. Exported files leave Khet for archives and other offices, so their dates are always written the
Thai official way (Buddhist Era) whatever the language of the person exporting.

A year of an office's outgoing register is about 20,000 lines: the lines are read in batches and written
straight to a temporary file (xlsx in openpyxl's write-only mode), never held in memory all at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.calendar import (
    be_year,
    calendar_year_be,
    ce_year,
    format_date,
    format_datetime,
    local_today,
    parse_be_date,
    stored_day_range,
)
from core.db import db
from core.services import audit
from plugins.correspondence.models import Letter, Register
from plugins.correspondence.services import (
    MODULE,
    CorrespondenceError,
    letter_code_of,
    may_list,
    register_title,
    secret_filter,
)

RECEIVING_KINDS = ("incoming", "secret")  # registers of letters received: the time of receipt is a column
MAX_DAYS = 2 * 366  # two registers' years at most in one print or file
BATCH = 1000
SPOOL_BYTES = 4 * 1024 * 1024  # files smaller than this stay in memory
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# --- the columns ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: object  # a lazy string, translated when the file is written
    value: Callable[[RegisterLine], object]
    width: int


def _be_date(value) -> str:
    return format_date(value, "short", "th") if value else ""


def _be_datetime(value) -> str:
    return format_datetime(value, "short", "th") if value else ""


def columns_of(register: Register) -> list[Column]:
    """The regulation's columns: number, (time received), ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ."""
    receiving = register.kind in RECEIVING_KINDS
    number = _l("Incoming register number") if receiving else _l("Outgoing register number")
    columns = [Column(number, lambda line: line.number, 12)]
    if receiving:
        columns.append(Column(_l("Date and time registered"), lambda line: _be_datetime(line.registered_at), 22))
    return columns + [
        Column(_l("Letter number (ที่)"), lambda line: line.reference, 22),
        Column(_l("Dated"), lambda line: _be_date(line.letter_date), 14),
        Column(_l("From"), lambda line: line.from_text, 28),
        Column(_l("To"), lambda line: line.to_text, 28),
        Column(_l("Subject"), lambda line: line.subject, 60),
        Column(_l("Action taken"), lambda line: line.action, 30),
        Column(_l("Remarks"), lambda line: line.remarks_with_cancellation, 30),
    ]


# --- the files --------------------------------------------------------------------


FORMATS = ("xlsx", "csv")


@dataclass
class ExportFile:
    """A written export, positioned at its start, for the view to send and then close."""

    file: object
    filename: str
    mimetype: str
    rows: int
    size: int


def export_register(person, register: Register, days: DayRange, file_format: str, *,
                    remote_addr: str | None = None) -> ExportFile:
    """Write the register's lines on these days to an .xlsx or .csv file; the export goes to the audit log."""
    if file_format not in FORMATS:
        raise CorrespondenceError(_l("Export as xlsx or csv."))
    if not may_list(person, register):
        raise CorrespondenceError(_l("You may not read this register."))
    columns = columns_of(register)
    lines = register_lines(person, register, days)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the view sends it, then closes it
    try:
        if file_format == "xlsx":
            rows = write_xlsx(out, columns, lines, range_title(register, days))
        else:
            rows = write_csv(out, columns, lines)
    except BaseException:
        out.close()
        raise
    size = out.seek(0, io.SEEK_END)
    out.seek(0)
    audit.record("export", MODULE, "register", register.id, person,
                 f"{register.kind} {register.scope} {days.first.isoformat()}..{days.last.isoformat()} {file_format}",
                 details={"first": days.first.isoformat(), "last": days.last.isoformat(), "format": file_format,
                          "lines": rows}, remote_addr=remote_addr)
    db.session.commit()
    name = f"{register.kind}-{register.scope.replace(':', '-')}-{_be_stamp(days.first)}-{_be_stamp(days.last)}"
    return ExportFile(out, f"{name}.{file_format}", XLSX_MIMETYPE if file_format == "xlsx" else "text/csv",
                      rows, size)


def _be_stamp(day: dt.date) -> str:
    """2569-07-31: a file name that sorts, in the year the office uses."""
    return f"{be_year(day.year):04d}-{day.month:02d}-{day.day:02d}"


def write_csv(out, columns: list[Column], lines) -> int:
    """UTF-8 with a byte-order mark, so Excel opens the Thai as Thai; one header row. Returns the lines written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([str(column.header) for column in columns])
    count = 0
    for line in lines:
        writer.writerow([column.value(line) for column in columns])
        count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    return count


def write_xlsx(out, columns: list[Column], lines, title: str) -> int:
    """A write-only workbook: a title row, a header row, then one row per line. Returns the lines written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Register"))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    bold = Font(bold=True)

    def heading(text):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    sheet.append([heading(title)])
    sheet.append([heading(str(column.header)) for column in columns])
    count = 0
    for line in lines:
        # Lines registered before Khet cleaned pasted text may hold control characters, which xlsx cannot.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                      for value in (column.value(line) for column in columns)])
        count += 1
    workbook.save(out)
    return count
