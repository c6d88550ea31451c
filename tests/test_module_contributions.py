"""A disabled module contributes nothing — proven over every real module, not only the contract plugin.

For each installed first-party module (and the example visitors module) the
test first shows what it contributes while enabled (so the test can fail),
then switches it off and shows that none of it is left: menu items, cards,
search, approval kinds, notification events, scheduled jobs, link targets,
away entries, and its pages answer 404.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core import calendar
from core.plugins import registry
from core.services import approvals, away, jobs, links, notifications

REAL_MODULES = ["notices", "rooms", "correspondence", "visitors"]


def contributions(plugin_id: str, admin) -> dict[str, set]:
    """What the enabled modules hand to core, as core collects it, narrowed to what ``plugin_id`` owns."""
    reg = registry()
    reg.forget_cached_state()
    today = calendar.local_today()
    owned = f"{plugin_id}."
    return {
        "menu": {item.endpoint for item in reg.collect("menu_items", user=admin) if item.endpoint.startswith(owned)},
        "cards": {card.template for card in reg.collect("dashboard_cards", user=admin)
                  if card.template.startswith(f"{plugin_id}/")},
        "search": {pid for pid, _found in reg.call_each("search", user=admin, query="ทดสอบ", limit=5) if pid == plugin_id},
        "approval kinds": {key for key in approvals.kinds() if key[0] == plugin_id},
        "events": {event.id for event in notifications.registered_events() if event.id.startswith(owned)},
        "jobs": {job_id for job_id in jobs.scheduled_jobs() if job_id.startswith(owned)},
        "link targets": {kind for kind in links.targets() if kind.startswith(owned)},
        "away": {entry.module for entry in away.entries(today, today + dt.timedelta(days=6), admin)
                 if entry.module == plugin_id},
    }


@pytest.mark.parametrize("plugin_id", REAL_MODULES)
def test_a_disabled_real_module_contributes_nothing(app, make_person, plugin_id):
    reg = registry()
    assert plugin_id in reg.module_ids, f"{plugin_id} is not installed in the test environment"
    admin = make_person(first_name="ผู้ดูแล", admin=True)

    before = contributions(plugin_id, admin)
    assert before["menu"], f"{plugin_id} adds no menu item while enabled: the test would prove nothing"
    # What each module declares through its hooks, asked of it alone: the collected view must show all of it.
    declared = {
        "approval kinds": {(kind.module, kind.kind) for kind in reg.call_one(plugin_id, "approval_kinds") or []},
        "events": {event.id for event in reg.call_one(plugin_id, "notification_events") or []},
        "jobs": {job.id for job in reg.call_one(plugin_id, "scheduled_jobs") or []},
        "link targets": {target.kind for target in reg.call_one(plugin_id, "link_targets") or []},
    }
    for name, expected in declared.items():
        assert before[name] == expected, f"{plugin_id}: {name} collected while enabled differ from what it declares"
    with app.test_request_context():
        from flask import url_for

        page = url_for(sorted(before["menu"])[0])

    reg.set_enabled(plugin_id, False)
    after = contributions(plugin_id, admin)
    assert after == {name: set() for name in after}, f"the disabled {plugin_id} still contributes: {after}"

    client = app.test_client()
    with client.session_transaction() as stored:
        stored["_user_id"] = admin.get_id()
        stored["_fresh"] = True
    assert client.get(page).status_code == 404


def test_the_real_modules_declare_what_they_used_to_register_on_import(app):
    """The registries filled by importing a services file are gone: the same kinds and events come from hooks."""
    reg = registry()
    assert {(kind.module, kind.kind) for kind in reg.call_one("rooms", "approval_kinds")} == {
        ("rooms", "booking"), ("rooms", "series")}
    assert {event.id for event in reg.call_one("rooms", "notification_events")} == {
        "rooms.booking_cancelled", "rooms.slot_freed", "rooms.reminder", "rooms.request_closed"}
    assert len(reg.call_one("correspondence", "notification_events")) == 7
    assert [target.kind for target in reg.call_one("correspondence", "link_targets")] == ["correspondence.letter"]
    assert {event.id for event in reg.call_one("core", "notification_events")} == {"approvals.waiting", "approvals.decided"}


@pytest.mark.khet_plugins("notices")
def test_with_only_notices_enabled_the_preferences_page_lists_no_rooms_or_correspondence_events(
        client, login_as, make_person):
    page = login_as(make_person(first_name="ครู")).get("/notifications/preferences").get_data(as_text=True)
    assert 'value="approvals.waiting|inbox"' in page  # core's events are there
    assert 'value="rooms.' not in page and 'value="correspondence.' not in page


# --- links between modules: a room booking's letter ------------------------------------------


@pytest.mark.khet_plugins("rooms", "correspondence")
def test_a_booking_shows_its_letter_through_core_links_and_nothing_when_correspondence_is_off(
        app, login_as, make_office, make_person, grant):
    from sqlalchemy import select

    from core.db import db
    from plugins.correspondence.services import LetterFields, register_for, register_letter
    from plugins.rooms import services as rooms
    from plugins.rooms.models import Booking
    from plugins.rooms.services import RoomFields
    from plugins.rooms.tests.helpers import next_weekday

    make_office()
    clerk = make_person(first_name="ธุรการ", admin=True)
    outsider = make_person(first_name="คนนอก")
    grant("rooms.book", to=outsider)
    room = rooms.save_room(None, RoomFields(name="ห้องประชุมใหญ่", capacity=20), clerk)
    letter = register_letter(register_for("incoming"), LetterFields(subject="เชิญประชุมคณะทำงาน"), clerk)
    db.session.commit()
    day = next_weekday(7)
    form = {"room_id": room.id, "day": day.isoformat(), "start": "09:00", "end": "10:00", "title": "ประชุม",
            "attendees": 8, "on_conflict": "fail", "letter_id": letter.id}

    # Someone who may not read the letter cannot hang the meeting on it: told on the field, nothing saved.
    refused = login_as(outsider).post("/rooms/book", data=form)
    assert refused.status_code == 200 and "ไม่มีหนังสือเลขนี้ที่ท่านมีสิทธิ์อ่าน" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Booking.id)) is None

    # The picker asks core, which asks the owning module: the clerk finds the letter, the outsider nothing.
    assert 'data-link-picker="/links/correspondence.letter"' in login_as(outsider).get("/rooms/book").get_data(as_text=True)
    assert login_as(outsider).get("/links/correspondence.letter?q=เชิญประชุม").get_json() == {"results": []}
    client = login_as(clerk)
    [found] = client.get("/links/correspondence.letter?q=เชิญประชุม").get_json()["results"]
    assert found["id"] == str(letter.id) and "เชิญประชุมคณะทำงาน" in found["title"]
    assert client.post("/rooms/book", data=form).status_code == 302
    booking = db.session.scalar(select(Booking))
    assert booking.letter_id == letter.id
    page = client.get(f"/rooms/bookings/{booking.id}").get_data(as_text=True)
    assert "data-letter-link" in page and "เชิญประชุมคณะทำงาน" in page and f"/correspondence/letters/{letter.id}" in page

    registry().set_enabled("correspondence", False)
    page = client.get(f"/rooms/bookings/{booking.id}")
    assert page.status_code == 200 and "data-letter-link" not in page.get_data(as_text=True)
    assert 'name="letter_id"' not in client.get("/rooms/book").get_data(as_text=True)
    assert client.get("/links/correspondence.letter?q=เชิญประชุม").status_code == 404


# --- who is away: core narrows by place ------------------------------------------------------


def test_who_is_away_shows_a_school_its_own_people_and_the_office_everyone(app, make_person, make_school, make_group,
                                                                          login_as):
    from core.plugin_api import AwayEntry
    from core.testing import installed_module

    school_a, school_b = make_school(name="โรงเรียนบ้านนา"), make_school(name="โรงเรียนบ้านดอน")
    teacher_a = make_person(first_name="ครูนา", school=school_a, school_role="teacher")
    teacher_b = make_person(first_name="ครูดอน", school=school_b, school_role="teacher")
    officer = make_person(first_name="นักวิชาการ", group=make_group())
    viewer = make_person(first_name="ผู้ดู", school=school_a, school_role="teacher")

    def away_entries(start, end, viewer):
        return [AwayEntry(person, start, end, "ลาป่วย", module="leavetest") for person in (teacher_a, teacher_b, officer)]

    with installed_module(app, "leavetest", away_entries=away_entries):
        school_page = login_as(viewer).get("/away/").get_data(as_text=True)
        assert "ครูนา" in school_page and "ครูดอน" not in school_page and "นักวิชาการ" not in school_page
        office_page = login_as(officer).get("/away/?span=week").get_data(as_text=True)
        assert all(name in office_page for name in ("ครูนา", "ครูดอน", "นักวิชาการ"))


@pytest.mark.browser
@pytest.mark.khet_plugins("rooms", "correspondence")
def test_the_letter_picker_finds_a_letter_and_fills_the_field(chromium, live_server, screenshots, make_office, make_person):
    from core import security
    from core.db import db
    from core.testing import BrowserSession
    from plugins.correspondence.services import LetterFields, printed_number, register_for, register_letter

    make_office()
    clerk = make_person(first_name="ธุรการ", admin=True)
    clerk.password_hash = security.hash_password("ห้องประชุม-2569-ทดสอบ")
    letter = register_letter(register_for("incoming"), LetterFields(subject="เชิญประชุมคณะทำงาน"), clerk)
    db.session.commit()
    title = f"{printed_number(letter)} {letter.subject}"

    browser = BrowserSession(chromium, live_server, screenshots, "letter-picker")
    try:
        browser.sign_in(clerk.username, "ห้องประชุม-2569-ทดสอบ")
        browser.page.goto("/rooms/book")
        browser.page.fill("[data-link-query]", "เชิญประชุม")
        browser.page.locator('[data-link-picker] datalist option').first.wait_for(state="attached")
        browser.page.fill("[data-link-query]", title)  # what choosing the suggestion puts in the box
        assert browser.page.input_value("#letter_id") == str(letter.id)
        assert not browser.problems, "\n".join(browser.problems)
    finally:
        browser.close()


@pytest.mark.khet_plugins("rooms")
def test_the_rooms_reminder_job_reminds_in_the_afternoon_only(app):
    """The job runs hourly; like the old 15:00 cron line, it reminds of tomorrow's meetings from 15:00 Bangkok time."""
    job = next(j for j in registry().call_one("rooms", "scheduled_jobs") if j.id == "rooms.remind")
    assert job.run(dt.datetime(2026, 12, 4, 2, 0)) == "nothing before 15:00"  # 09:00 in Bangkok
    assert job.run(dt.datetime(2026, 12, 4, 8, 0)) == "reminded 0 booking(s)"  # 15:00 in Bangkok
