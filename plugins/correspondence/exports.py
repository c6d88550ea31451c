"""The correspondence module's files: a register for a range of days, as an Excel (.xlsx) or CSV file.

Which lines, and who may see them, are the rules in ``services.exports``; this module lays
them out in the regulation's columns and writes the file through ``core.exports`` (control
characters stripped, dates as real BE date cells, streamed for a year of a register).
Files leave Khet for archives and other offices, so their title is always dated the Thai
official way (Buddhist Era) whatever the language of the person exporting.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from core.api import EXPORT_FORMATS as FORMATS, Column, ExportFile, Sheet, audit, be_year, export_file
from plugins.correspondence.models import Register
from plugins.correspondence.services import MODULE, CorrespondenceError, may_list, register_title
from plugins.correspondence.services.exports import RECEIVING_KINDS, DayRange, range_title, register_lines

__all__ = ["FORMATS", "columns_of", "export_register"]


def columns_of(register: Register) -> list[Column]:
    """The regulation's columns: number, (time received), ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ."""
    receiving = register.kind in RECEIVING_KINDS
    number = _l("Incoming register number") if receiving else _l("Outgoing register number")
    columns = [Column(number, lambda line: line.number, 12)]
    if receiving:
        columns.append(Column(_l("Date and time registered"), lambda line: line.registered_at, 22))
    return columns + [
        Column(_l("Letter number (ที่)"), lambda line: line.reference, 22),
        Column(_l("Dated"), lambda line: line.letter_date, 14),
        Column(_l("From"), lambda line: line.from_text, 28),
        Column(_l("To"), lambda line: line.to_text, 28),
        Column(_l("Subject"), lambda line: line.subject, 60),
        Column(_l("Action taken"), lambda line: line.action, 30),
        Column(_l("Remarks"), lambda line: line.remarks_with_cancellation, 30),
    ]


def export_register(person, register: Register, days: DayRange, file_format: str, *,
                    remote_addr: str | None = None) -> ExportFile:
    """The register's lines on these days as an .xlsx or .csv file; the export goes to the audit log (the caller commits)."""
    if file_format not in FORMATS:
        raise CorrespondenceError(_l("Export as xlsx or csv."))
    if not may_list(person, register):
        raise CorrespondenceError(_l("You may not read this register."))
    sheet = Sheet(gettext("Register"), columns_of(register), register_lines(person, register, days),
                  title=range_title(register, days), landscape=True)
    stamp = f"{_be_stamp(days.first)}-{_be_stamp(days.last)}"
    written = export_file(file_format, sheet, f"{register_title(register)} {stamp}.{file_format}",
                          ascii_name=f"{register.kind}-{register.scope.replace(':', '-')}-{stamp}.{file_format}")
    audit.record("export", MODULE, "register", register.id, person,
                 f"{register.kind} {register.scope} {days.first.isoformat()}..{days.last.isoformat()} {file_format}",
                 details={"first": days.first.isoformat(), "last": days.last.isoformat(), "format": file_format,
                          "lines": written.rows}, remote_addr=remote_addr)
    return written


def _be_stamp(day: dt.date) -> str:
    """2569-07-31: a file name that sorts, in the year the office uses."""
    return f"{be_year(day.year):04d}-{day.month:02d}-{day.day:02d}"
