"""A register printed and exported for a range of Bangkok days: the regulation's columns, Thai intact, BE dates,
cancelled lines with their reason, and secret lines only for the people named on them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.api import (
    XLSX_BE_DATE_FORMAT as BE_DATE_FORMAT, XLSX_BE_DATETIME_FORMAT as BE_DATETIME_FORMAT, XLSX_MIMETYPE, AuditEntry,
    db, format_thai_date, local_today, to_stored,
)

from plugins.correspondence import services
from plugins.correspondence.services import CorrespondenceError, exports

pytestmark = pytest.mark.khet_plugins("correspondence")

JULY = {"first": "2026-07-01", "last": "2026-07-31"}  # July 2569


def _bangkok(*parts) -> dt.datetime:
    """A Bangkok wall-clock time, as stored (naive UTC)."""
    return to_stored(dt.datetime(*parts, tzinfo=dt.timezone(dt.timedelta(hours=7))))


@pytest.fixture
def july(office, letter_fields):
    """The office's incoming register: a line on 30 June 23:59, three in July (one cancelled), one on 1 August 00:00."""
    register = services.register_for("incoming")
    by = office.registry_clerk

    def line(when, subject, **values):
        return services.register_letter(register, letter_fields(subject, **values), by, now=_bangkok(*when))

    line((2026, 6, 30, 23, 59), "หนังสือเดือนมิถุนายน")
    line((2026, 7, 1, 0, 1), "ขอเชิญประชุมผู้บริหารสถานศึกษา", sender_ref="ศธ 04002/ว 1234",
                 letter_date=dt.date(2026, 6, 28), from_text="สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
                 to_text="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", action="มอบกลุ่มนโยบายและแผน", remarks="ด่วน")
    cancelled = line((2026, 7, 15, 10, 30), "ลงทะเบียนซ้ำ")
    services.cancel_letter(cancelled, "ลงซ้ำกับเลขที่ 2", by)
    line((2026, 7, 31, 23, 59), "รายงานผลการดำเนินงานปลายเดือน")
    line((2026, 8, 1, 0, 0), "หนังสือเดือนสิงหาคม")
    return register


def test_print_shows_the_lines_of_the_bangkok_days_asked_for_with_the_regulation_columns(july, office, login_as):
    register = july
    page = login_as(office.reader).get(f"/correspondence/registers/{register.id}/print", query_string=JULY)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "หนังสือเดือนมิถุนายน" not in html and "หนังสือเดือนสิงหาคม" not in html
    for text in ("ขอเชิญประชุมผู้บริหารสถานศึกษา", "ศธ 04002/ว 1234", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
                 "มอบกลุ่มนโยบายและแผน", "รายงานผลการดำเนินงานปลายเดือน"):
        assert text in html
    for header in ("Incoming register number", "Date and time registered", "Letter number (ที่)", "Dated", "From", "To",
                   "Subject", "Action taken", "Remarks"):
        assert f">{header}</th>" in html
    assert [int(n) for n in _line_numbers(html)] == [2, 3, 4]
    assert "Cancelled: ลงซ้ำกับเลขที่ 2" in html and 'class="cancelled"' in html
    assert "size: A4 landscape" in html and "@media print" in html
    assert "<title>Incoming register · Central registry, 1 July 2026 to 31 July 2026</title>" in html


def _line_numbers(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-line="')[1:]]


def test_the_printed_register_reads_in_thai_with_buddhist_era_dates(july, office, login_as, app, monkeypatch):
    register = july
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "th")
    html = login_as(office.reader).get(f"/correspondence/registers/{register.id}/print",
                                       query_string=JULY).get_data(as_text=True)
    assert "1 กรกฎาคม 2569" in html and "31 กรกฎาคม 2569" in html  # the range in the title and the heading
    assert "28 มิ.ย. 2569" in html  # ลงวันที่
    assert "1 ก.ค. 2569 00:01 น." in html  # registered, Bangkok time


def test_outgoing_print_has_no_time_column_and_prints_our_letter_numbers(office, login_as, letter_fields):
    letter = services.register_letter(services.register_for("outgoing"), letter_fields("ส่งรายงานผลการเรียน"),
                                      office.registry_clerk)
    html = login_as(office.reader).get(f"/correspondence/registers/{letter.register_id}/print").get_data(as_text=True)
    assert "Outgoing register number" in html and "Date and time registered" not in html
    assert "ศธ 04183/1" in html and "ส่งรายงานผลการเรียน" in html  # this month is the default range


