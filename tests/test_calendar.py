"""Thai official calendar: Buddhist Era dates, fiscal years, half-years, Bangkok time."""

import datetime as dt

import pytest
from flask import render_template_string
from flask_babel import force_locale

from core import calendar

# --- Buddhist Era and formatting ---------------------------------------------------


def test_buddhist_era_is_common_era_plus_543():
    assert calendar.be_year(2021) == 2564
    assert calendar.ce_year(2564) == 2021


def test_short_thai_date_uses_abbreviated_month_and_be_year():
    assert calendar.format_date(dt.date(2021, 7, 1)) == "1 ก.ค. 2564"


def test_long_thai_date_spells_the_month():
    assert calendar.format_date(dt.date(2021, 7, 1), "long") == "1 กรกฎาคม 2564"


def test_english_dates_keep_the_common_era_year():
    assert calendar.format_date(dt.date(2021, 7, 1), locale="en") == "1 Jul 2021"
    assert calendar.format_date(dt.date(2021, 7, 1), "long", locale="en") == "1 July 2021"


@pytest.mark.parametrize(
    "month, short, long",
    [(1, "ม.ค.", "มกราคม"), (2, "ก.พ.", "กุมภาพันธ์"), (10, "ต.ค.", "ตุลาคม"), (12, "ธ.ค.", "ธันวาคม")],
)
def test_every_month_has_its_thai_name(month, short, long):
    assert calendar.format_date(dt.date(2024, month, 1)) == f"1 {short} 2567"
    assert calendar.format_date(dt.date(2024, month, 1), "long") == f"1 {long} 2567"


def test_thai_time_ends_with_nor():
    assert calendar.format_time(dt.time(14, 50)) == "14:50 น."
    assert calendar.format_time(dt.time(9, 5, 26), seconds=True) == "09:05:26 น."
    assert calendar.format_time(dt.time(14, 50), locale="en") == "14:50"


def test_empty_values_print_nothing():
    assert calendar.format_date(None) == ""
    assert calendar.format_time(None) == ""
    assert calendar.format_datetime(None) == ""


# --- Bangkok time --------------------------------------------------------------------


def test_naive_utc_timestamp_is_shown_in_bangkok_time():
    stored = dt.datetime(2021, 7, 1, 2, 57, 26)  # naive UTC, as the database keeps it
    assert calendar.format_datetime(stored, seconds=True) == "1 ก.ค. 2564 09:57:26 น."


def test_utc_evening_is_the_next_morning_in_bangkok():
    stored = dt.datetime(2021, 6, 30, 17, 0)  # 00:00 on 1 July in Bangkok
    assert calendar.format_date(stored) == "1 ก.ค. 2564"
    assert calendar.format_time(stored) == "00:00 น."


def test_last_minute_before_bangkok_midnight_stays_on_the_same_day():
    stored = dt.datetime(2021, 6, 30, 16, 59)
    assert calendar.format_datetime(stored) == "30 มิ.ย. 2564 23:59 น."


