"""The rooms forms use core's shared inputs: a BE date is accepted and shown back, a person outside a field's scope
(the office's staff for a room's approver and its allowed people) is refused and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.api import db, format_thai_date
from plugins.rooms.models import Room
from plugins.rooms.tests.helpers import next_weekday

pytestmark = pytest.mark.khet_plugins("rooms")

ROOM = {"name": "ห้องประชุมใหม่", "capacity": 20, "opens_at": "08:00", "closes_at": "17:00", "active": "y",
        "needs_approval": "y"}


def test_a_school_teacher_cannot_be_made_a_rooms_approver_or_allowed_booker(people, login_as, make_person, make_school):
    teacher = make_person(first_name="ครูโรงเรียน", school=make_school())
    manager = login_as(people.manager)
    for field, value in (("approver_id", teacher.id), ("allowed_people", [people.booker.id, teacher.id])):
        data = {**ROOM, "approver_id": people.approver.id, field: value}
        page = manager.post("/rooms/manage/new", data=data)
        assert page.status_code == 200
        assert "may not be chosen for this field" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Room)) == 0

    saved = manager.post("/rooms/manage/new", data={**ROOM, "approver_id": people.approver.id,
                                                    "restricted": "y", "allowed_people": [people.booker.id]})
    assert saved.status_code == 302
    room = db.session.scalar(select(Room))
    assert (room.approver_id, [p.id for p in room.allowed_people]) == (people.approver.id, [people.booker.id])
    edit = manager.get(f"/rooms/manage/{room.id}").get_data(as_text=True)
    assert edit.count("<option") >= 2 and people.booker.full_name in edit  # the chosen, not all the staff


def test_a_booking_takes_a_be_date_and_a_bad_one_is_refused_saying_the_format(people, make_room, login_as):
    room = make_room(name="ห้องเล็ก", needs_approval=False)
    day = next_weekday(7)
    client = login_as(people.booker)
    data = {"room_id": room.id, "start": "09:00", "end": "10:00", "title": "ประชุมกลุ่ม", "attendees": 5}
    refused = client.post("/rooms/book", data={**data, "day": "12/31/2026"}).get_data(as_text=True)
    assert "Write the date as day/month/Buddhist Era year" in refused and 'value="12/31/2026"' in refused
    booked = client.post("/rooms/book", data={**data, "day": format_thai_date(day)})
    assert booked.status_code == 302, booked.get_data(as_text=True)[:2000]
    assert f"{day.day}" in client.get(booked.headers["Location"]).get_data(as_text=True)


@pytest.mark.browser
def test_a_manager_on_a_phone_picks_a_rooms_approver_by_typing(chromium, people, live_server, screenshots):
    from core.testing import BrowserSession, set_password

    set_password(people.manager, "ห้องประชุม-2569-ทดสอบ")
    db.session.commit()
    session = BrowserSession(chromium, live_server, screenshots, "rooms-approver-picker", phone=True)
    try:
        session.sign_in(people.manager.username, "ห้องประชุม-2569-ทดสอบ")
        page = session.page
        page.goto("/rooms/manage/new")
        page.locator("#name").fill("ห้องประชุมเล็ก")
        page.locator("#needs_approval").check()
        page.locator(".ts-wrapper:has(#approver_id-ts-control) .ts-control").click()  # where a finger lands
        page.keyboard.type(people.approver.first_name[:3], delay=30)
        page.locator("#approver_id-ts-dropdown .option", has_text=people.approver.full_name).click()
        assert page.locator("#approver_id").input_value() == str(people.approver.id)
        session.fits_the_screen()
        session.shot("picked")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        assert not session.problems, "\n".join(session.problems)
    finally:
        session.close()
    db.session.commit()
    room = db.session.scalar(select(Room))
    assert (room.name, room.approver_id) == ("ห้องประชุมเล็ก", people.approver.id)
