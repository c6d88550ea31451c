"""Meeting rooms at the size of a busy office: 50 rooms, 100,000 bookings; p95 of the pages people use most.

Run from the repository root:

    .venv/bin/python -m bench.rooms                       # SQLite and PostgreSQL
    .venv/bin/python -m bench.rooms --database sqlite --requests 50

For each database the bench migrates a throwaway database, seeds the demo
office (bench/seeding.py), tops the rooms up to 50 and the bookings up to
100,000, then times requests through Flask's test client in this process
(no HTTP server: the figures are the app's and the database's work for one
request, template rendering included):

- day view: GET /rooms/?day=<the busiest day>, all rooms as columns, signed in as ``admin``;
- month view: GET /rooms/room/<id>/month of the room busiest that month, as ``admin``;
- free-room search: GET /rooms/find for two hours of that day, at least 20 seats, as ``admin``;
- confirming: POST /rooms/bookings/<id>/decide ``decision=approve`` (CSRF and all) by the rooms'
  approver, each on another pending request made beforehand through ``services.request_booking``
  (so each has its approval request) in a free gap of a busy room; the bench then checks that every
  one is confirmed in the database.

The bulk bookings are written with SQLAlchemy Core in batches: spread over the
working days of about two years around today (18 months back, 6 ahead),
between 08:30 and 16:30 Bangkok time, never overlapping within a room;
past ones confirmed or (some) cancelled, future ones mostly confirmed, some
pending, some cancelled. Those pending rows have no approval request (only
the timed ones do). Target for every measure: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, insert, select

from bench import harness, seeding

ROOMS = 50
BOOKINGS = 100_000
REQUESTS = 200
TARGET_MS = 50
PAST_DAYS, FUTURE_DAYS = 540, 180
DAY_OPENS = dt.time(8, 30)  # Bangkok; the bulk bookings fall between these two
HALF_HOURS = 16  # 08:30-16:30
MOST_PER_ROOM_DAY = 8
BATCH = 5000
VIEWER, APPROVER, BOOKER = "admin", "admin_head", "admin2"  # admin2 manages rooms: not held to booking limits
WARM_UP = 5
SEARCH = {"start": "10:00", "end": "12:00", "capacity": "20"}


# --- seeding ----------------------------------------------------------------------------


def _person_ids(*usernames) -> dict[str, int]:
    from core.db import db
    from core.models import Person

    found = dict(db.session.execute(select(Person.username, Person.id).where(Person.username.in_(usernames))).all())
    missing = set(usernames) - set(found)
    if missing:
        raise harness.BenchError(f"the demo office lacks {sorted(missing)}")
    return found


def _top_up_rooms(total: int, approver_id: int, rng: random.Random) -> None:
    """Add rooms until there are ``total``; every third needs the approver's say, as large halls do."""
    from core.db import db
    from plugins.rooms.models import Room, RoomEquipment
    from plugins.rooms.services import EQUIPMENT

    have = db.session.scalar(select(func.count()).select_from(Room))
    for number in range(have + 1, total + 1):
        needs_approval = number % 3 == 0
        room = Room(
            name=f"ห้องประชุม {number}", building=rng.choice(("อาคารสำนักงาน", "อาคาร ICT", "อาคารศูนย์การเรียนรู้")),
            floor=f"ชั้น {rng.randint(1, 4)}", capacity=rng.choice((8, 10, 12, 20, 30, 40, 60, 100)),
            needs_approval=needs_approval, approver_id=approver_id if needs_approval else None, sort_order=number,
            equipment_rows=[RoomEquipment(code=code) for code in rng.sample(sorted(EQUIPMENT), rng.randint(0, 3))],
        )
        db.session.add(room)
    db.session.flush()


