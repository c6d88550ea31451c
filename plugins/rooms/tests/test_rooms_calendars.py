"""The day view's grid is worked out in the service; the page renders it in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from core.api import db
from plugins.rooms import services
from plugins.rooms.tests.helpers import NOW, at, next_weekday

pytestmark = pytest.mark.khet_plugins("rooms")

MONDAY = dt.date(2027, 3, 1)


def grid_of(schedule) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(room name, "HH:MM") -> (css class, titles written in the cell)."""
    return {
        (room.name, f"{row.slot.start:%H:%M}"): (cell.css, [entry.title for entry in cell.starting])
        for row in schedule.rows for room, cell in zip(schedule.rooms, row.cells)
    }


def test_the_day_grid_colours_each_half_hour_and_names_each_entry_once_where_it_starts(people, make_room, details):
    early = make_room(name="ห้องเช้า", opens_at=dt.time(7, 0), closes_at=dt.time(12, 0), needs_approval=True)
    late = make_room(name="ห้องบ่าย", opens_at=dt.time(9, 0), closes_at=dt.time(17, 0))
    services.request_booking(early, at(1, 7), at(1, 9), people.booker, details(title="เริ่มก่อนตาราง"), now=NOW)
    services.request_booking(early, at(1, 9), at(1, 9, 30), people.colleague, details(title="ซ้อนรออนุมัติ"), now=NOW)
    services.request_booking(early, at(1, 9, 15), at(1, 10), people.approver, details(title="ยืนยันแล้ว"), now=NOW)
    services.request_booking(late, at(1, 9), at(1, 10), people.booker, details(title="บ่ายยืนยัน"), now=NOW)
    services.block_room(late, at(1, 13), at(1, 14), "ซ่อมแอร์", people.manager, now=NOW)

    schedule = services.day_schedule(MONDAY, [late, early])
    grid = grid_of(schedule)

    assert [f"{row.slot.start:%H:%M}" for row in schedule.rows][:2] == ["07:00", "07:30"]
    assert grid[("ห้องเช้า", "07:00")] == ("rooms-pending", ["เริ่มก่อนตาราง"])
    assert grid[("ห้องเช้า", "08:30")] == ("rooms-pending", [])
    # 09:00-09:30 holds a pending request and the confirmed meeting from 09:15: confirmed colours it.
    assert grid[("ห้องเช้า", "09:00")] == ("rooms-confirmed", ["ซ้อนรออนุมัติ", "ยืนยันแล้ว"])
    assert grid[("ห้องเช้า", "09:30")] == ("rooms-confirmed", [])
    assert grid[("ห้องเช้า", "10:00")] == ("", [])
    assert grid[("ห้องเช้า", "12:00")] == ("rooms-closed", [])  # after it closes
    assert grid[("ห้องบ่าย", "07:00")] == ("rooms-closed", [])  # before it opens
    assert grid[("ห้องบ่าย", "09:00")] == ("rooms-confirmed", ["บ่ายยืนยัน"])
    assert grid[("ห้องบ่าย", "13:30")] == ("rooms-blocked", [])
    assert grid[("ห้องบ่าย", "13:00")] == ("rooms-blocked", ["ซ่อมแอร์"])
    titles = [title for _css, written in grid.values() for title in written]
    assert sorted(titles) == sorted(["เริ่มก่อนตาราง", "ยืนยันแล้ว", "ซ้อนรออนุมัติ", "บ่ายยืนยัน", "ซ่อมแอร์"])


def test_a_weekend_greys_out_every_room_that_does_not_open_on_days_off(people, make_room):
    shut, open_room = make_room(name="ห้องปิด"), make_room(name="ห้องเปิด", open_on_days_off=True)
    grid = grid_of(services.day_schedule(dt.date(2027, 3, 6), [shut, open_room]))  # a Saturday
    assert {css for (name, _time), (css, _titles) in grid.items() if name == "ห้องปิด"} == {"rooms-closed"}
    assert {css for (name, _time), (css, _titles) in grid.items() if name == "ห้องเปิด"} == {""}


class CountQueries:
    def __enter__(self):
        self.count, self.statements = 0, []

        def before(*_args):
            self.count += 1
            self.statements.append(_args[2])

        self._listener = before
        event.listen(db.engine, "before_cursor_execute", before)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._listener)


def test_the_day_view_runs_as_many_queries_for_many_rooms_and_bookings_as_for_one(people, make_room, details,
                                                                                     login_as):
    day = next_weekday(7)
    client = login_as(people.booker)

    def book(room, hour):
        start = services.at(day, dt.time(hour))
        services.request_booking(room, start, start + dt.timedelta(hours=1), people.manager,
                                 details(title=f"ประชุม {room.name} {hour}"))

    first = make_room(name="ห้อง 1")
    book(first, 9)
    client.get(f"/rooms/?day={day.isoformat()}")  # warm: the first request loads settings and such
    with CountQueries() as one_room:
        page = client.get(f"/rooms/?day={day.isoformat()}")
    assert page.status_code == 200

    for number in range(2, 7):
        room = make_room(name=f"ห้อง {number}")
        for hour in (9, 11, 13, 15):
            book(room, hour)
    client.get(f"/rooms/?day={day.isoformat()}")  # warm again after the writes: the same cached state as before
    with CountQueries() as six_rooms:
        page = client.get(f"/rooms/?day={day.isoformat()}")
    text = page.get_data(as_text=True)
    assert text.count("data-booking=") == 21 and "ประชุม ห้อง 6 15" in text
    assert six_rooms.count == one_room.count, "\n".join(six_rooms.statements)