def test_aware_datetimes_are_converted_not_reinterpreted():
    in_london = dt.datetime(2021, 7, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert calendar.to_local(in_london).hour == 18
    assert calendar.to_local(in_london).tzinfo == calendar.BANGKOK


def test_new_year_in_bangkok_changes_the_be_calendar_year():
    stored = dt.datetime(2023, 12, 31, 17, 30)  # 00:30 on 1 Jan 2024 in Bangkok
    assert calendar.calendar_year_be(stored) == 2567
    assert calendar.calendar_year_be(dt.datetime(2023, 12, 31, 16, 30)) == 2566


# --- fiscal years and half-years -----------------------------------------------------


def test_fiscal_year_changes_between_30_september_and_1_october():
    assert calendar.fiscal_year(dt.date(2025, 9, 30)) == 2568
    assert calendar.fiscal_year(dt.date(2025, 10, 1)) == 2569
    assert calendar.fiscal_year(dt.date(2026, 9, 30)) == 2569


def test_fiscal_year_of_a_utc_timestamp_follows_the_bangkok_date():
    assert calendar.fiscal_year(dt.datetime(2025, 9, 30, 16, 59)) == 2568  # 23:59 on 30 Sep in Bangkok
    assert calendar.fiscal_year(dt.datetime(2025, 9, 30, 17, 0)) == 2569  # 00:00 on 1 Oct in Bangkok


def test_fiscal_year_2569_runs_from_1_october_2025_to_30_september_2026():
    assert calendar.fiscal_year_range(2569) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_every_day_of_a_fiscal_year_belongs_to_it():
    start, end = calendar.fiscal_year_range(2569)
    assert calendar.fiscal_year(start - dt.timedelta(days=1)) == 2568
    assert calendar.fiscal_year(start) == calendar.fiscal_year(end) == 2569
    assert calendar.fiscal_year(end + dt.timedelta(days=1)) == 2570


def test_half_year_changes_between_31_march_and_1_april():
    assert calendar.half_year(dt.date(2026, 3, 31)) == (2569, 1)
    assert calendar.half_year(dt.date(2026, 4, 1)) == (2569, 2)


def test_half_year_changes_between_30_september_and_1_october():
    assert calendar.half_year(dt.date(2025, 9, 30)) == (2568, 2)
    assert calendar.half_year(dt.date(2025, 10, 1)) == (2569, 1)


def test_half_year_of_a_utc_timestamp_follows_the_bangkok_date():
    assert calendar.half_year(dt.datetime(2026, 3, 31, 17, 0)) == (2569, 2)  # 1 Apr in Bangkok


def test_half_year_ranges_cover_the_fiscal_year_without_gap():
    first = calendar.half_year_range(2569, 1)
    second = calendar.half_year_range(2569, 2)
    assert first == (dt.date(2025, 10, 1), dt.date(2026, 3, 31))
    assert second == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    assert first[1] + dt.timedelta(days=1) == second[0]


def test_first_half_of_a_leap_year_ends_on_31_march():
    assert calendar.half_year_range(2567, 1) == (dt.date(2023, 10, 1), dt.date(2024, 3, 31))


def test_there_is_no_third_half_year():
    with pytest.raises(ValueError):
        calendar.half_year_range(2569, 3)


# --- reading dates typed by people ---------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15/07/2564", dt.date(2021, 7, 15)),
        ("1/7/2564", dt.date(2021, 7, 1)),
        ("2564-07-15", dt.date(2021, 7, 15)),
        ("2021-07-15", dt.date(2021, 7, 15)),
        ("15/07/2021", dt.date(2021, 7, 15)),
        ("  15/07/2564 ", dt.date(2021, 7, 15)),
        ("๑๕/๐๗/๒๕๖๔", dt.date(2021, 7, 15)),  # Thai digits, as some keyboards type them
    ],
)
def test_parse_be_date_reads_thai_and_iso_dates(text, expected):
    assert calendar.parse_be_date(text) == expected


def test_parse_be_date_accepts_29_february_of_a_be_leap_year():
    # CE 2020 is a leap year; 2563 taken as a CE year would not be.
    assert calendar.parse_be_date("29/02/2563") == dt.date(2020, 2, 29)
    assert calendar.parse_be_date("2567-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", ["", "yesterday", "31/02/2564", "29/02/2564", "15-07-2564", "2564/07/15", "15/13/2564"])
def test_parse_be_date_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        calendar.parse_be_date(text)


# --- the Jinja filters ----------------------------------------------------------------


def _render(source, **values):
    return render_template_string(source, **values)


def test_filters_print_thai_dates_by_default(app):
    with app.test_request_context("/"):
        day = dt.date(2021, 7, 1)
        assert _render("{{ day|thai_date }}", day=day) == "1 ก.ค. 2564"
        assert _render("{{ day|thai_date('long') }}", day=day) == "1 กรกฎาคม 2564"
        assert _render("{{ t|thai_time }}", t=dt.datetime(2021, 7, 1, 7, 50)) == "14:50 น."
        assert _render("{{ t|thai_datetime }}", t=dt.datetime(2021, 7, 1, 7, 50)) == "1 ก.ค. 2564 14:50 น."
        assert _render("{{ day|fiscal_year }}", day=dt.date(2025, 10, 1)) == "2569"


def test_filters_follow_the_english_locale(app):
    with app.test_request_context("/"), force_locale("en"):
        assert _render("{{ day|thai_date }}", day=dt.date(2021, 7, 1)) == "1 Jul 2021"
        assert _render("{{ t|thai_time }}", t=dt.datetime(2021, 7, 1, 7, 50)) == "14:50"



def test_a_bangkok_day_is_stored_from_17_00_utc_the_day_before():
    import datetime as dt

    from core.calendar import stored_day_range

    assert stored_day_range(dt.date(2026, 1, 2)) == (dt.datetime(2026, 1, 1, 17, 0), dt.datetime(2026, 1, 2, 17, 0))
    assert stored_day_range(dt.date(2026, 1, 2), dt.date(2026, 1, 3))[1] == dt.datetime(2026, 1, 3, 17, 0)


def test_to_stored_turns_aware_times_into_naive_utc_and_leaves_stored_ones():
    import datetime as dt

    from core.calendar import bangkok_at, to_stored

    assert to_stored(bangkok_at(dt.date(2026, 3, 1), dt.time(9, 30))) == dt.datetime(2026, 3, 1, 2, 30)
    assert to_stored(dt.datetime(2026, 3, 1, 2, 30)) == dt.datetime(2026, 3, 1, 2, 30)