def _resource_ids(room_ids: list[int]) -> dict[int, int]:
    """The booking guard's resource row of every room (created where missing), by room id."""
    from core.db import db
    from core.services.booking import BookingResource
    from plugins.rooms.models import RESOURCE_KIND

    def known():
        return dict(db.session.execute(select(BookingResource.external_id, BookingResource.id)
                                       .where(BookingResource.kind == RESOURCE_KIND)).all())

    missing = [room_id for room_id in room_ids if room_id not in known()]
    if missing:
        db.session.execute(insert(BookingResource), [{"kind": RESOURCE_KIND, "external_id": room_id} for room_id in missing])
    return known()


def _taken_room_days() -> set[tuple[int, dt.date]]:
    """(room, Bangkok date) of every day a reservation already there (the demo's) touches: the bulk rows keep off
    those days. Every day, not only the first: a demo closure may run over several."""
    from core.db import db
    from core.services.booking import BookingResource, Reservation
    from plugins.rooms import services
    from plugins.rooms.models import RESOURCE_KIND

    rows = db.session.execute(
        select(BookingResource.external_id, Reservation.starts_at, Reservation.ends_at)
        .join(BookingResource, Reservation.resource_id == BookingResource.id).where(BookingResource.kind == RESOURCE_KIND)
    ).all()
    taken = set()
    for room_id, starts_at, ends_at in rows:
        day, last = services.local(starts_at).date(), services.local(ends_at - dt.timedelta(microseconds=1)).date()
        while day <= last:
            taken.add((room_id, day))
            day += dt.timedelta(days=1)
    return taken


def _working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    from core.services.holidays import DaysOff

    days_off = DaysOff().cover(first, last)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            if days_off.is_working_day(first + dt.timedelta(days=n))]


def _lay_out(count: int, rng: random.Random) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """``count`` meetings in one room-day: (first half hour, half hours) each, non-overlapping; and the gaps left."""
    lengths = [rng.choice((1, 2, 2, 3, 4)) for _ in range(count)]
    while sum(lengths) > HALF_HOURS:
        lengths[lengths.index(max(lengths))] -= 1
    spare = HALF_HOURS - sum(lengths)
    cuts = sorted(rng.randint(0, spare) for _ in range(count))
    gaps_before = [b - a for a, b in zip([0] + cuts, cuts + [spare])]  # count + 1 gaps adding up to spare
    meetings, gaps, cursor = [], [], 0
    for gap, length in zip(gaps_before, lengths + [0]):
        if gap:
            gaps.append((cursor, gap))
        cursor += gap
        if length:
            meetings.append((cursor, length))
            cursor += length
    return meetings, gaps


def _bulk_insert(table, rows: list[dict], returning=None) -> list[int]:
    from core.db import db

    ids = []
    for begin in range(0, len(rows), BATCH):
        batch = rows[begin:begin + BATCH]
        if returning is None:
            db.session.execute(insert(table), batch)
        else:
            ids += db.session.scalars(insert(table).returning(returning, sort_by_parameter_order=True), batch).all()
    return ids


def _spread(count: int, room_days: list[tuple[int, dt.date]], rng: random.Random) -> Counter:
    """How many meetings each (room, day) gets: each meeting to a random room-day, at most 8 a day."""
    if count > len(room_days) * MOST_PER_ROOM_DAY:
        raise harness.BenchError(f"{count} bookings do not fit {len(room_days)} room-days")
    per_room_day: Counter = Counter()
    placed = 0
    while placed < count:
        pick = room_days[rng.randrange(len(room_days))]
        if per_room_day[pick] < MOST_PER_ROOM_DAY:
            per_room_day[pick] += 1
            placed += 1
    return per_room_day


def _status(day: dt.date, today: dt.date, rng: random.Random) -> str:
    """Past meetings took place or were cancelled; some future ones still wait for approval."""
    from core.services.booking import CANCELLED, CONFIRMED, PENDING

    roll = rng.random()
    if roll < 0.06:
        return CANCELLED
    return PENDING if day >= today and roll < 0.20 else CONFIRMED


