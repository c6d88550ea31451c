"""Booking a room and approving it in a real browser (system Chromium through Playwright), on a phone's screen.

The browser (``chromium``) and the app served over HTTP (``live_server``) are the
fixtures of Khet's pytest plugin. Screenshots go to $KHET_SCREENSHOTS when set.
"""

from __future__ import annotations


import pytest
from sqlalchemy import select

from core.api import BOOKING_CONFIRMED as CONFIRMED, BOOKING_PENDING as PENDING, db
from core.testing import BrowserSession, set_password
from plugins.rooms.models import Booking
from plugins.rooms.tests.helpers import next_weekday

pytestmark = [pytest.mark.browser, pytest.mark.khet_plugins("rooms")]

PASSWORD = "ห้องประชุม-2569-ทดสอบ"


def status_of(booking_id: int) -> str:
    db.session.commit()  # a fresh snapshot: the server wrote it
    return db.session.get(Booking, booking_id).status


def test_a_booker_books_a_room_on_a_phone_and_its_approver_approves_it(chromium, people, make_room, live_server, screenshots):
    for person in (people.booker, people.approver):
        set_password(person, PASSWORD)
    room = make_room(name="ห้องประชุมใหญ่ ชั้น 3", capacity=40, needs_approval=True, equipment=["projector"])
    db.session.commit()
    day = next_weekday(7)

    booker = BrowserSession(chromium, live_server, screenshots, "rooms-booker", phone=True)
    approver = BrowserSession(chromium, live_server, screenshots, "rooms-approver", phone=True)
    try:
        booker.sign_in(people.booker.username, PASSWORD)
        booker.page.goto("/rooms/book")
        booker.fits_the_screen()
        booker.page.select_option("#room_id", str(room.id))
        booker.page.fill("#day", day.isoformat())
        booker.page.fill("#start", "13:00")
        booker.page.fill("#end", "14:30")
        booker.page.fill("#title", "ประชุมคณะกรรมการประเมินผลการปฏิบัติงาน")
        booker.page.fill("#attendees", "25")
        booker.shot("form")
        with booker.page.expect_navigation():
            booker.page.locator("[data-booking-form] button[type=submit]").click()
        assert "/rooms/bookings/" in booker.page.url, booker.page.locator("main").inner_text()
        booking_id = int(booker.page.url.rstrip("/").rsplit("/", 1)[1])
        assert booker.page.locator('[data-status="pending"]').count() >= 1
        assert status_of(booking_id) == PENDING
        booker.fits_the_screen()
        booker.shot("pending")

        approver.sign_in(people.approver.username, PASSWORD)
        approver.page.goto("/rooms/waiting")
        approver.fits_the_screen()
        item = approver.page.locator(f'[data-waiting] [data-booking="{booking_id}"]')
        assert "ประชุมคณะกรรมการประเมินผลการปฏิบัติงาน" in item.inner_text()
        approver.shot("waiting")
        with approver.page.expect_navigation():
            item.locator("[data-approve]").click()
        assert approver.page.url.endswith("/rooms/waiting")
        assert approver.page.locator(f'[data-booking="{booking_id}"]').count() == 0
        assert status_of(booking_id) == CONFIRMED

        booker.page.reload()
        assert booker.page.locator('[data-status="confirmed"]').count() >= 1
        booker.page.goto(f"/rooms/?day={day.isoformat()}")
        booker.fits_the_screen()  # the grid scrolls inside its own box
        cell = booker.page.locator(f'td.rooms-confirmed [data-booking="{booking_id}"]')
        assert cell.count() == 1
        booker.shot("day")
        assert not booker.problems + approver.problems, "\n".join(booker.problems + approver.problems)
    finally:
        booker.close()
        approver.close()
    assert db.session.scalar(select(Booking.title)) == "ประชุมคณะกรรมการประเมินผลการปฏิบัติงาน"


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_two_people_request_one_slot_the_approver_approves_one_and_the_other_is_refused_and_told(
        chromium, people, make_room, live_server, screenshots, phone):
    from core.api import BOOKING_REFUSED as REFUSED, Notification
    from core.testing import set_password
    from plugins.rooms import services

    for person in (people.booker, people.colleague, people.approver):
        set_password(person, PASSWORD)
    room = make_room(name="ห้องประชุมเขต", capacity=30, needs_approval=True)
    for n in range(4):  # a day view of five rooms, as the office has
        make_room(name=f"ห้องประชุมย่อยหมายเลข {n + 1}", capacity=10)
    db.session.commit()
    day = next_weekday(7)
    screen = "phone" if phone else "desktop"
    sessions = [BrowserSession(chromium, live_server, screenshots, f"rooms-{name}-{screen}", phone=phone)
                for name in ("first", "second", "approver")]
    first, second, approver = sessions

    def request_room(session, start, end, title, expect_warning):
        session.page.goto("/rooms/book")
        session.page.select_option("#room_id", str(room.id))
        session.page.fill("#day", day.isoformat())
        session.page.fill("#start", start)
        session.page.fill("#end", end)
        session.page.fill("#title", title)
        session.page.fill("#attendees", "12")
        with session.page.expect_navigation():
            session.page.locator("[data-booking-form] button[type=submit]").click()
        if expect_warning:
            # Warned before anything is sent: who asked for the time, and the choice to queue anyway.
            warning = session.page.locator("[data-requested-already]")
            assert warning.count() == 1 and "คำขอใช้ห้องแรก" in warning.inner_text()
            assert db.session.scalar(select(Booking.id).where(Booking.title == title)) is None
            session.fits_the_screen()
            session.shot("warned")
            with session.page.expect_navigation():
                session.page.locator("[data-queue-anyway]").click()
        assert "/rooms/bookings/" in session.page.url, session.page.locator("main").inner_text()
        return int(session.page.url.rstrip("/").rsplit("/", 1)[1])

    try:
        first.sign_in(people.booker.username, PASSWORD)
        second.sign_in(people.colleague.username, PASSWORD)
        approver.sign_in(people.approver.username, PASSWORD)
        first_id = request_room(first, "09:00", "10:00", "คำขอใช้ห้องแรก", expect_warning=False)
        second_id = request_room(second, "09:30", "10:30", "คำขอใช้ห้องที่สอง", expect_warning=True)
        assert status_of(first_id) == status_of(second_id) == "pending"

        approver.page.goto("/rooms/waiting")
        approver.fits_the_screen()
        item = approver.page.locator(f'[data-waiting] [data-booking="{first_id}"]')
        assert item.locator(f'[data-competing-booking="{second_id}"]').count() == 1  # the conflict, on the request
        approver.shot("conflict")
        with approver.page.expect_navigation():
            item.locator("[data-approve]").click()
        assert status_of(first_id) == CONFIRMED and status_of(second_id) == REFUSED
        assert approver.page.locator(f'[data-booking="{second_id}"]').count() == 0  # nothing left to decide

        second.page.goto(f"/rooms/bookings/{second_id}")
        assert second.page.locator('[data-status="refused"]').count() >= 1
        assert "คำขอใช้ห้องแรก" in second.page.locator("main").inner_text()  # the reason names the winner
        told = db.session.scalars(select(Notification.title).where(
            Notification.person_id == people.colleague.id, Notification.event == services.EVENT_REQUEST_CLOSED)).all()
        assert len(told) == 1 and "คำขอใช้ห้องที่สอง" in told[0]
        second.page.goto("/notifications/")
        assert "คำขอใช้ห้องที่สอง" in second.page.locator("main").inner_text()
        second.shot("told")

        # The day view: five rooms stay readable (no word-per-line columns); on a phone the grid scrolls sideways.
        first.page.goto(f"/rooms/?day={day.isoformat()}")
        first.fits_the_screen()
        widths = first.page.eval_on_selector_all("[data-day-view] thead th:not(.rooms-time)",
                                                 "cells => cells.map(c => c.getBoundingClientRect().width)")
        assert len(widths) == 5 and min(widths) >= 120, widths
        first.shot("day")
        assert not sum((s.problems for s in sessions), []), sum((s.problems for s in sessions), [])
    finally:
        for session in sessions:
            session.close()
