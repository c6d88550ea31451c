"""Holidays, working days and working hours; the admin page and the CSV import."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from core.db import db
from core.services import holidays
from core.services.holidays import Holiday
from core.settings import save_settings

BANGKOK = ZoneInfo("Asia/Bangkok")
SAMPLE_CSV = holidays.SAMPLE_CSV


def add(name, day, yearly=False):
    holiday = holidays.add_holiday(name, day, yearly)
    db.session.commit()
    return holiday


def count_holidays():
    return db.session.scalar(select(func.count()).select_from(Holiday))


class CountHolidayQueries:
    """Counts the SELECTs on core_holiday run inside the block."""

    def __enter__(self):
        self.count = 0

        def before(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT") and "core_holiday" in statement:
                self.count += 1

        self._listener = before
        event.listen(db.engine, "before_cursor_execute", before)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._listener)


# --- which days are working days ---------------------------------------------------------


def test_weekends_are_not_working_days_and_weekdays_are(app):
    assert holidays.is_working_day(dt.date(2027, 3, 3))  # Wednesday
    assert not holidays.is_working_day(dt.date(2027, 3, 6))  # Saturday
    assert not holidays.is_working_day(dt.date(2027, 3, 7))  # Sunday


def test_a_one_off_holiday_closes_that_date_only(app):
    add("วันหยุดพิเศษ", dt.date(2027, 3, 3))
    assert holidays.is_holiday(dt.date(2027, 3, 3))
    assert not holidays.is_working_day(dt.date(2027, 3, 3))
    assert holidays.is_working_day(dt.date(2028, 3, 3))


def test_a_yearly_holiday_repeats_from_its_first_year_on(app):
    add("วันจักรี", dt.date(2025, 4, 6), yearly=True)
    assert holidays.is_holiday(dt.date(2025, 4, 6))
    assert holidays.is_holiday(dt.date(2031, 4, 6))
    assert not holidays.is_holiday(dt.date(2024, 4, 6))


def test_a_yearly_29_february_falls_only_in_leap_years(app):
    add("วันทดสอบ", dt.date(2024, 2, 29), yearly=True)
    assert holidays.is_holiday(dt.date(2028, 2, 29))
    assert holidays.holidays_between(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == {}


def test_holidays_between_names_every_holiday_of_each_date(app):
    add("วันสงกรานต์", dt.date(2027, 4, 13))
    add("วันผู้สูงอายุ", dt.date(2027, 4, 13))
    add("วันขึ้นปีใหม่", dt.date(2020, 1, 1), yearly=True)
    found = holidays.holidays_between(dt.date(2026, 12, 1), dt.date(2027, 12, 31))
    assert found == {
        dt.date(2027, 1, 1): ["วันขึ้นปีใหม่"],
        dt.date(2027, 4, 13): sorted(["วันสงกรานต์", "วันผู้สูงอายุ"]),
    }


def test_working_days_between_counts_both_ends_and_skips_weekends_and_holidays(app):
    add("วันหยุดพิเศษ", dt.date(2027, 3, 3))  # Wednesday
    # Monday 1 March to Friday 12 March 2027: ten weekdays, one of them a holiday.
    assert holidays.working_days_between(dt.date(2027, 3, 1), dt.date(2027, 3, 12)) == 9
    assert holidays.working_days_between(dt.date(2027, 3, 1), dt.date(2027, 3, 1)) == 1
    assert holidays.working_days_between(dt.date(2027, 3, 6), dt.date(2027, 3, 7)) == 0
    assert holidays.working_days_between(dt.date(2027, 3, 12), dt.date(2027, 3, 1)) == 0


def test_working_days_of_a_whole_year_read_the_holidays_in_one_query(app):
    holidays.import_holidays(SAMPLE_CSV.read_bytes())
    add("วันขึ้นปีใหม่", dt.date(2020, 1, 1), yearly=True)
    db.session.commit()
    with CountHolidayQueries() as queries:
        days = holidays.working_days_between(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert queries.count == 1
    weekdays = sum(1 for n in range(365) if (dt.date(2027, 1, 1) + dt.timedelta(days=n)).weekday() < 5)
    weekday_holidays = {d for d in holidays.holidays_between(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) if d.weekday() < 5}
    assert days == weekdays - len(weekday_holidays)
    assert days == 261 - 18  # 2027 has 261 weekdays; the sample closes 18 of them (4 fall on weekends)


def test_add_working_days_steps_over_weekends_and_holidays(app):
    friday = dt.date(2027, 4, 9)
    assert holidays.add_working_days(friday, 1) == dt.date(2027, 4, 12)
    for day in (13, 14, 15):
        add("วันสงกรานต์", dt.date(2027, 4, day))
    assert holidays.add_working_days(dt.date(2027, 4, 12), 1) == dt.date(2027, 4, 16)
    assert holidays.add_working_days(dt.date(2027, 4, 16), -1) == dt.date(2027, 4, 12)
    assert holidays.add_working_days(dt.date(2027, 4, 12), 5) == dt.date(2027, 4, 22)


def test_add_zero_working_days_moves_a_day_off_to_the_next_working_day(app):
    add("วันหยุดชดเชย", dt.date(2027, 2, 22))  # Monday
    assert holidays.add_working_days(dt.date(2027, 2, 20), 0) == dt.date(2027, 2, 23)
    assert holidays.add_working_days(dt.date(2027, 2, 24), 0) == dt.date(2027, 2, 24)


def test_add_many_working_days_crosses_into_the_next_year(app):
    add("วันขึ้นปีใหม่", dt.date(2020, 1, 1), yearly=True)
    start = dt.date(2027, 12, 1)
    with CountHolidayQueries() as queries:
        end = holidays.add_working_days(start, 300)
    assert queries.count == 1
    assert holidays.working_days_between(start + dt.timedelta(days=1), end) == 300
    assert holidays.add_working_days(end, -300) == start


# --- working hours -----------------------------------------------------------------------


def bkk(*args):
    return dt.datetime(*args, tzinfo=BANGKOK)


def test_working_hours_continue_on_the_next_working_day(app):
    # Friday 15:30 plus 8 office hours: 1 h on Friday, 7 h on Monday from 08:30.
    assert holidays.add_working_hours(bkk(2027, 3, 5, 15, 30), 8) == bkk(2027, 3, 8, 15, 30)


def test_working_hours_skip_a_holiday_and_start_at_opening_time(app):
    add("วันหยุดพิเศษ", dt.date(2027, 3, 8))  # the Monday
    assert holidays.add_working_hours(bkk(2027, 3, 5, 18, 0), 2) == bkk(2027, 3, 9, 10, 30)
    assert holidays.add_working_hours(bkk(2027, 3, 9, 6, 0), 8) == bkk(2027, 3, 9, 16, 30)


def test_working_hours_read_naive_times_as_utc_and_answer_in_utc(app):
    # 08:00 UTC is 15:00 in Bangkok: 1.5 h left on Wednesday, 0.5 h more on Thursday.
    deadline = holidays.add_working_hours(dt.datetime(2027, 3, 3, 8, 0), 2)
    assert deadline == dt.datetime(2027, 3, 4, 2, 0)  # Thursday 09:00 Bangkok
    assert deadline.tzinfo is None


def test_working_hours_between_counts_only_office_hours_on_working_days(app):
    add("วันหยุดพิเศษ", dt.date(2027, 3, 8))
    assert holidays.working_hours_between(bkk(2027, 3, 3, 9, 0), bkk(2027, 3, 3, 11, 30)) == 2.5
    # Friday 15:30 -> Tuesday 09:30: 1 h Friday, Monday is a holiday, 1 h Tuesday.
    assert holidays.working_hours_between(bkk(2027, 3, 5, 15, 30), bkk(2027, 3, 9, 9, 30)) == 2.0
    assert holidays.working_hours_between(bkk(2027, 3, 9, 9, 30), bkk(2027, 3, 5, 15, 30)) == -2.0
    assert holidays.working_hours_between(bkk(2027, 3, 6, 9, 0), bkk(2027, 3, 7, 17, 0)) == 0.0


def test_working_hours_round_trip(app):
    start = bkk(2027, 3, 1, 10, 15)
    end = holidays.add_working_hours(start, 37.25)
    assert holidays.working_hours_between(start, end) == pytest.approx(37.25)


def test_office_hours_come_from_the_calendar_setting(app):
    save_settings("core.calendar", {"office_hours_start": "09:00", "office_hours_end": "12:00"})
    db.session.commit()
    assert holidays.add_working_hours(bkk(2027, 3, 3, 11, 0), 2) == bkk(2027, 3, 4, 10, 0)
    assert holidays.working_hours_between(bkk(2027, 3, 3, 0, 0), bkk(2027, 3, 4, 23, 0)) == 6.0


# --- CSV import --------------------------------------------------------------------------


def test_the_sample_file_imports_cleanly(app):
    report = holidays.import_sample()
    db.session.commit()
    assert report.saved and report.ok
    assert count_holidays() == report.count("add") == 22
    assert holidays.is_holiday(dt.date(2027, 4, 13))
    assert not holidays.is_working_day(dt.date(2027, 12, 6))  # substitute Monday


def test_one_bad_row_and_nothing_is_imported(app):
    data = "date,name\n13/04/2570,วันสงกรานต์\n31/02/2570,วันผิด\n15/04/2570,\n"
    report = holidays.import_holidays(data.encode())
    db.session.commit()
    assert not report.saved
    assert [(row.line, row.status) for row in report.rows] == [(2, "add"), (3, "error"), (4, "error")]
    with app.test_request_context():  # messages are translated for the reader
        assert "31/02/2570" in str(report.rows[1].message)
    assert count_holidays() == 0


def test_rows_already_listed_are_reported_and_not_doubled(app):
    add("วันขึ้นปีใหม่", dt.date(2026, 1, 1), yearly=True)
    data = "วันที่,ชื่อ,ทุกปี\n2027-01-01,วันขึ้นปีใหม่,ไม่\n2027-12-31,วันสิ้นปี,ใช่\n"
    report = holidays.import_holidays(data.encode())
    db.session.commit()
    assert [row.status for row in report.rows] == ["exists", "add"]
    assert count_holidays() == 2
    assert db.session.scalar(select(Holiday).where(Holiday.name == "วันสิ้นปี")).yearly


def test_a_row_twice_in_the_file_is_an_error(app):
    report = holidays.import_holidays("date,name\n2027-01-01,ก\n2027-01-01,ก\n")
    assert [row.status for row in report.rows] == ["add", "error"]
    assert not report.saved and count_holidays() == 0


def test_a_file_saved_by_thai_windows_excel_is_read(app):
    report = holidays.import_holidays("date,name\n2027-05-04,วันฉัตรมงคล\n".encode("cp874"))
    assert report.saved
    assert holidays.holidays_between(dt.date(2027, 5, 4), dt.date(2027, 5, 4)) == {dt.date(2027, 5, 4): ["วันฉัตรมงคล"]}


def test_a_file_without_the_date_and_name_columns_is_refused(app):
    report = holidays.import_holidays("when,what\n2027-01-01,x\n")
    assert report.problems and not report.saved


# --- the admin page -----------------------------------------------------------------------


@pytest.fixture
def holiday_admin(make_person, grant, login_as):
    person = make_person()
    grant("core.holidays.manage", to=person)
    return login_as(person)


def test_people_without_the_permission_cannot_open_the_page(make_person, login_as):
    client = login_as(make_person())
    assert client.get("/admin/holidays").status_code == 403
    assert client.post("/admin/holidays/new", data={"name": "x", "holiday_date": "2027-01-01"}).status_code == 403
    assert count_holidays() == 0


def test_the_page_lists_the_holidays_of_the_year_asked(holiday_admin):
    add("วันขึ้นปีใหม่", dt.date(2020, 1, 1), yearly=True)
    add("วันหยุดพิเศษ 2570", dt.date(2027, 7, 27))
    add("วันหยุดพิเศษ 2571", dt.date(2028, 7, 27))
    page = holiday_admin.get("/admin/holidays?year=2570").get_data(as_text=True)
    assert "วันขึ้นปีใหม่" in page and "วันหยุดพิเศษ 2570" in page and "วันหยุดพิเศษ 2571" not in page
    assert "27 กรกฎาคม 2570" in page


def test_an_admin_adds_edits_and_deletes_a_holiday(holiday_admin):
    response = holiday_admin.post("/admin/holidays/new", data={"name": "วันหยุดพิเศษ", "holiday_date": "2027-07-27"})
    assert response.status_code == 302
    holiday = db.session.scalar(select(Holiday))
    assert (holiday.name, holiday.holiday_date, holiday.yearly) == ("วันหยุดพิเศษ", dt.date(2027, 7, 27), False)

    holiday_admin.post(f"/admin/holidays/{holiday.id}/edit",
                       data={"name": "วันหยุดทุกปี", "holiday_date": "2027-07-26", "yearly": "y"})
    db.session.expire_all()
    holiday = db.session.get(Holiday, holiday.id)
    assert (holiday.name, holiday.holiday_date, holiday.yearly) == ("วันหยุดทุกปี", dt.date(2027, 7, 26), True)

    holiday_admin.post(f"/admin/holidays/{holiday.id}/delete")
    assert count_holidays() == 0


def test_adding_the_same_holiday_twice_is_refused_with_a_message(holiday_admin):
    add("วันหยุดพิเศษ", dt.date(2027, 7, 27))
    response = holiday_admin.post("/admin/holidays/new", data={"name": "วันหยุดพิเศษ", "holiday_date": "2027-07-27"})
    assert response.status_code == 400
    assert count_holidays() == 1


def test_delete_needs_a_csrf_token(holiday_admin):
    holiday = add("วันหยุดพิเศษ", dt.date(2027, 7, 27))
    response = holiday_admin.post(f"/admin/holidays/{holiday.id}/delete", csrf=False)
    assert response.status_code == 400
    assert count_holidays() == 1


def test_the_import_page_saves_a_good_file_and_reports_each_row(holiday_admin):
    response = holiday_admin.post(
        "/admin/holidays/import",
        data={"csv_file": (io.BytesIO(SAMPLE_CSV.read_bytes()), "holidays.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('data-status="add"') == 22
    assert count_holidays() == 22


def test_the_import_page_saves_nothing_when_a_row_is_wrong(holiday_admin):
    data = "date,name\n2027-01-01,วันขึ้นปีใหม่\nพรุ่งนี้,วันผิด\n".encode()
    response = holiday_admin.post(
        "/admin/holidays/import",
        data={"csv_file": (io.BytesIO(data), "holidays.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-line="3" data-status="error"' in page and "data-import-result=\"refused\"" in page
    assert count_holidays() == 0


def test_the_sample_file_has_the_fixed_government_holidays_and_the_lunar_ones_of_2570(app):
    report = holidays.read_holiday_csv(SAMPLE_CSV.read_bytes())
    assert report.ok and not report.problems
    listed = {row.holiday_date for row in report.rows}
    fixed = [(1, 1), (4, 6), (4, 13), (4, 14), (4, 15), (5, 4), (6, 3), (7, 28), (8, 12), (10, 13), (10, 23),
             (12, 5), (12, 10), (12, 31)]
    assert {dt.date(2027, month, day) for month, day in fixed} <= listed
    assert dt.date(2027, 5, 1) not in listed  # Labour Day closes banks and firms, not government offices
    by_name = {row.name: row.holiday_date for row in report.rows}
    # Thai lunar calendar, counted on from BE 2569 (Asalha Bucha 29 Jul 2569, a year with two 8th months).
    assert by_name["วันมาฆบูชา"] == dt.date(2027, 2, 21)
    assert by_name["วันวิสาขบูชา"] == dt.date(2027, 5, 20)
    assert (by_name["วันอาสาฬหบูชา"], by_name["วันเข้าพรรษา"]) == (dt.date(2027, 7, 18), dt.date(2027, 7, 19))
    # A holiday on a weekend is made up on the next working day.
    for row in report.rows:
        if row.name.startswith("วันหยุดชดเชย"):
            assert row.holiday_date.weekday() < 5
    weekend_holidays = [row for row in report.rows if row.holiday_date.weekday() >= 5]
    substitutes = [row for row in report.rows if row.name.startswith("วันหยุดชดเชย")]
    assert len(weekend_holidays) == len(substitutes) == 4
