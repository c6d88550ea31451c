"""Holidays and working-day arithmetic: leave counts, deadlines, SLA and escalation timers.

Working days are Monday to Friday minus the holidays in ``core_holiday``. The
admin keeps that table (the Cabinet declares extra one-off holidays every year),
so no holiday is a constant in code. A holiday is either one-off (that date
only) or yearly (the same day and month every year from its date's year on).

Every helper that looks at a range of dates reads the holidays of the whole
range in one query. Office hours for the working-hour helpers are the setting
``core.calendar`` (default 08:30-16:30, Asia/Bangkok). See docs/services/holidays.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, String, UniqueConstraint, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from core.calendar import parse_be_date
from core.db import db, utcnow

SATURDAY = 5  # date.weekday(): Monday is 0, Saturday 5, Sunday 6

CALENDAR_SETTINGS = "core.calendar"
CALENDAR_DEFAULTS = {
    "office_hours_start": "08:30",
    "office_hours_end": "16:30",
    "timezone": "Asia/Bangkok",
}


class Holiday(db.Model):
    """A day the office is closed: one-off (this date) or yearly (this day and month, from this year on)."""

    __tablename__ = "core_holiday"
    __table_args__ = (UniqueConstraint("holiday_date", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    holiday_date: Mapped[dt.date] = mapped_column(Date, index=True)
    yearly: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def occurrence_in(self, year: int) -> dt.date | None:
        """The date this holiday falls on in CE ``year``, or None (a 29 February in a common year)."""
        if not self.yearly:
            return self.holiday_date if self.holiday_date.year == year else None
        if year < self.holiday_date.year:
            return None
        try:
            return self.holiday_date.replace(year=year)
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"<Holiday {self.holiday_date} {self.name!r}{' yearly' if self.yearly else ''}>"


# --- which days are holidays ----------------------------------------------------------


def holidays_between(start: dt.date, end: dt.date) -> dict[dt.date, list[str]]:
    """Every holiday date from ``start`` to ``end`` inclusive with its names, yearly ones expanded; one query."""
    if end < start:
        return {}
    rows = db.session.scalars(
        select(Holiday).where(
            or_(
                and_(Holiday.yearly.is_(False), Holiday.holiday_date.between(start, end)),
                and_(Holiday.yearly.is_(True), Holiday.holiday_date <= end),
            )
        )
    )
    found: dict[dt.date, list[str]] = {}
    for holiday in rows:
        for year in range(start.year, end.year + 1):
            day = holiday.occurrence_in(year)
            if day is not None and start <= day <= end:
                found.setdefault(day, []).append(holiday.name)
    return {day: sorted(names) for day, names in sorted(found.items())}


def holidays_in_year(year: int) -> list[tuple[dt.date, Holiday]]:
    """The holidays of CE ``year`` as (date it falls on, holiday), by date: what the admin page lists."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = db.session.scalars(
        select(Holiday).where(
            or_(
                and_(Holiday.yearly.is_(False), Holiday.holiday_date.between(start, end)),
                and_(Holiday.yearly.is_(True), Holiday.holiday_date <= end),
            )
        )
    )
    listed = [(holiday.occurrence_in(year), holiday) for holiday in rows]
    return sorted(((day, h) for day, h in listed if day is not None), key=lambda pair: (pair[0], pair[1].name))


