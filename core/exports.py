"""Excel (.xlsx) and CSV files of a module's lists, written one way for every module.

A module describes its table once, as ``Column``s (a header and how to read the value
from a row), and hands the rows over as any iterable, a generator reading the database
in batches included. ``export_file`` writes them to a temporary file (an .xlsx in
openpyxl's write-only mode, so a year of a register never sits in memory) and
``send_export`` sends it with a Thai file name::

    columns = [Column(_l("Subject"), lambda letter: letter.subject, width=60),
               Column(_l("Dated"), lambda letter: letter.letter_date, width=14)]
    written = export_file("xlsx", Sheet(_("Letters"), columns, rows, title=heading), "หนังสือรับ-2569.xlsx",
                          ascii_name="incoming-2569.xlsx")
    return send_export(written)

What every file gets, so no module has to remember it:

- text: control characters that XML cannot hold (pasted from old systems) are removed,
  in both formats; a text that starts with "=" stays text, never a formula;
- dates and times: real date cells in .xlsx shown in Thai with the Buddhist Era year
  (``BE_DATE_FORMAT``), so they sort and filter as dates; stored (naive UTC) datetimes
  are written as Bangkok wall-clock time. CSV has no types: dates are written as Thai
  text with the BE year ("1 ก.ค. 2569"), as an office reads them;
- CSV: UTF-8 with a byte-order mark, so Excel opens the Thai as Thai.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Response, send_file

from core.calendar import format_date, format_datetime, to_local

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
FORMATS = ("xlsx", "csv")
MIMETYPES = {"xlsx": XLSX_MIMETYPE, "csv": CSV_MIMETYPE}

# The locale code is Excel's LCID form [$-XXYYZZZZ]: XX=01 Western digits, YY=07 the Thai
# Buddhist calendar, ZZZZ=041E Thai. Excel and LibreOffice then show the year in BE
# ("1 ก.ค. 2569") while the cell holds an ordinary date.
BE_LOCALE = "[$-107041E]"
BE_DATE_FORMAT = f"{BE_LOCALE}d mmm yyyy"
BE_DATETIME_FORMAT = f"{BE_LOCALE}d mmm yyyy hh:mm"

SPOOL_BYTES = 4 * 1024 * 1024  # files smaller than this stay in memory

# The characters below 0x20 that XML 1.0 forbids (tab, line feed and carriage return are allowed).
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    """One column of an exported table: its header (a lazy string is fine) and how a row gives its value.

    ``number_format`` is an Excel format for the column's cells; dates and datetimes get a BE
    format without one.
    """

    header: Any
    value: Callable[[Any], Any]
    width: int = 15
    number_format: str | None = None


@dataclass
class Sheet:
    """A table to export: a sheet of an .xlsx file, or the whole of a CSV file.

    ``title`` is a bold line above the headers (xlsx only: a CSV is read by programs, which
    expect the headers first). ``landscape`` sets the sheet to print on A4 landscape.
    """

    name: str
    columns: Sequence[Column]
    rows: Iterable[Any]
    title: str | None = None
    landscape: bool = False
    rows_written: int = field(default=0, init=False)


def clean_text(value: str) -> str:
    """The text without the control characters a spreadsheet file cannot hold."""
    return ILLEGAL_CHARACTERS.sub("", value)


def local_datetime(value: dt.datetime) -> dt.datetime:
    """A stored datetime (naive UTC) as the naive Bangkok wall-clock time a spreadsheet shows."""
    return to_local(value).replace(tzinfo=None)


def _csv_value(value) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, "short", "th")
    if isinstance(value, dt.date):
        return format_date(value, "short", "th")
    if isinstance(value, str):
        return clean_text(value)
    return str(value) if not isinstance(value, (int, float)) else value


def write_csv(out, sheet: Sheet) -> int:
    """Write the sheet's headers and rows to the binary file ``out`` as UTF-8 CSV with a BOM; the rows written."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([clean_text(str(column.header)) for column in sheet.columns])
    count = 0
    for row in sheet.rows:
        writer.writerow([_csv_value(column.value(row)) for column in sheet.columns])
        count += 1
    text.flush()
    text.detach()  # leave ``out`` open for the caller
    sheet.rows_written = count
    return count


