"""core.exports: what every module's Excel and CSV files get without asking."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from core.exports import (
    BE_DATE_FORMAT,
    BE_DATETIME_FORMAT,
    Column,
    Sheet,
    ascii_fallback,
    content_disposition,
    export_file,
    send_export,
)

ROWS = [
    {"subject": "ขอเชิญประชุม\x0bผู้บริหาร\x00", "dated": dt.date(2026, 6, 28), "at": dt.datetime(2026, 6, 30, 17, 1),
     "count": 3},
    {"subject": "=HYPERLINK(\"http://evil.example\",\"คลิก\")", "dated": None, "at": None, "count": 0},
]
COLUMNS = [
    Column("เรื่อง", lambda row: row["subject"], 40),
    Column("ลงวันที่", lambda row: row["dated"]),
    Column("รับเมื่อ", lambda row: row["at"]),
    Column("จำนวน", lambda row: row["count"]),
]


def _workbook(*sheets):
    written = export_file("xlsx", list(sheets), "ทะเบียน.xlsx")
    return written, load_workbook(io.BytesIO(written.read()))


def test_xlsx_keeps_thai_strips_control_characters_and_never_makes_a_formula_of_text():
    written, book = _workbook(Sheet("หนังสือรับ", COLUMNS, iter(ROWS), title="ทะเบียนหนังสือรับ กรกฎาคม 2569"))
    sheet = book.worksheets[0]
    assert sheet.title == "หนังสือรับ" and written.rows == 2
    assert sheet["A1"].value == "ทะเบียนหนังสือรับ กรกฎาคม 2569" and sheet["A1"].font.bold
    assert [cell.value for cell in sheet[2]] == ["เรื่อง", "ลงวันที่", "รับเมื่อ", "จำนวน"]
    assert sheet["A3"].value == "ขอเชิญประชุมผู้บริหาร"  # \x0b and \x00 would make the file unreadable
    assert sheet["A4"].value == '=HYPERLINK("http://evil.example","คลิก")' and sheet["A4"].data_type == "s"
    assert sheet.freeze_panes == "A3"


def test_xlsx_dates_are_date_cells_shown_in_buddhist_era_and_stored_times_are_bangkok_time():
    _written, book = _workbook(Sheet("หนังสือรับ", COLUMNS, ROWS))
    sheet = book.worksheets[0]
    dated, received = sheet["B2"], sheet["C2"]
    assert dated.is_date and dated.value == dt.datetime(2026, 6, 28) and dated.number_format == BE_DATE_FORMAT
    # Stored as naive UTC 17:01 on 30 June: the office read it at 00:01 on 1 July.
    assert received.is_date and received.value == dt.datetime(2026, 7, 1, 0, 1)
    assert received.number_format == BE_DATETIME_FORMAT
    assert BE_DATE_FORMAT.startswith("[$-107041E]")  # Thai locale, Thai Buddhist calendar (07), Western digits
    assert sheet["B3"].value is None and sheet["D3"].value == 0


def test_xlsx_writes_several_sheets_and_a_column_number_format():
    hours = [Column("ห้อง", lambda row: row[0]), Column("ชั่วโมง", lambda row: row[1], number_format="0.00")]
    written, book = _workbook(Sheet("ตามห้อง", hours, [("ห้องเล็ก", 2.5)]), Sheet("ตาม/กลุ่ม?", hours, []))
    assert [sheet.title for sheet in book.worksheets] == ["ตามห้อง", "ตาม กลุ่ม"]  # Excel forbids / and ? in names
    assert book.worksheets[0]["B2"].number_format == "0.00" and written.rows == 1


def test_xlsx_takes_its_rows_from_a_generator_reading_in_batches():
    read = []

    def rows():
        for number in range(5000):
            read.append(number)
            yield {"subject": f"หนังสือ {number}", "dated": dt.date(2026, 1, 1), "at": None, "count": number}

    written = export_file("xlsx", Sheet("ทะเบียน", COLUMNS, rows()), "big.xlsx")
    assert written.rows == 5000 and len(read) == 5000
    sheet = load_workbook(io.BytesIO(written.read()), read_only=True).worksheets[0]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 5001


def test_csv_is_utf8_with_a_bom_thai_intact_dates_as_be_text_and_no_control_characters():
    written = export_file("csv", Sheet("ทะเบียน", COLUMNS, ROWS, title="not in a CSV"), "ทะเบียน.csv")
    data = written.read()
    assert data.startswith(b"\xef\xbb\xbf") and written.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["เรื่อง", "ลงวันที่", "รับเมื่อ", "จำนวน"]
    assert rows[1] == ["ขอเชิญประชุมผู้บริหาร", "28 มิ.ย. 2569", "1 ก.ค. 2569 00:01 น.", "3"]
    assert rows[2][1:] == ["", "", "0"] and len(rows) == 3


def test_a_csv_holds_one_sheet_and_only_xlsx_and_csv_are_written():
    with pytest.raises(ValueError):
        export_file("csv", [Sheet("a", COLUMNS, []), Sheet("b", COLUMNS, [])], "two.csv")
    with pytest.raises(ValueError):
        export_file("pdf", Sheet("a", COLUMNS, []), "a.pdf")


@pytest.mark.parametrize(("filename", "fallback"), [
    ("ทะเบียนหนังสือรับ 2569-07-01.xlsx", "2569-07-01.xlsx"),
    ("สถิติ.csv", "export.csv"),
    ("rooms-usage-2570.xlsx", "rooms-usage-2570.xlsx"),
])
def test_an_ascii_fallback_keeps_the_ascii_parts_and_the_extension(filename, fallback):
    assert ascii_fallback(filename) == fallback


def test_content_disposition_names_the_file_in_thai_with_an_ascii_fallback():
    header = content_disposition("ทะเบียนหนังสือรับ 2569.xlsx", "incoming-2569.xlsx")
    fallback, encoded = header.split("; filename*=UTF-8''")
    assert fallback == 'attachment; filename="incoming-2569.xlsx"'
    assert unquote(encoded) == "ทะเบียนหนังสือรับ 2569.xlsx" and " " not in encoded
    assert content_disposition("plain.csv") == 'attachment; filename="plain.csv"'


def test_send_export_downloads_the_file_under_its_thai_name(app):
    written = export_file("csv", Sheet("a", COLUMNS, ROWS), "ทะเบียน.csv", ascii_name="register.csv")
    with app.test_request_context():
        response = send_export(written)
        response.direct_passthrough = False
        assert response.get_data().startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv" and response.content_length == written.size
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"register.csv\"; filename*=UTF-8''%E0%B8%97%E0%B8%B0%E0%B9%80%E0%B8%9A%E0%B8%B5%E0%B8%A2%E0%B8%99.csv")