def test_a_range_that_ends_before_it_starts_is_explained_and_this_month_is_shown(july, office, login_as):
    register = july
    page = login_as(office.reader).get(f"/correspondence/registers/{register.id}/print",
                                       query_string={"first": "2026-07-31", "last": "2026-07-01"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The last day must not be before the first day." in html
    assert f'value="{format_thai_date(local_today().replace(day=1))}"' in html  # the date box shows BE


def test_people_who_may_not_list_the_register_cannot_print_or_export_it(july, office, login_as, make_person):
    register = july
    stranger = login_as(make_person(first_name="คนนอก"))
    assert stranger.get(f"/correspondence/registers/{register.id}/print", query_string=JULY).status_code == 403
    assert stranger.get(f"/correspondence/registers/{register.id}/export.xlsx", query_string=JULY).status_code == 403
    assert stranger.get(f"/correspondence/registers/{register.id}/export.csv", query_string=JULY).status_code == 403


def test_xlsx_export_keeps_thai_text_and_writes_dates_as_buddhist_era_date_cells(july, office, login_as):
    register = july
    response = login_as(office.reader).get(f"/correspondence/registers/{register.id}/export.xlsx", query_string=JULY)
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    disposition = response.headers["Content-Disposition"]
    assert 'filename="incoming-office-2569-07-01-2569-07-31.xlsx"' in disposition  # the ASCII name, for old browsers
    assert "filename*=UTF-8''Incoming%20register%20%C2%B7%20Central%20registry%202569-07-01-2569-07-31.xlsx" in disposition
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Incoming register · Central registry, 1 กรกฎาคม 2569 to 31 กรกฎาคม 2569"
    assert rows[1] == ["Incoming register number", "Date and time registered", "Letter number (ที่)", "Dated", "From",
                       "To", "Subject", "Action taken", "Remarks"]
    assert len(rows) == 2 + 3
    assert rows[2] == [2, dt.datetime(2026, 7, 1, 0, 1), "ศธ 04002/ว 1234", dt.datetime(2026, 6, 28),
                       "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
                       "ขอเชิญประชุมผู้บริหารสถานศึกษา", "มอบกลุ่มนโยบายและแผน", "ด่วน"]
    assert sheet["B3"].number_format == BE_DATETIME_FORMAT and sheet["D3"].number_format == BE_DATE_FORMAT
    assert sheet["B3"].is_date and sheet["D3"].is_date  # real dates: they sort and filter as dates
    assert rows[3][0] == 3 and rows[3][-1] == "Cancelled: ลงซ้ำกับเลขที่ 2"
    assert rows[4][1] == dt.datetime(2026, 7, 31, 23, 59)  # Bangkok time, not the stored UTC


def test_csv_export_is_utf8_with_a_byte_order_mark_for_excel(july, office, login_as):
    register = july
    response = login_as(office.reader).get(f"/correspondence/registers/{register.id}/export.csv", query_string=JULY)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Incoming register number" and len(rows) == 1 + 3
    assert rows[1][:4] == ["2", "1 ก.ค. 2569 00:01 น.", "ศธ 04002/ว 1234", "28 มิ.ย. 2569"]
    assert rows[1][6] == "ขอเชิญประชุมผู้บริหารสถานศึกษา"


def test_every_export_is_in_the_audit_log(july, office, login_as):
    register = july
    login_as(office.reader).get(f"/correspondence/registers/{register.id}/export.csv", query_string=JULY)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (entry.module, entry.record_id, entry.person_id) == ("correspondence", str(register.id), office.reader.id)
    assert entry.details == {"first": "2026-07-01", "last": "2026-07-31", "format": "csv", "lines": 3}


def test_a_bad_range_exports_nothing_and_says_why(july, office, login_as):
    register = july
    client = login_as(office.reader)
    response = client.get(f"/correspondence/registers/{register.id}/export.xlsx",
                          query_string={"first": "31/13/2569", "last": ""}, follow_redirects=True)
    assert "Write the dates as day/month/year, for example 1/7/2569." in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is None


@pytest.fixture
def secret_july(office, letter_fields):
    """Two secret letters in July: one names the director, the other names nobody but the clerk who registered it."""
    register = services.register_for("secret")
    when = _bangkok(2026, 7, 10, 9, 0)
    services.register_letter(register, letter_fields("ผลการสอบสวนวินัย", secrecy="secret"), office.registry_clerk,
                             readers=[office.director], now=when)
    services.register_letter(register, letter_fields("รายงานการตรวจสอบภายใน", secrecy="secret"), office.registry_clerk,
                             now=when)
    return register


def test_secret_lines_print_and_export_only_for_the_people_named_on_them(secret_july, office, login_as):
    director = login_as(office.director)
    html = director.get(f"/correspondence/registers/{secret_july.id}/print", query_string=JULY).get_data(as_text=True)
    assert "ผลการสอบสวนวินัย" in html and "รายงานการตรวจสอบภายใน" not in html
    data = director.get(f"/correspondence/registers/{secret_july.id}/export.csv", query_string=JULY).data.decode("utf-8-sig")
    assert "ผลการสอบสวนวินัย" in data and "รายงานการตรวจสอบภายใน" not in data

    html = login_as(office.reader).get(f"/correspondence/registers/{secret_july.id}/print",
                                       query_string=JULY).get_data(as_text=True)
    assert "ผลการสอบสวนวินัย" not in html and "รายงานการตรวจสอบภายใน" not in html

    html = login_as(office.registry_clerk).get(f"/correspondence/registers/{secret_july.id}/print",
                                               query_string=JULY).get_data(as_text=True)
    assert "ผลการสอบสวนวินัย" in html and "รายงานการตรวจสอบภายใน" in html


def test_printing_the_secret_register_is_audited(secret_july, office, login_as):
    login_as(office.director).get(f"/correspondence/registers/{secret_july.id}/print", query_string=JULY)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print"))
    assert entry.person_id == office.director.id and entry.summary == "2026-07-01..2026-07-31"


def test_the_register_page_links_to_print_export_and_next_number(july, office, login_as):
    register = july
    html = login_as(office.registry_clerk).get(f"/correspondence/registers/{register.id}?year=2569").get_data(as_text=True)
    assert f"/correspondence/registers/{register.id}/print" in html
    assert f"/correspondence/registers/{register.id}/export.xlsx" in html
    assert f"/correspondence/registers/{register.id}/export.csv" in html
    assert "/correspondence/numbering/incoming/office" in html
    last_year = login_as(office.registry_clerk).get(f"/correspondence/registers/{register.id}?year={_this_be_year() - 1}")
    first_day = local_today().replace(year=local_today().year - 1, month=1, day=1)
    assert f'value="{format_thai_date(first_day)}"' in last_year.get_data(as_text=True)  # another year's register: its year
    reader_html = login_as(office.reader).get(f"/correspondence/registers/{register.id}").get_data(as_text=True)
    assert f"/correspondence/registers/{register.id}/print" in reader_html
    assert "/correspondence/numbering/" not in reader_html


def _this_be_year() -> int:
    return local_today().year + 543


def test_a_register_print_offers_this_month_this_year_and_the_whole_year_otherwise(app):
    today = dt.date(2026, 7, 20)
    assert exports.default_range(2569, today) == exports.DayRange(dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    assert exports.default_range(2568, today) == exports.DayRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("", "", (dt.date(2026, 7, 1), dt.date(2026, 7, 31))),
    ("2026-02-03", "", (dt.date(2026, 2, 3), dt.date(2026, 2, 3))),
    ("1/7/2569", "15/07/2569", (dt.date(2026, 7, 1), dt.date(2026, 7, 15))),
])
def test_a_range_is_read_from_date_boxes_or_typed_be_dates_and_defaults_to_this_month(app, first, last, expected):
    days = exports.parse_range(first, last, today=dt.date(2026, 7, 20))
    assert (days.first, days.last) == expected


@pytest.mark.parametrize(("first", "last"), [("2026-07-31", "2026-07-01"), ("yesterday", ""), ("2024-01-01", "2026-12-31")])
def test_a_range_that_is_not_one_is_refused(app, first, last):
    with pytest.raises(CorrespondenceError):
        exports.parse_range(first, last, today=dt.date(2026, 7, 20))
