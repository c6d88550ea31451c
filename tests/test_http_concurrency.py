"""Issue 17, item 7: many people at once over real HTTP (threads against the live test server).

The services' own concurrency tests call them in threads; this smoke goes through
everything a browser meets on the way (sign-in, sessions, CSRF, the views, the
werkzeug server's threads), on whichever database the suite runs on (CI runs it
on PostgreSQL and MariaDB too).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from core.db import db
from core.testing import HttpBrowser

pytestmark = pytest.mark.khet_plugins("correspondence", "rooms")

PASSWORD = "correct-horse-9"
THREADS = 10


def at_once(browsers, work) -> list:
    """Run ``work(browser)`` for every browser in its own thread, released together; the answers' statuses."""
    start = threading.Barrier(len(browsers))
    statuses, errors = [], []

    def run(browser):
        try:
            start.wait()
            statuses.append(work(browser))
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return statuses


@pytest.fixture
def people(make_office, make_group, make_person, grant):
    make_office(letter_code="ศธ 04183")
    group = make_group(name="กลุ่มอำนวยการ")
    clerk = make_person(username="clerk", password=PASSWORD)
    grant("correspondence.register", to=clerk)
    bookers = [make_person(username=f"booker{n}", password=PASSWORD, group=group) for n in range(THREADS)]
    grant("rooms.book", to=group)
    return clerk, bookers


def test_concurrent_registrations_over_http_get_consecutive_numbers(app, people, live_server):
    from plugins.correspondence.models import Letter

    clerk, _ = people
    browsers = [HttpBrowser(live_server) for _ in range(THREADS)]
    for browser in browsers:
        browser.sign_in("clerk", PASSWORD)

    statuses = at_once(browsers, lambda browser: browser.post("/correspondence/new/incoming/office", {
        "subject": "ขอเชิญประชุม", "from_text": "สพฐ.", "urgency": "normal", "secrecy": "none",
        "doc_type": "external", "officer_id": 0, "group_id": 0})[0])

    assert statuses == [302] * THREADS
    db.session.commit()  # a fresh snapshot
    numbers = sorted(db.session.scalars(select(Letter.number)))
    assert numbers == list(range(1, THREADS + 1))


def test_concurrent_bookings_of_one_slot_over_http_give_it_to_exactly_one(app, people, live_server):
    from core.services.booking import CONFIRMED, Reservation
    from plugins.rooms import services
    from plugins.rooms.services import RoomFields
    from plugins.rooms.tests.helpers import next_weekday

    _, bookers = people
    manager = bookers[0]
    room = services.save_room(None, RoomFields(name="ห้องประชุมใหญ่", capacity=30), manager)
    db.session.commit()
    room_id, day = room.id, next_weekday(7)
    browsers = []
    for booker in bookers:
        browser = HttpBrowser(live_server)
        browser.sign_in(booker.username, PASSWORD)
        browsers.append(browser)

    statuses = at_once(browsers, lambda browser: browser.post("/rooms/book", {
        "room_id": room_id, "day": day.isoformat(), "start": "09:00", "end": "10:00", "title": "ประชุม",
        "attendees": 8, "on_conflict": "fail"})[0])

    db.session.commit()
    confirmed = db.session.scalars(select(Reservation).where(Reservation.status == CONFIRMED)).all()
    assert len(confirmed) == 1
    assert all(status < 500 for status in statuses), statuses