def _write_bookings(per_room_day: Counter, rooms_by_id: dict, resource_of: dict[int, int], bookers: list,
                    today: dt.date, rng: random.Random) -> list:
    """Insert the planned meetings (reservation, then booking rows) in batches; return the free gaps of rooms
    needing approval in the coming weeks, as (room, day, first free half hour)."""
    from core.services.booking import CANCELLED, CONFIRMED, PENDING, Reservation
    from plugins.rooms import services
    from plugins.rooms.demo import MEETINGS
    from plugins.rooms.models import Booking

    reservations, details, gaps = [], [], []
    for (room_id, day), count in sorted(per_room_day.items(), key=lambda item: (item[0][1], item[0][0])):
        room = rooms_by_id[room_id]
        meetings, free = _lay_out(count, rng)
        opens = services.at(day, DAY_OPENS)
        for first, length in meetings:
            start = services.utc(opens + dt.timedelta(minutes=30 * first))
            status = _status(day, today, rng)
            holder_id, group_id = bookers[rng.randrange(len(bookers))]
            title = rng.choice(MEETINGS)
            made = start - dt.timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
            changed = {CONFIRMED: made, CANCELLED: made + dt.timedelta(hours=2)}.get(status)
            reservations.append({
                "resource_id": resource_of[room_id], "starts_at": start, "ends_at": start + dt.timedelta(minutes=30 * length),
                "status": status, "title": title, "holder_id": holder_id, "created_at": made, "status_changed_at": changed,
                "status_changed_by_id": holder_id if status != PENDING else None,
                "status_reason": "เลื่อนการประชุม" if status == CANCELLED else "",
            })
            details.append({
                "room_id": room_id, "title": title, "purpose": "ตามหนังสือสั่งการ",
                "chair": rng.choice(("ผอ.สพป.", "รอง ผอ.สพป.", "ผอ.กลุ่ม")), "attendees": rng.randint(3, room.capacity),
                "equipment": [], "refreshments": "", "booked_by_id": holder_id, "group_id": group_id, "created_at": made,
            })
        if room.needs_approval and today + dt.timedelta(days=2) <= day <= today + dt.timedelta(days=80):
            gaps += [(room, day, first) for first, _length in free]
    reservation_ids = _bulk_insert(Reservation, reservations, returning=Reservation.id)
    for row, reservation_id in zip(details, reservation_ids):
        row["reservation_id"] = reservation_id
    _bulk_insert(Booking, details)
    return gaps


def seed_rooms(rooms: int, bookings: int, requests: int, rng: random.Random, schools: int, staff: int) -> dict:
    """Seed the bench office, top rooms and bookings up to the totals; returns counts and what to measure."""
    from core.calendar import local_today
    from core.db import db
    from core.models import GroupMembership, Person
    from core.services.booking import Reservation
    from plugins.rooms.models import Booking, Room

    office = seeding.seed_bench_office(schools=schools, office_staff=staff, rng=rng)
    people = _person_ids(VIEWER, APPROVER, BOOKER)
    _top_up_rooms(rooms, people[APPROVER], rng)
    all_rooms = db.session.scalars(select(Room).order_by(Room.id)).all()
    if len(all_rooms) != rooms:
        raise harness.BenchError(f"the demo already has {len(all_rooms)} rooms, more than the {rooms} asked for")
    resource_of = _resource_ids([room.id for room in all_rooms])
    bookers = db.session.execute(
        select(Person.id, func.min(GroupMembership.group_id)).join(GroupMembership, GroupMembership.person_id == Person.id)
        .group_by(Person.id).order_by(Person.id)
    ).all()

    today = local_today()
    days = _working_days(today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS))
    taken = _taken_room_days()
    room_days = [(room.id, day) for room in all_rooms for day in days if (room.id, day) not in taken]
    to_add = bookings - db.session.scalar(select(func.count()).select_from(Booking))
    per_room_day = _spread(to_add, room_days, rng)
    gaps = _write_bookings(per_room_day, {room.id: room for room in all_rooms}, resource_of, bookers, today, rng)
    db.session.commit()

    statuses = dict(db.session.execute(
        select(Reservation.status, func.count()).join(Booking, Booking.reservation_id == Reservation.id)
        .group_by(Reservation.status)
    ).all())
    seeded = {**office, "rooms": db.session.scalar(select(func.count()).select_from(Room)),
              "bookings": db.session.scalar(select(func.count()).select_from(Booking)),
              "bookings_by_status": dict(sorted(statuses.items())),
              "reservations": db.session.scalar(select(func.count()).select_from(Reservation))}

    busy_day, month_room = _busiest(per_room_day, today, all_rooms[0].id)
    pending_ids = _requests_to_confirm(gaps, requests + WARM_UP, people, rng)
    return {"seeded": seeded, "busy_day": busy_day, "month_room_id": month_room, "pending_booking_ids": pending_ids,
            "people": people}


