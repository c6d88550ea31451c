"""CSV import of schools and of people: every row checked first, then all or nothing.

Offices keep their school and staff lists in Excel. Excel saves Thai CSV as
UTF-8 (with a byte-order mark) or, on older Windows, as TIS-620/cp874; both
are read. A file with any bad row imports nothing and the report names each
row, column and problem; a good file is imported in one transaction. A code
or username that already exists updates that record instead of adding a twin;
on such an update an empty cell keeps what the record holds.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from core import org_services
from core.db import db, write_transaction
from core.models import Group, Person, School, SchoolNetwork
from core.models.org import SCHOOL_ROLES, SCHOOL_TYPES

SCHOOL_COLUMNS = ("code", "name", "district", "subdistrict", "network", "school_type", "phone", "email")
SCHOOL_REQUIRED = ("code", "name")
PEOPLE_COLUMNS = (
    "title", "first_name", "last_name", "position", "phone", "email", "username", "group_code", "school_code", "school_role",
)
PEOPLE_REQUIRED = ("first_name",)
MAX_LENGTHS = {
    "code": 10, "name": 255, "district": 100, "subdistrict": 100, "network": 255, "phone": 100, "email": 255,
    "title": 50, "first_name": 100, "last_name": 100, "position": 255, "username": 100,
}
MAX_ROWS = 20000


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    networks_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    updated_keys: list[str] = field(default_factory=list)  # the codes or usernames that already existed

    @property
    def ok(self) -> bool:
        return not self.errors


def template_csv(columns: tuple[str, ...]) -> bytes:
    """An empty file with the header row; the byte-order mark makes Excel read it as UTF-8."""
    return ("\ufeff" + ",".join(columns) + "\r\n").encode("utf-8")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; Thai Windows Excel's cp874 (a superset of TIS-620) if that fails."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp874", errors="strict")


def read_rows(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """[(row number, {column: value})] of the non-empty rows, or the problems with the file itself."""
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return [], [RowError(1, "", _("The file is neither UTF-8 nor Thai (TIS-620) text. Save it from Excel as CSV UTF-8."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return [], [RowError(1, "", _("The file is empty."))]
    names = [name.strip().lower() for name in header]
    errors = [
        RowError(1, name, _("Unknown column %(name)s.", name=name)) for name in names if name and name not in columns
    ]
    errors += [RowError(1, name, _("The column %(name)s is missing.", name=name)) for name in required if name not in names]
    if errors:
        return [], errors
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue  # Excel leaves empty lines at the end
        if len(rows) >= MAX_ROWS:
            return [], [RowError(number, "", _("A file may hold at most %(n)d rows.", n=MAX_ROWS))]
        if len(values) > len(names) and any(v.strip() for v in values[len(names):]):
            errors.append(RowError(number, "", _("This row has more values than the header has columns.")))
            continue
        record = {name: "" for name in columns}
        for name, value in zip(names, values):
            if name:
                record[name] = value.strip()
        rows.append((number, record))
    return rows, errors


def _common_problems(number: int, record: dict, required: tuple[str, ...]) -> list[RowError]:
    errors = [RowError(number, name, _("This value is required.")) for name in required if not record[name]]
    for name, limit in MAX_LENGTHS.items():
        if name in record and len(record[name]) > limit:
            errors.append(RowError(number, name, _("At most %(n)d characters.", n=limit)))
    if record.get("email"):
        try:
            validate_email(record["email"], check_deliverability=False)
        except EmailNotValidError:
            errors.append(RowError(number, "email", _("This is not an email address.")))
    return errors


def _duplicate_in_file(seen: dict, key: str, number: int, column: str) -> RowError | None:
    if key in seen:
        return RowError(number, column, _("The same value is already in row %(row)d.", row=seen[key]))
    seen[key] = number
    return None


def _filled(values: dict) -> dict:
    """On update, an empty cell keeps what the record already holds rather than erasing it."""
    return {name: value for name, value in values.items() if value not in ("", None)}


# --- schools -------------------------------------------------------------------------


def import_schools(data: bytes) -> ImportReport:
    """Check every row of a schools CSV; when all are good, create or update the schools in one transaction."""
    report = ImportReport()
    with write_transaction():
        rows, report.errors = read_rows(data, SCHOOL_COLUMNS, SCHOOL_REQUIRED)
        if report.errors:
            return report
        seen: dict[str, int] = {}
        for number, record in rows:
            report.errors += _common_problems(number, record, SCHOOL_REQUIRED)
            if record["code"] and not org_services.SCHOOL_CODE_PATTERN.match(record["code"]):
                report.errors.append(RowError(number, "code", _("A school code is 8 to 10 digits, without spaces or dashes.")))
            if record["school_type"] and record["school_type"] not in SCHOOL_TYPES:
                report.errors.append(
                    RowError(number, "school_type", _("Use one of: %(values)s.", values=", ".join(SCHOOL_TYPES)))
                )
            duplicate = _duplicate_in_file(seen, record["code"], number, "code") if record["code"] else None
            if duplicate:
                report.errors.append(duplicate)
        if report.errors:
            return report
        try:
            _write_schools(rows, report)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return report


def _write_schools(rows: list[tuple[int, dict]], report: ImportReport) -> None:
    existing = {s.code: s for s in db.session.scalars(select(School).where(School.code.in_([r["code"] for _n, r in rows])))}
    networks = {n.name.lower(): n for n in db.session.scalars(select(SchoolNetwork))}
    for _number, record in rows:
        network_id = None
        if record["network"]:
            network = networks.get(record["network"].lower())
            if network is None:
                network = org_services.save_network(SchoolNetwork(), name=record["network"], district=record["district"])
                networks[network.name.lower()] = network
                report.networks_created += 1
            network_id = network.id
        values = {
            "code": record["code"], "name": record["name"], "district": record["district"],
            "subdistrict": record["subdistrict"], "school_type": record["school_type"],
            "phone": record["phone"], "email": record["email"], "network_id": network_id,
        }
        school = existing.get(record["code"])
        if school is None:
            org_services.add_school(**{**values, "school_type": values["school_type"] or "primary"})
            report.created += 1
        else:
            org_services.update_school(school, **_filled(values))
            report.updated += 1
            report.updated_keys.append(record["code"])


# --- people --------------------------------------------------------------------------


def import_people(data: bytes) -> ImportReport:
    """Check every row of a people CSV; when all are good, create or update the people in one transaction.

    A row is matched to an existing person by username; without a username, by
    first and last name (a name shared by several people is refused: the row
    needs a username to say which one).
    """
    report = ImportReport()
    with write_transaction():
        rows, report.errors = read_rows(data, PEOPLE_COLUMNS, PEOPLE_REQUIRED)
        if report.errors:
            return report
        groups = {g.code.lower(): g for g in db.session.scalars(select(Group))}
        school_codes = [r["school_code"] for _n, r in rows if r["school_code"]]
        schools = {s.code: s for s in db.session.scalars(select(School).where(School.code.in_(school_codes)))}
        seen_usernames: dict[str, int] = {}
        seen_names: dict[str, int] = {}
        matches: dict[int, Person | None] = {}
        for number, record in rows:
            report.errors += _common_problems(number, record, PEOPLE_REQUIRED)
            report.errors += _people_row_problems(number, record, groups, schools)
            if record["username"]:
                duplicate = _duplicate_in_file(seen_usernames, record["username"].lower(), number, "username")
            else:
                duplicate = _duplicate_in_file(seen_names, f"{record['first_name']} {record['last_name']}", number, "first_name")
            if duplicate:
                report.errors.append(duplicate)
            match = _existing_person(number, record, report.errors)
            matches[number] = match
        if report.errors:
            return report
        try:
            _write_people(rows, matches, groups, schools, report)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return report


def _people_row_problems(number: int, record: dict, groups: dict, schools: dict) -> list[RowError]:
    errors = []
    if record["username"] and not org_services.USERNAME_PATTERN.match(record["username"]):
        errors.append(RowError(number, "username", _("A username may contain only English letters, digits and . _ @ -")))
    if record["group_code"] and record["group_code"].lower() not in groups:
        errors.append(RowError(number, "group_code", _("There is no group with the code %(code)s.", code=record["group_code"])))
    if record["school_code"] and record["school_code"] not in schools:
        errors.append(RowError(number, "school_code", _("There is no school with the code %(code)s.", code=record["school_code"])))
    if record["school_role"]:
        if record["school_role"] not in SCHOOL_ROLES:
            errors.append(RowError(number, "school_role", _("Use one of: %(values)s.", values=", ".join(SCHOOL_ROLES))))
        elif not record["school_code"]:
            errors.append(RowError(number, "school_role", _("A role in a school needs a school_code.")))
    return errors


def _existing_person(number: int, record: dict, errors: list[RowError]) -> Person | None:
    if record["username"]:
        return db.session.scalar(select(Person).where(func.lower(Person.username) == record["username"].lower()))
    namesakes = list(
        db.session.scalars(
            select(Person).where(Person.first_name == record["first_name"], Person.last_name == record["last_name"]).limit(2)
        )
    )
    if len(namesakes) > 1:
        errors.append(RowError(number, "username", _("Several people have this name; add a username to say which one.")))
        return None
    return namesakes[0] if namesakes else None


def _write_people(rows, matches: dict, groups: dict, schools: dict, report: ImportReport) -> None:
    for number, record in rows:
        person = matches[number]
        values = {name: record[name] for name in ("title", "first_name", "last_name", "position", "phone", "email")}
        if person is None:
            person = org_services.save_person(Person(active=True), username=record["username"], **values)
            report.created += 1
        else:
            org_services.save_person(person, **_filled(values))
            report.updated += 1
            report.updated_keys.append(record["username"] or person.full_name)
        if record["group_code"]:
            org_services.move_person_to_group(person, groups[record["group_code"].lower()])
        if record["school_code"]:
            school = schools[record["school_code"]]
            role = record["school_role"] or "teacher"
            if not any(m.school_id == school.id and m.role == role for m in person.school_memberships):
                org_services.add_school_member(school, person, role)
