"""A district office's correspondence at full size, bulk-written: 1,000,000 register lines, 300 schools, 200 staff.

The rows are the ones the services write, made in bulk (COPY on PostgreSQL, executemany on SQLite):

- every register line (``correspondence_letter``) has its issued number (``core_issued_number``) in its
  series (``core_number_series``: ``correspondence.<kind>``, the register's scope, the BE calendar year),
  numbered 1, 2, 3 ... in the order of the times registered within each register and year, as
  ``numbers.take_number`` gives them; each series' ``next_number`` is the one after its last;
- the central registry: about 24,000 incoming letters a year from สพฐ., the province and other agencies;
  20,000 outgoing letters a year (2 % sent to all schools, 5 % to a network of about 50, 8 % to one to five
  picked schools, the rest to agencies; 0.5 % cancelled), 1,500 circulars (40 % to all 300 schools, the
  rest to a network), 1,500 orders, 600 certificates, 120 secret letters (named readers: the director
  and the head of the admin group);
- each group: about 1,500 memos in and 800 letters out a year in its own registers;
- each school: about 150 letters a year out to the office (three in ten sent through Khet to the admin
  group and received by the central registry, written in that group's incoming register);
- a delivery per recipient; 93 % of schools' deliveries received (same day to a week later) by the
  school's clerk, each receipt written as a line in the school's incoming register pointing at its source;
- letters schools receive on paper from other agencies fill the total up to the number asked for.

Times: working days from 1 January of last year to today, 08:30-16:30 Bangkok, stored as naive UTC.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from sqlalchemy import func, select, text

from bench import seeding

LETTERS = 1_000_000
PER_YEAR = {"incoming": 24_000, "outgoing": 20_000, "circular": 1_500, "order": 1_500, "certificate": 600,
            "secret": 120, "group_incoming": 1_500, "group_outgoing": 800, "school_outgoing": 150}
RECEIVED_SHARE = 0.93
WORKING_DAYS_A_YEAR = 245
BANGKOK_OFFSET = dt.timedelta(hours=7)
OPENS_MINUTE, OFFICE_MINUTES = 8 * 60 + 30, 8 * 60
SUBJECT_POOL = 4000


class SeedError(Exception):
    """The database is not what the bulk seeding expects."""


def _be_year(moment: dt.datetime) -> int:
    return (moment + BANGKOK_OFFSET).year + 543


def _local_date(moment: dt.datetime) -> dt.date:
    return (moment + BANGKOK_OFFSET).date()


class Plan:
    """The lines, deliveries and readers to write, with ids given up front (the tables are ours while seeding)."""

    def __init__(self, next_letter_id: int, next_delivery_id: int):
        self.lines: dict[tuple[int, int], list] = defaultdict(list)  # (register id, BE year) -> line stubs
        self.deliveries: list[tuple] = []
        self.readers: list[tuple] = []
        self._letter_id, self._delivery_id = next_letter_id, next_delivery_id
        self.count = 0

    def line(self, register_id: int, moment: dt.datetime, by_id: int, sender_ref: str, letter_date, from_text: str,
             to_text: str, subject: str, action: str, urgency: str, secrecy: str, doc_type: str, group_id,
             source_id=None, cancelled: bool = False) -> int:
        letter_id = self._letter_id
        self._letter_id += 1
        self.count += 1
        # [registered_at, id, by, sender_ref, letter_date, from, to, subject, action, urgency, secrecy, doc_type,
        #  group, source, cancelled]; the number and the issued number's id are appended when numbered.
        self.lines[(register_id, _be_year(moment))].append([
            moment, letter_id, by_id, sender_ref, letter_date, from_text, to_text, subject, action, urgency, secrecy,
            doc_type, group_id, source_id, cancelled])
        return letter_id

    def delivery(self, letter_id: int, sent_at: dt.datetime, school_id=None, group_id=None, person_id=None,
                 received_at=None, received_by_id=None, incoming_letter_id=None) -> None:
        self.deliveries.append((self._delivery_id, letter_id, school_id, group_id, person_id, sent_at, received_at,
                                received_by_id, incoming_letter_id, None, 0))
        self._delivery_id += 1


class Office:
    """The bench office as ids and names: what the generator needs, read once."""

    def __init__(self, rng: random.Random):
        from core.db import db
        from core.models import Group, GroupMembership, Person, School, SchoolMembership
        from plugins.correspondence import services

        self.rng = rng
        people = dict(db.session.execute(select(Person.username, Person.id)).all())
        self.clerk_id = people["admin1"]
        self.reader_ids = [people["director"], people["admin_head"]]
        groups = db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order)).all()
        self.groups = [(g.id, g.name) for g in groups]
        members = defaultdict(list)
        for person_id, group_id in db.session.execute(select(GroupMembership.person_id, GroupMembership.group_id)):
            members[group_id].append(person_id)
        self.group_clerk = {g.id: (members[g.id] or [self.clerk_id])[0] for g in groups}
        schools = db.session.scalars(select(School).where(School.active.is_(True)).order_by(School.id)).all()
        self.schools = [(s.id, s.name, s.network_id) for s in schools]
        self.networks = defaultdict(list)
        for school_id, _name, network_id in self.schools:
            self.networks[network_id].append(school_id)
        self.school_names = {s.id: s.name for s in schools}
        clerks = dict(db.session.execute(select(SchoolMembership.school_id, SchoolMembership.person_id)
                                         .where(SchoolMembership.role == "clerk")).all())
        self.school_clerk = {s.id: clerks[s.id] for s in schools if s.id in clerks}
        # The registers, opened the way the services open them.
        self.register = {kind: services.register_for(kind).id for kind in services.KINDS}
        self.group_register = {(g.id, kind): services.register_for(kind, group=g).id for g in groups
                               for kind in ("incoming", "outgoing")}
        self.school_register = {(s.id, kind): services.register_for(kind, school=s).id for s in schools
                                for kind in ("incoming", "outgoing")}
        db.session.commit()
        self.scope_of = {r.id: (r.kind, r.scope) for r in db.session.scalars(select(services.Register))}


def _working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    from core.services.holidays import DaysOff

    days_off = DaysOff().cover(first, last)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            if days_off.is_working_day(first + dt.timedelta(days=n))]


class Generator:
    """Makes the plan: one pass over the working days, receipts and all."""

    def __init__(self, office: Office, plan: Plan, days: list[dt.date], now: dt.datetime, rng: random.Random,
                 scale: float = 1.0):
        from plugins.correspondence.demo import AGENCIES, HEAD_OF_OFFICE, letter_subject, urgency

        self.office, self.plan, self.days, self.now, self.rng = office, plan, days, now, rng
        self.scale = scale  # fewer letters a year for a smaller bench (--letters below a million)
        self.agencies, self.head = AGENCIES, HEAD_OF_OFFICE
        self.urgency = urgency
        years = sorted({d.year + 543 for d in days})
        self.subjects = {year: [letter_subject(rng, year) for _ in range(SUBJECT_POOL)] for year in years}
        self.day_index = {day: n for n, day in enumerate(days)}
        self.sent_to_all: list[int] = []  # letters sent to every school: the receipt page's and tracking's subjects

    def moment(self, day: dt.date) -> dt.datetime:
        minute = OPENS_MINUTE + self.rng.randrange(OFFICE_MINUTES)
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute, seconds=self.rng.randrange(60)) \
            - BANGKOK_OFFSET

    def subject(self, moment: dt.datetime) -> str:
        return self.rng.choice(self.subjects[_be_year(moment)])

    def _count(self, per_year: float) -> int:
        """How many today: a Poisson-ish draw around the daily rate."""
        rate = per_year * self.scale / WORKING_DAYS_A_YEAR
        whole = int(rate)
        return whole + (1 if self.rng.random() < rate - whole else 0)

    def run(self) -> None:
        for day in self.days:
            for _ in range(self._count(PER_YEAR["incoming"])):
                self.incoming(self.moment(day))
            for _ in range(self._count(PER_YEAR["outgoing"])):
                self.outgoing(self.moment(day))
            for _ in range(self._count(PER_YEAR["circular"])):
                self.circular(self.moment(day))
            for kind in ("order", "certificate", "secret"):
                for _ in range(self._count(PER_YEAR[kind])):
                    self.office_only(kind, self.moment(day))
            for group_id, group_name in self.office.groups:
                for kind in ("incoming", "outgoing"):
                    for _ in range(self._count(PER_YEAR[f"group_{kind}"])):
                        self.group_line(group_id, group_name, kind, self.moment(day))
            for _ in range(self._count(PER_YEAR["school_outgoing"] * len(self.office.schools))):
                self.school_letter(self.rng.choice(self.office.schools), self.moment(day))

    # --- the kinds of lines -------------------------------------------------------------

    def incoming(self, moment: dt.datetime) -> None:
        agency, code = self.rng.choice(self.agencies)
        group_id, group_name = self.rng.choice(self.office.groups)
        self.plan.line(self.office.register["incoming"], moment, self.office.clerk_id,
                       f"{code}/{self.rng.randint(100, 9999)}", _local_date(moment) - dt.timedelta(days=2), agency,
                       self.head, self.subject(moment), f"มอบ{group_name}", self.urgency(self.rng), "none", "external",
                       group_id)

    def outgoing(self, moment: dt.datetime) -> None:
        roll = self.rng.random()
        if roll < 0.02:
            schools, to_text = [s[0] for s in self.office.schools], "ผู้อำนวยการโรงเรียนในสังกัดทุกโรง"
        elif roll < 0.07:
            network = self.rng.choice(list(self.office.networks))
            schools, to_text = self.office.networks[network], "ผู้อำนวยการโรงเรียนในเครือข่าย"
        elif roll < 0.15:
            picked = self.rng.sample(self.office.schools, self.rng.randint(1, 5))
            schools, to_text = [s[0] for s in picked], ", ".join(s[1] for s in picked)[:255]
        else:
            schools, to_text = [], f"ผู้อำนวยการ{self.rng.choice(self.agencies)[0]}"
        cancelled = not schools and self.rng.random() < 0.006
        subject = self.subject(moment)
        letter_id = self.plan.line(self.office.register["outgoing"], moment, self.office.clerk_id, "",
                                   _local_date(moment), self.head, to_text, subject, "",
                                   self.urgency(self.rng), "none", "external", self.rng.choice(self.office.groups)[0],
                                   cancelled=cancelled)
        self._send(letter_id, moment, schools, subject)

    def circular(self, moment: dt.datetime) -> None:
        if self.rng.random() < 0.4:
            schools = [s[0] for s in self.office.schools]
        else:
            schools = self.office.networks[self.rng.choice(list(self.office.networks))]
        subject = self.subject(moment)
        letter_id = self.plan.line(self.office.register["circular"], moment, self.office.clerk_id, "",
                                   _local_date(moment), self.head, "ผู้อำนวยการโรงเรียนในสังกัด", subject,
                                   "", self.urgency(self.rng), "none", "external", self.rng.choice(self.office.groups)[0])
        self._send(letter_id, moment, schools, subject)

    def office_only(self, kind: str, moment: dt.datetime) -> None:
        secret = kind == "secret"
        letter_id = self.plan.line(
            self.office.register[kind], moment, self.office.clerk_id, f"ศธ 04002/ลับ {self.rng.randint(1, 99)}" if secret
            else "", _local_date(moment), self.head, "ข้าราชการในสังกัด", self.subject(moment), "",
            self.urgency(self.rng), "secret" if secret else "none", "directive" if kind == "order" else "external", None)
        if secret:
            self.plan.readers += [(letter_id, reader, self.office.clerk_id, moment) for reader in self.office.reader_ids]

    def group_line(self, group_id: int, group_name: str, kind: str, moment: dt.datetime) -> None:
        self.plan.line(self.office.group_register[(group_id, kind)], moment, self.office.group_clerk[group_id],
                       str(self.rng.randint(1, 999)) if kind == "incoming" else "", _local_date(moment),
                       "กลุ่มอำนวยการ" if kind == "incoming" else group_name,
                       group_name if kind == "incoming" else "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
                       self.subject(moment), "", self.urgency(self.rng), "none", "internal", None)

    def school_letter(self, school: tuple, moment: dt.datetime) -> None:
        school_id, school_name, _network = school
        clerk_id = self.office.school_clerk.get(school_id, self.office.clerk_id)
        subject = self.subject(moment)
        letter_id = self.plan.line(self.office.school_register[(school_id, "outgoing")], moment, clerk_id, "",
                                   _local_date(moment), f"ผู้อำนวยการ{school_name}", self.head, subject, "",
                                   self.urgency(self.rng), "none", "external", None)
        if self.rng.random() < 0.3:
            admin_group_id, admin_group_name = self.office.groups[0]
            sent_at = moment + dt.timedelta(minutes=5)
            received_at = self._receipt_moment(sent_at)
            incoming_id = None
            if received_at is not None:
                incoming_id = self.plan.line(
                    self.office.group_register[(admin_group_id, "incoming")], received_at, self.office.clerk_id,
                    ("school", school_id, letter_id), _local_date(moment), school_name, admin_group_name,
                    subject, "", "normal", "none", "external", None, source_id=letter_id)
            self.plan.delivery(letter_id, sent_at, group_id=admin_group_id, received_at=received_at,
                               received_by_id=self.office.clerk_id if received_at else None,
                               incoming_letter_id=incoming_id)

    # --- sending and receiving -------------------------------------------------------------

    def _send(self, letter_id: int, moment: dt.datetime, school_ids: list[int], subject: str) -> None:
        if not school_ids:
            return
        if len(school_ids) == len(self.office.schools):
            self.sent_to_all.append(letter_id)
        sent_at = moment + dt.timedelta(minutes=self.rng.randint(5, 40))
        for school_id in school_ids:
            received_at = self._receipt_moment(sent_at) if self.rng.random() < RECEIVED_SHARE else None
            clerk_id = self.office.school_clerk.get(school_id)
            incoming_id = None
            if received_at is not None and clerk_id is not None:
                incoming_id = self.plan.line(
                    self.office.school_register[(school_id, "incoming")], received_at, clerk_id,
                    ("office", letter_id), _local_date(sent_at), "สพป.ชัยนาท (สาธิต)",
                    self.office.school_names[school_id], subject, "", "normal", "none", "external", None,
                    source_id=letter_id)
            else:
                received_at = None
            self.plan.delivery(letter_id, sent_at, school_id=school_id, received_at=received_at,
                               received_by_id=clerk_id if received_at else None, incoming_letter_id=incoming_id)

    def _receipt_moment(self, sent_at: dt.datetime) -> dt.datetime | None:
        delay = self.rng.choices((0, 1, 2, 3, 5), (60, 22, 9, 6, 3))[0]
        index = self.day_index.get(_local_date(sent_at), 0) + delay
        if index >= len(self.days):
            return None
        moment = max(self.moment(self.days[index]), sent_at + dt.timedelta(minutes=self.rng.randint(10, 240)))
        return moment if moment <= self.now else None

    def fill(self, total: int) -> None:
        """Letters schools receive on paper from other agencies, spread over the days, up to ``total`` lines."""
        schools = self.office.schools
        while self.plan.count < total:
            school_id, school_name, _network = schools[self.rng.randrange(len(schools))]
            moment = self.moment(self.days[self.rng.randrange(len(self.days))])
            agency, code = self.rng.choice(self.agencies)
            self.plan.line(self.office.school_register[(school_id, "incoming")], moment,
                           self.office.school_clerk.get(school_id, self.office.clerk_id),
                           f"{code}/{self.rng.randint(100, 9999)}", _local_date(moment) - dt.timedelta(days=3), agency,
                           school_name, self.subject(moment), "", self.urgency(self.rng), "none", "external", None)


# --- writing ---------------------------------------------------------------------------------


def _next_id(model) -> int:
    from core.db import db

    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


class Writer:
    """Bulk rows into the session's connection: COPY on PostgreSQL, executemany on SQLite (and MariaDB)."""

    def __init__(self):
        from core.db import db

        self.connection = db.session.connection()
        self.dialect = self.connection.dialect.name
        self.raw = self.connection.connection.driver_connection

    def write(self, table: str, columns: tuple[str, ...], rows) -> None:
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholder = "?" if self.dialect == "sqlite" else "%s"
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})"
        cursor = self.raw.cursor()
        batch = []
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row) if self.dialect == "sqlite" else row)
            if len(batch) >= 20_000:
                cursor.executemany(statement, batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)

    def reset_sequences(self, tables: tuple[str, ...]) -> None:
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))