class DaysOff:
    """Weekends and holidays, read from the database one block of whole years at a time.

    Use one instance for a loop over many dates (a recurring booking, a leave
    request): it reads each year's holidays once, however many days you ask about.
    """

    def __init__(self) -> None:
        self._first_year: int | None = None
        self._last_year: int | None = None
        self._holidays: set[dt.date] = set()

    def _load(self, first_year: int, last_year: int) -> None:
        days = holidays_between(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
        self._holidays.update(days)

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make sure the years from first to last are loaded, reading only the ones missing."""
        if self._first_year is None:
            self._load(first_year, last_year)
            self._first_year, self._last_year = first_year, last_year
            return
        if first_year < self._first_year:
            self._load(first_year, self._first_year - 1)
            self._first_year = first_year
        if last_year > self._last_year:
            self._load(self._last_year + 1, last_year)
            self._last_year = last_year

    def cover(self, start: dt.date, end: dt.date) -> DaysOff:
        """Read the holidays of every year from ``start`` to ``end`` now, in one query."""
        self._cover(min(start, end).year, max(start, end).year)
        return self

    def is_holiday(self, day: dt.date) -> bool:
        self._cover(day.year, day.year)
        return day in self._holidays

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < SATURDAY and not self.is_holiday(day)


def is_holiday(day: dt.date) -> bool:
    """Whether ``day`` is in the holiday table (weekends are not holidays, just not working days)."""
    return bool(holidays_between(day, day))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < SATURDAY and not is_holiday(day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days from ``start`` to ``end``, both counted: how leave days are counted. 0 if end < start."""
    if end < start:
        return 0
    days_off = DaysOff().cover(start, end)
    return sum(1 for offset in range((end - start).days + 1) if days_off.is_working_day(start + dt.timedelta(days=offset)))


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The date ``n`` working days after ``day`` (before it when n < 0); ``day`` itself is not counted.

    ``add_working_days(friday, 1)`` is the next Monday if that is not a holiday.
    With n = 0 the answer is ``day`` when it is a working day, else the next working day.
    """
    step = dt.timedelta(days=1 if n >= 0 else -1)
    # 7 calendar days per 5 working days, plus two weeks for holidays, covers almost every case in one query.
    days_off = DaysOff().cover(day, day + step * (abs(n) * 7 // 5 + 14))
    if n == 0:
        while not days_off.is_working_day(day):
            day += step
        return day
    remaining = abs(n)
    while remaining:
        day += step
        if days_off.is_working_day(day):
            remaining -= 1
    return day


# --- working hours ----------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    opens: dt.time
    closes: dt.time
    zone: ZoneInfo

    @property
    def hours_per_day(self) -> float:
        return _hours(dt.datetime.combine(dt.date.min, self.closes) - dt.datetime.combine(dt.date.min, self.opens))


def office_hours() -> OfficeHours:
    """Office hours from the ``core.calendar`` setting (default 08:30-16:30 Asia/Bangkok)."""
    from core.settings import get_settings

    values = get_settings(CALENDAR_SETTINGS, defaults=CALENDAR_DEFAULTS)
    opens = dt.time.fromisoformat(values["office_hours_start"])
    closes = dt.time.fromisoformat(values["office_hours_end"])
    if closes <= opens:
        raise ValueError(f"office hours end ({closes}) must be after they start ({opens})")
    return OfficeHours(opens, closes, ZoneInfo(values["timezone"]))


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _to_zone(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Naive timestamps are UTC, as stored everywhere in Khet."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(zone)


def _like_input(moment: dt.datetime, original: dt.datetime) -> dt.datetime:
    """Answer in the caller's form: naive UTC for naive input, else the input's time zone."""
    if original.tzinfo is None:
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.astimezone(original.tzinfo)


def _office_window(day: dt.date, hours: OfficeHours) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(day, hours.opens, tzinfo=hours.zone),
        dt.datetime.combine(day, hours.closes, tzinfo=hours.zone),
    )


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment ``hours`` office hours after ``start``: the deadline of an SLA or an escalation timer.

    Time outside office hours, on weekends and on holidays does not count:
    8 working hours from Friday 15:30 end on Monday 15:30 (with 08:30-16:30 office hours).
    A naive ``start`` is read as UTC and the answer is naive UTC; an aware one keeps its zone.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    office = office_hours()
    remaining = dt.timedelta(hours=hours)
    cursor = _to_zone(start, office.zone)
    if not remaining:
        return start
    working_days_needed = hours / office.hours_per_day
    days_off = DaysOff().cover(cursor.date(), cursor.date() + dt.timedelta(days=int(working_days_needed * 7 / 5) + 14))
    day = cursor.date()
    while True:
        if days_off.is_working_day(day):
            opens, closes = _office_window(day, office)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return _like_input(begin + remaining, start)
                remaining -= available
        day += dt.timedelta(days=1)


def working_hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Office hours from ``start`` to ``end`` on working days: how long an SLA clock has run.

    Negative when ``end`` is before ``start``. Naive timestamps are UTC.
    """
    office = office_hours()
    begin, finish = _to_zone(start, office.zone), _to_zone(end, office.zone)
    if finish < begin:
        return -working_hours_between(end, start)
    days_off = DaysOff().cover(begin.date(), finish.date())
    total = dt.timedelta()
    day = begin.date()
    while day <= finish.date():
        if days_off.is_working_day(day):
            opens, closes = _office_window(day, office)
            overlap = min(closes, finish) - max(opens, begin)
            if overlap > dt.timedelta():
                total += overlap
        day += dt.timedelta(days=1)
    return _hours(total)


# --- keeping the table ------------------------------------------------------------------


def add_holiday(name: str, holiday_date: dt.date, yearly: bool = False) -> Holiday:
    """Add a holiday (the caller commits). ValueError if the same name is already on that date."""
    name = name.strip()
    if not name:
        raise ValueError(_l("A holiday needs a name."))
    if _duplicate_of(name, holiday_date) is not None:
        raise ValueError(_l("%(name)s is already listed on that date.", name=name))
    holiday = Holiday(name=name, holiday_date=holiday_date, yearly=yearly)
    db.session.add(holiday)
    db.session.flush()
    return holiday


def update_holiday(holiday: Holiday, name: str, holiday_date: dt.date, yearly: bool) -> Holiday:
    name = name.strip()
    if not name:
        raise ValueError(_l("A holiday needs a name."))
    other = _duplicate_of(name, holiday_date)
    if other is not None and other.id != holiday.id:
        raise ValueError(_l("%(name)s is already listed on that date.", name=name))
    holiday.name, holiday.holiday_date, holiday.yearly = name, holiday_date, yearly
    db.session.flush()
    return holiday


def delete_holiday(holiday: Holiday) -> None:
    db.session.delete(holiday)
    db.session.flush()


def _duplicate_of(name: str, holiday_date: dt.date) -> Holiday | None:
    """A holiday of this name that already falls on this date, one-off or yearly."""
    candidates = db.session.scalars(
        select(Holiday).where(
            Holiday.name == name,
            or_(Holiday.holiday_date == holiday_date, and_(Holiday.yearly.is_(True), Holiday.holiday_date <= holiday_date)),
        )
    )
    return next((h for h in candidates if h.occurrence_in(holiday_date.year) == holiday_date), None)


# --- CSV import -------------------------------------------------------------------------

# Accepted column names, English or Thai, as an office might type them in a spreadsheet.
CSV_COLUMNS = {
    "date": "date", "วันที่": "date",
    "name": "name", "ชื่อ": "name", "ชื่อวันหยุด": "name",
    "yearly": "yearly", "ทุกปี": "yearly",
}
YES = {"1", "yes", "y", "true", "ใช่", "ทุกปี"}
NO = {"", "0", "no", "n", "false", "ไม่", "ไม่ใช่"}
MAX_CSV_ROWS = 500
# Next year's government holidays as Khet ships them: to be checked against the Cabinet's announcement.
SAMPLE_CSV = Path(__file__).resolve().parent.parent / "data" / "thai_holidays_sample.csv"


@dataclass
class ImportRow:
    """One line of an imported CSV and what became of it: "add", "exists" (already listed) or "error"."""

    line: int
    holiday_date: dt.date | None
    name: str
    yearly: bool
    status: str
    message: str = ""  # a lazy translation, rendered in the reader's language


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # errors about the file as a whole
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and all(row.status != "error" for row in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp874"):  # spreadsheets in Thai Windows save as cp874 (TIS-620)
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("undecodable")


def read_holiday_csv(data: bytes | str) -> ImportReport:
    """Check a CSV of holidays (columns date, name and optionally yearly) without saving anything.

    Dates may be ISO ("2027-04-13", CE) or Thai style with a BE year ("13/04/2570").
    Lines starting with "#" are comments. Each line is reported: added, already
    listed, or the reason it is wrong.
    """
    report = ImportReport()
    try:
        text = _decode(data)
    except ValueError:
        report.problems.append(_l("The file is not text in UTF-8 or TIS-620."))
        return report
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        report.problems.append(_l("The file has no rows."))
        return report
    reader = csv.reader(io.StringIO("\n".join(line for _number, line in lines)))
    header = [CSV_COLUMNS.get(cell.strip().lower(), cell.strip()) for cell in next(reader)]
    if "date" not in header or "name" not in header:
        report.problems.append(_l('The first row must name the columns "date" and "name" (and optionally "yearly").'))
        return report
    if len(lines) - 1 > MAX_CSV_ROWS:
        report.problems.append(_l("The file has more than %(limit)s rows.", limit=MAX_CSV_ROWS))
        return report
    seen: set[tuple[dt.date, str]] = set()
    for (line_number, _line), cells in zip(lines[1:], reader):
        report.rows.append(_read_row(line_number, dict(zip(header, (c.strip() for c in cells))), seen))
    return report


def _read_row(line_number: int, values: dict[str, str], seen: set) -> ImportRow:
    row = ImportRow(line=line_number, holiday_date=None, name=values.get("name", ""), yearly=False, status="error")
    try:
        row.holiday_date = parse_be_date(values.get("date", ""))
    except ValueError:
        row.message = _l('"%(value)s" is not a date; write 13/04/2570 or 2027-04-13.', value=values.get("date", ""))
        return row
    yearly = values.get("yearly", "").lower()
    if yearly not in YES | NO:
        row.message = _l('"%(value)s" in the yearly column must be yes or no.', value=values.get("yearly", ""))
        return row
    row.yearly = yearly in YES
    if not row.name:
        row.message = _l("The holiday has no name.")
    elif len(row.name) > 255:
        row.message = _l("The name is longer than 255 characters.")
    elif (row.holiday_date, row.name) in seen:
        row.message = _l("The same holiday appears twice in the file.")
    elif _duplicate_of(row.name, row.holiday_date) is not None:
        row.status, row.message = "exists", _l("Already listed; left as it is.")
    else:
        row.status = "add"
    seen.add((row.holiday_date, row.name))
    return row


def import_holidays(data: bytes | str) -> ImportReport:
    """Read a holiday CSV and add its new holidays, all or nothing: one bad row and nothing is added.

    The caller commits when ``report.saved`` is true.
    """
    report = read_holiday_csv(data)
    if not report.ok:
        return report
    for row in report.rows:
        if row.status == "add":
            db.session.add(Holiday(name=row.name, holiday_date=row.holiday_date, yearly=row.yearly))
    db.session.flush()
    report.saved = True
    return report


def import_sample() -> ImportReport:
    """Add the sample holidays shipped with Khet (the demo office does); the caller commits."""
    return import_holidays(SAMPLE_CSV.read_bytes())