def _busiest(per_room_day: Counter, today: dt.date, first_room_id: int) -> tuple[dt.date, int]:
    """The day with the most bulk meetings, and the room with the most of them in that day's month."""
    by_day: Counter = Counter()
    for (_room_id, day), count in per_room_day.items():
        by_day[day] += count
    if not by_day:
        return today, first_room_id
    busy_day = by_day.most_common(1)[0][0]
    by_room: Counter = Counter()
    for (room_id, day), count in per_room_day.items():
        if (day.year, day.month) == (busy_day.year, busy_day.month):
            by_room[room_id] += count
    return busy_day, by_room.most_common(1)[0][0]


def _requests_to_confirm(gaps: list, count: int, people: dict[str, int], rng: random.Random) -> list[int]:
    """Half-hour requests in free gaps of rooms needing approval, made the way the booking page makes them."""
    from core.db import db
    from core.models import Person
    from plugins.rooms import services
    from plugins.rooms.services import BookingDetails

    if len(gaps) < count:
        raise harness.BenchError(f"only {len(gaps)} free gaps in rooms needing approval for {count} requests")
    booker = db.session.get(Person, people[BOOKER])
    made = []
    for room, day, first in rng.sample(gaps, count):
        start = services.at(day, DAY_OPENS) + dt.timedelta(minutes=30 * first)
        record = services.request_booking(room, start, start + dt.timedelta(minutes=30), booker,
                                          BookingDetails(title="ขอใช้ห้องประชุม", attendees=min(5, room.capacity)))
        if record.status != "pending":
            raise harness.BenchError(f"a request for {room.name} was confirmed at once, not sent for approval")
        made.append(record.id)
    return made


# --- measuring --------------------------------------------------------------------------


def measure(app, plan: dict, requests: int) -> list[dict]:
    from core.db import db
    from plugins.rooms.models import Booking

    viewer = harness.signed_in_client(app, plan["people"][VIEWER])
    approver = harness.signed_in_client(app, plan["people"][APPROVER])
    day = plan["busy_day"].isoformat()
    gets = {
        "day view, all rooms": f"/rooms/?day={day}",
        "month view, one room": f"/rooms/room/{plan['month_room_id']}/month?month={day[:7]}",
        "free-room search, 2 h, 20+ seats": f"/rooms/find?day={day}&start={SEARCH['start']}&end={SEARCH['end']}"
                                            f"&capacity={SEARCH['capacity']}",
    }
    results = []
    for name, path in gets.items():
        harness.timed([lambda path=path: viewer.get(path)] * WARM_UP, 200)
        results.append({"measure": name, "path": path, **harness.timed([lambda path=path: viewer.get(path)] * requests, 200)})

    warm, timed = plan["pending_booking_ids"][:WARM_UP], plan["pending_booking_ids"][WARM_UP:WARM_UP + requests]

    def decide(booking_id):
        return lambda: approver.post(f"/rooms/bookings/{booking_id}/decide", data={"decision": "approve"})

    harness.timed([decide(booking_id) for booking_id in warm], 302)
    timings = harness.timed([decide(booking_id) for booking_id in timed], 302)
    with app.app_context():
        confirmed = sum(1 for record in db.session.scalars(select(Booking).where(Booking.id.in_(warm + timed))).unique()
                        if record.status == "confirmed")
        db.session.remove()
    if confirmed != len(warm + timed):
        raise harness.BenchError(f"{confirmed} of {len(warm + timed)} approved requests are confirmed")
    results.append({"measure": "confirming a request (approve)", "path": "/rooms/bookings/<id>/decide", **timings})
    return results