def _sqlite_value(value):
    """Values as SQLAlchemy stores them in SQLite: datetimes with microseconds, dates as ISO text."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


LETTER_COLUMNS = ("id", "register_id", "year", "number", "issued_number_id", "registered_at", "registered_by_id",
                  "sender_ref", "letter_date", "from_text", "to_text", "subject", "action", "remarks", "urgency",
                  "secrecy", "doc_type", "group_id", "officer_id", "source_letter_id", "cancelled_at", "cancelled_by_id",
                  "cancel_reason", "retention_years", "destroyed_at", "destruction_list_id")
ISSUED_COLUMNS = ("id", "series_id", "number", "issued_for", "taken_at", "taken_by_id", "note", "cancelled_at",
                  "cancelled_by_id", "cancel_reason")
SERIES_COLUMNS = ("id", "series_key", "scope", "year", "year_kind", "next_number", "changed_at")
DELIVERY_COLUMNS = ("id", "letter_id", "school_id", "group_id", "person_id", "sent_at", "received_at",
                    "received_by_id", "incoming_letter_id", "reminded_at", "reminder_count")
READER_COLUMNS = ("letter_id", "person_id", "named_by_id", "named_at")


def _number(plan: Plan, office: Office) -> tuple[list, list, dict]:
    """Number every register's lines of each year in time order, continuing each series where it stands.

    Returns the new series rows, the series to move on (id -> next number) and the printed numbers of the
    office's and schools' sent letters (what a receipt line writes as ที่).
    """
    from core.db import db, utcnow
    from core.models import Office as OfficeRecord
    from core.services.numbers import NumberSeries

    now = utcnow()
    existing = {(s.series_key, s.scope, s.year): s for s in db.session.scalars(select(NumberSeries))}
    next_series_id = _next_id(NumberSeries)
    next_issued_id = _next_id_issued()
    new_series, moved = [], {}
    printed = {}
    code = OfficeRecord.current().letter_code or ""
    for (register_id, year), stubs in plan.lines.items():
        kind, scope = office.scope_of[register_id]
        key = (f"correspondence.{kind}", scope, year)
        series = existing.get(key)
        if series is None:
            series_id, first = next_series_id, 1
            next_series_id += 1
        else:
            series_id, first = series.id, series.next_number
        stubs.sort(key=lambda stub: stub[0])
        for number, stub in enumerate(stubs, start=first):
            stub += [number, next_issued_id, series_id]
            next_issued_id += 1
            if kind == "circular":
                printed[stub[1]] = f"{code}/ว {number}"
            elif kind == "outgoing":
                printed[stub[1]] = f"{code}/{number}"
        last = first + len(stubs)
        if series is None:
            new_series.append((series_id, *key, "calendar", last, now))
        else:
            moved[series_id] = last
    return new_series, moved, printed


def _next_id_issued() -> int:
    from core.services.numbers import IssuedNumber

    return _next_id(IssuedNumber)


def _rows(plan: Plan, printed: dict, clerk_id: int):
    """The letter rows and the issued-number rows, in one pass over the numbered stubs."""
    letters, issued = [], []
    for (register_id, year), stubs in plan.lines.items():  # noqa: B007
        for (moment, letter_id, by_id, sender_ref, letter_date, from_text, to_text, subject, action, urgency, secrecy,
             doc_type, group_id, source_id, cancelled, number, issued_id, series_id) in stubs:
            if isinstance(sender_ref, tuple):  # a receipt line: ที่ is the number printed on the letter received
                sender_ref = printed.get(sender_ref[-1], "")
            cancelled_at = moment + dt.timedelta(hours=1) if cancelled else None
            reason = "ออกเลขซ้ำกับหนังสือฉบับก่อน" if cancelled else ""
            letters.append((letter_id, register_id, year, number, issued_id, moment, by_id, sender_ref, letter_date,
                            from_text, to_text, subject, action, "", urgency, secrecy, doc_type, group_id, None,
                            source_id, cancelled_at, clerk_id if cancelled else None, reason, 10, None, None))
            issued.append((issued_id, series_id, number, _local_date(moment), moment, by_id, subject[:200], cancelled_at,
                           clerk_id if cancelled else None, reason))
    letters.sort(key=lambda row: row[0])  # a receipt line comes after the letter it points at
    return letters, issued


def seed_correspondence(total: int, rng: random.Random, schools: int, staff: int) -> dict:
    """Seed the bench office (the demo, topped up), then the letters; returns counts and what to measure."""
    import time

    from core.calendar import local_today
    from core.db import db, utcnow
    from core.services.numbers import IssuedNumber, NumberSeries
    from plugins.correspondence.models import Delivery, Letter, SecretReader

    began = time.perf_counter()
    office_counts = seeding.seed_bench_office(schools=schools, office_staff=staff, rng=rng)
    office = Office(rng)
    today = local_today()
    days = _working_days(dt.date(today.year - 1, 1, 1), today)
    plan = Plan(_next_id(Letter), _next_id(Delivery))
    generator = Generator(office, plan, days, utcnow(), rng, scale=min(1.0, total / LETTERS))
    generator.run()
    generator.fill(total - db.session.scalar(select(func.count()).select_from(Letter)))
    planned = time.perf_counter()

    new_series, moved, printed = _number(plan, office)
    letters, issued = _rows(plan, printed, office.clerk_id)
    writer = Writer()
    writer.write("core_number_series", SERIES_COLUMNS, new_series)
    for series_id, next_number in moved.items():
        db.session.execute(text("UPDATE core_number_series SET next_number = :n WHERE id = :id"),
                           {"n": next_number, "id": series_id})
    writer.write("core_issued_number", ISSUED_COLUMNS, issued)
    del issued
    writer.write("correspondence_letter", LETTER_COLUMNS, letters)
    del letters
    writer.write("correspondence_delivery", DELIVERY_COLUMNS, plan.deliveries)
    writer.write("correspondence_secret_reader", READER_COLUMNS, plan.readers)
    writer.reset_sequences(("core_number_series", "core_issued_number", "correspondence_letter",
                            "correspondence_delivery", "correspondence_secret_reader"))
    db.session.commit()
    if writer.dialect == "postgresql":  # what autovacuum does after a load this size
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    written = time.perf_counter()

    counts = {
        **office_counts,
        "letters": db.session.scalar(select(func.count()).select_from(Letter)),
        "issued_numbers": db.session.scalar(select(func.count()).select_from(IssuedNumber)),
        "number_series": db.session.scalar(select(func.count()).select_from(NumberSeries)),
        "deliveries": db.session.scalar(select(func.count()).select_from(Delivery)),
        "received": db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.received_at.is_not(None))),
        "secret_readers": db.session.scalar(select(func.count()).select_from(SecretReader)),
        "planning_seconds": round(planned - began, 1), "writing_seconds": round(written - planned, 1),
    }
    return {"seeded": counts, "sent_to_all": generator.sent_to_all, "office": office}
