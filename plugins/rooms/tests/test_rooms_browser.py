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
