"""Thai official calendar: Buddhist Era dates, fiscal years and half-years.

The fiscal year (ปีงบประมาณ) runs 1 October - 30 September and is named by the
BE year in which it ends: FY 2569 = 1 Oct 2025 - 30 Sep 2026. Salary-step
half-years run 1 Oct - 31 Mar (first) and 1 Apr - 30 Sep (second).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

BE_OFFSET = 543
BANGKOK = ZoneInfo("Asia/Bangkok")

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
THAI_WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
ENGLISH_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def be_year(ce_year: int) -> int:
    """The Buddhist Era year of a Common Era year (2026 -> 2569)."""
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    """The Common Era year of a Buddhist Era year (2569 -> 2026)."""
    return be - BE_OFFSET


def to_local(value: dt.datetime) -> dt.datetime:
    """Stored timestamps are naive UTC; people read Bangkok time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(BANGKOK)


def local_today() -> dt.date:
    """Today in Bangkok, whatever the server's clock zone."""
    return dt.datetime.now(BANGKOK).date()


def bangkok_at(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at ``time`` on a Bangkok clock, time-zone aware."""
    return dt.datetime.combine(day, time, tzinfo=BANGKOK)


def to_stored(moment: dt.datetime) -> dt.datetime:
    """The naive UTC form every timestamp is stored in; a naive input is taken as stored already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def stored_day_range(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Stored (naive UTC) start, inclusive, and end, exclusive, of the Bangkok days ``first`` to ``last``."""
    end_day = (last or first) + dt.timedelta(days=1)
    return to_stored(bangkok_at(first, dt.time())), to_stored(bangkok_at(end_day, dt.time()))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return to_local(value).date()
    return value


def format_date(value, style: str = "short", locale: str = "th") -> str:
    """"1 ก.ค. 2564" (short), "1 กรกฎาคม 2564" (long); in English "1 Jul 2021" / "1 July 2021"."""
    if value is None:
        return ""
    day = _as_date(value)
    if locale == "en":
        months = ENGLISH_MONTHS if style == "long" else ENGLISH_MONTHS_SHORT
        return f"{day.day} {months[day.month - 1]} {day.year}"
    months = THAI_MONTHS if style == "long" else THAI_MONTHS_SHORT
    return f"{day.day} {months[day.month - 1]} {be_year(day.year)}"


def format_time(value, locale: str = "th", seconds: bool = False) -> str:
    """"14:50 น." in Thai, "14:50" in English."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value)
    text = value.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{text} น." if locale != "en" else text


def format_datetime(value, style: str = "short", locale: str = "th", seconds: bool = False) -> str:
    """A date and time as people read them in ``locale`` (BE year in Thai); empty for None."""
    if value is None:
        return ""
    return f"{format_date(value, style, locale)} {format_time(value, locale, seconds)}"


def fiscal_year(day: dt.date) -> int:
    """The BE fiscal year a date falls in: 1 Oct 2025 -> 2569."""
    day = _as_date(day)
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_year_range(fiscal_year_be: int) -> tuple[dt.date, dt.date]:
    """First and last day of a BE fiscal year: 2569 -> (2025-10-01, 2026-09-30)."""
    end_ce = ce_year(fiscal_year_be)
    return dt.date(end_ce - 1, 10, 1), dt.date(end_ce, 9, 30)


def half_year(day: dt.date) -> tuple[int, int]:
    """(fiscal year, 1 or 2): 1 Oct - 31 Mar is the first half, 1 Apr - 30 Sep the second."""
    day = _as_date(day)
    return fiscal_year(day), (1 if day.month >= 10 or day.month <= 3 else 2)


def half_year_range(fiscal_year_be: int, half: int) -> tuple[dt.date, dt.date]:
    """First and last day of half 1 (October-March) or 2 (April-September) of a BE fiscal year."""
    start, end = fiscal_year_range(fiscal_year_be)
    if half == 1:
        return start, dt.date(start.year + 1, 3, 31)
    if half == 2:
        return dt.date(end.year, 4, 1), end
    raise ValueError("half must be 1 or 2")


def calendar_year_be(day: dt.date) -> int:
    """Correspondence registers restart every calendar year, named in BE."""
    return be_year(_as_date(day).year)


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class NoSuchDay(ValueError):
    """Written like a date, but the calendar has no such day (31/02/2569)."""


class DateOutOfRange(ValueError):
    """A real day, but outside the years Khet keeps (CE 1900-2400)."""


def parse_be_date(text: str) -> dt.date:
    """Read "15/07/2564" or "2564-07-15" (BE) or an ISO CE date as a date; ValueError if neither.

    A year above 2400 is BE, up to 2400 CE. The year is converted before the date is built: 29 February 2563
    exists (CE 2020 is a leap year) although 2563 read as a CE year would not be one. The ValueError is a
    NoSuchDay or a DateOutOfRange when the text has the shape of a date, so a form can say which.
    """
    text = text.strip()
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_MONTH_DAY.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(f"not a date: {text!r}")
    if year > 2400:  # a BE year: no Khet record is dated after CE 2400
        year = ce_year(year)
    try:
        day = dt.date(year, month, day)
    except ValueError:
        raise NoSuchDay(f"no such day: {text!r}") from None
    if not 1900 <= year <= 2400:  # year 1 or 9999 would fail later, converting to Bangkok time
        raise DateOutOfRange(f"not a date Khet keeps: {text!r}")
    return day