# --- one database -----------------------------------------------------------------------


def bench_database(target: str, options: argparse.Namespace, scratch: Path) -> dict:
    label = harness.database_label(target)
    instance = scratch / label
    instance.mkdir(parents=True, exist_ok=True)
    with harness.throwaway_database(target, instance) as database_url:
        app = harness.migrated_app(database_url, instance)
        try:
            print(f"[{label}] seeding {options.rooms} rooms, {options.bookings} bookings ...", file=sys.stderr)
            began = time.perf_counter()
            with app.app_context():
                plan = seed_rooms(options.rooms, options.bookings, options.requests, random.Random(2569),
                                  options.schools, options.staff)
                from core.db import db

                db.session.remove()
            seconds = round(time.perf_counter() - began, 1)
            print(f"[{label}] seeded in {seconds} s: {plan['seeded']}", file=sys.stderr)
            runs = measure(app, plan, options.requests)
            for run in runs:
                print(f"[{label}] {run['measure']:<34} p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
                      f"CPU {run['cpu_ms_per_request']} ms/request", file=sys.stderr)
        finally:
            harness.dispose(app)
    return {"database": label, "seeded": plan["seeded"], "seeding_seconds": seconds,
            "busy_day": plan["busy_day"].isoformat(), "month_room_id": plan["month_room_id"], "runs": runs}


def report(results: list[dict]) -> str:
    table = harness.markdown_table(
        ["database", "measure", "requests", "p50 ms", "p95 ms", "max ms", "bench CPU ms/req", f"p95 < {TARGET_MS} ms"],
        [[d["database"], r["measure"], r["requests"], r["p50_ms"], r["p95_ms"], r["max_ms"], r["cpu_ms_per_request"],
          "yes" if r["p95_ms"] < TARGET_MS else "**no**"] for d in results for r in d["runs"]],
    )
    seeded = harness.markdown_table(
        ["database", "rooms", "bookings", "by status", "seeding s", "busy day"],
        [[d["database"], d["seeded"]["rooms"], d["seeded"]["bookings"],
          ", ".join(f"{k} {v}" for k, v in d["seeded"]["bookings_by_status"].items()), d["seeding_seconds"], d["busy_day"]]
         for d in results],
    )
    return f"{table}\n\nSeeded (before the timed requests):\n\n{seeded}\n"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms", description=__doc__.split("\n")[0])
    parser.add_argument("--database", action="append", dest="databases", metavar="sqlite|postgresql|URL",
                        help="repeatable; default: sqlite and postgresql (" + harness.DEFAULT_POSTGRES_URL + ")")
    parser.add_argument("--rooms", type=int, default=ROOMS, help=f"rooms in all (default {ROOMS})")
    parser.add_argument("--bookings", type=int, default=BOOKINGS, help=f"bookings in all (default {BOOKINGS})")
    parser.add_argument("--requests", type=int, default=REQUESTS, help=f"timed requests per measure (default {REQUESTS})")
    parser.add_argument("--schools", type=int, default=seeding.SCHOOLS)
    parser.add_argument("--staff", type=int, default=seeding.OFFICE_STAFF)
    parser.add_argument("--results-dir", type=Path, default=harness.RESULTS_FOLDER)
    options = parser.parse_args(argv)
    options.databases = harness.database_targets(options.databases or ["sqlite", "postgresql"])
    return options


def run(options: argparse.Namespace) -> tuple[dict, Path]:
    with tempfile.TemporaryDirectory(prefix="khet-bench-rooms-") as scratch:
        results = [bench_database(target, options, Path(scratch)) for target in options.databases]
    data = {"bench": "rooms", "machine": harness.machine(), "client": "Flask test client, in process",
            "target_p95_ms": TARGET_MS, "results": results}
    return data, harness.save_results("rooms", data, options.results_dir)


def main(argv=None) -> int:
    return harness.run_bench(parse_args, run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