def write_xlsx(out, sheets: Sheet | Sequence[Sheet]) -> int:
    """Write the sheets to ``out`` as one .xlsx workbook, streamed (write-only); the rows written in all."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    total = 0
    for sheet in sheets:
        out_sheet = workbook.create_sheet(_sheet_name(sheet.name))
        for index, column in enumerate(sheet.columns, start=1):
            out_sheet.column_dimensions[get_column_letter(index)].width = column.width
        header_row = 2 if sheet.title else 1
        out_sheet.freeze_panes = f"A{header_row + 1}"
        out_sheet.print_title_rows = f"{header_row}:{header_row}"  # the headers again on every printed page
        out_sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        out_sheet.page_setup.orientation = "landscape" if sheet.landscape else "portrait"

        def cell(value, column: Column | None = None, font=None, out_sheet=out_sheet):
            made = WriteOnlyCell(out_sheet, value=_xlsx_value(value))
            if isinstance(made.value, str) and made.data_type == "f":
                made.data_type = "s"  # text that starts with "=" is someone's words, not a formula to run
            number_format = column.number_format if column is not None else None
            if number_format is None and isinstance(made.value, dt.datetime):
                number_format = BE_DATETIME_FORMAT
            elif number_format is None and isinstance(made.value, dt.date):
                number_format = BE_DATE_FORMAT
            if number_format and made.value is not None:
                made.number_format = number_format
            if font is not None:
                made.font = font
            return made

        if sheet.title:
            out_sheet.append([cell(clean_text(str(sheet.title)), font=bold)])
        out_sheet.append([cell(str(column.header), font=bold) for column in sheet.columns])
        count = 0
        for row in sheet.rows:
            out_sheet.append([cell(column.value(row), column) for column in sheet.columns])
            count += 1
        sheet.rows_written = count
        total += count
    workbook.save(out)
    return total


def _xlsx_value(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dt.datetime):
        return local_datetime(value)
    return value


def _sheet_name(name: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", clean_text(name)).strip()
    return cleaned[:31] or "Sheet"


# --- files and responses ---------------------------------------------------------------


@dataclass
class ExportFile:
    """A written export, positioned at its start, for ``send_export`` to send and then close."""

    file: Any
    filename: str
    mimetype: str
    rows: int
    size: int
    ascii_name: str | None = None

    def read(self) -> bytes:
        """The whole file (for tests and small files); the position is left at the start."""
        data = self.file.read()
        self.file.seek(0)
        return data


def export_file(file_format: str, sheets: Sheet | Sequence[Sheet], filename: str, *,
                ascii_name: str | None = None) -> ExportFile:
    """Write ``sheets`` as ``file_format`` ("xlsx" or "csv") to a temporary file named ``filename``.

    A CSV holds one table: more than one sheet is a programming error. ``filename`` may be Thai;
    ``ascii_name`` is what browsers that cannot read a Thai name save it as.
    """
    if file_format not in FORMATS:
        raise ValueError(f"file_format must be one of {FORMATS}, not {file_format!r}")
    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    if file_format == "csv" and len(sheets) != 1:
        raise ValueError("a CSV file holds exactly one sheet")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - send_export closes it
    try:
        rows = write_xlsx(out, sheets) if file_format == "xlsx" else write_csv(out, sheets[0])
    except BaseException:
        out.close()
        raise
    size = out.seek(0, io.SEEK_END)
    out.seek(0)
    return ExportFile(out, filename, MIMETYPES[file_format], rows, size, ascii_name)


def ascii_fallback(filename: str) -> str:
    """A plain-ASCII stand-in for a (Thai) file name: the ASCII parts kept, the extension always."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    kept = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "export"
    kept = re.sub(r"-{2,}", "-", kept)
    return f"{kept}.{extension}" if extension else kept


def content_disposition(filename: str, ascii_name: str | None = None) -> str:
    """``attachment`` with the file name twice (RFC 6266): an ASCII ``filename`` and the UTF-8 ``filename*`` (RFC 5987)."""
    fallback = ascii_name or ascii_fallback(filename)
    fallback = fallback.replace("\\", "").replace('"', "")
    if filename == fallback:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def send_export(export: ExportFile) -> Response:
    """The response that downloads the file under its (Thai) name; the file is closed once sent."""
    response = send_file(export.file, mimetype=export.mimetype, as_attachment=True,
                         download_name=export.ascii_name or ascii_fallback(export.filename))
    response.headers["Content-Disposition"] = content_disposition(export.filename, export.ascii_name)
    response.content_length = export.size
    return response
