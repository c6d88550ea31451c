"""Core's shared inputs in a real browser, on a phone's screen: the group director assigns a letter to two officers
picked by typing their names (the people picker) with a due date picked from the Buddhist Era calendar popup.

System Chromium through Playwright (``chromium``, ``live_server``); screenshots go to $KHET_SCREENSHOTS when set.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.api import THAI_MONTHS, db, format_thai_date, local_today
from core.testing import BrowserSession
from plugins.correspondence import services
from plugins.correspondence.models import Assignment
from plugins.correspondence.services import routing

pytestmark = [pytest.mark.browser, pytest.mark.khet_plugins("correspondence")]

PASSWORD = "สารบรรณ-2569-ทดสอบ"


def _suggestions(page, field_id: str):
    return page.locator(f"#{field_id}-ts-dropdown .option")


def _pick_person(page, field_id: str, typed: str, wanted: str) -> None:
    """Type into the picker of ``field_id`` and choose the one suggestion showing ``wanted`` (position or place)."""
    control = page.locator(f"#{field_id}-ts-control")
    control.click()
    control.press_sequentially(typed, delay=30)
    _suggestions(page, field_id).filter(has_text=typed).filter(has_text=wanted).click()


def test_a_director_on_a_phone_assigns_two_officers_by_typing_and_a_be_due_date_from_the_calendar(
        chromium, office, make_person, make_group, letter_fields, live_server, screenshots):
    planning = office.planning
    director = make_person(first_name="อำนวย", last_name="ศรีสุข", group=planning, director=True, username="director",
                           password=PASSWORD, locale="th")
    first = make_person(first_name="สมชาย", last_name="ขยันดี", position="นักวิเคราะห์นโยบายและแผน", group=planning)
    second = make_person(first_name="สมหญิง", last_name="ตั้งใจ", position="นักวิชาการศึกษา", group=planning)
    # A namesake in another group: the picker tells them apart by the group, and does not offer him here.
    make_person(first_name="สมชาย", last_name="ขยันดี", position="นักวิชาการเงินและบัญชี",
                group=make_group(name="กลุ่มบริหารงานการเงินและสินทรัพย์"))
    letter = services.register_letter(services.register_for("incoming"), letter_fields(
        "ขอให้รายงานข้อมูลนักเรียนออกกลางคัน", from_text="สพฐ."), office.registry_clerk)
    routing.forward(letter, planning, office.registry_clerk)
    routing.present(letter, office.group_clerk)
    db.session.commit()
    due = (local_today().replace(day=1) + dt.timedelta(days=32)).replace(day=15)  # the 15th of next month

    session = BrowserSession(chromium, live_server, screenshots, "pickers-director", phone=True)
    try:
        session.sign_in("director", PASSWORD)
        page = session.page
        page.goto(f"/correspondence/letters/{letter.id}")
        session.fits_the_screen()

        _pick_person(page, "officer_ids", "สมชาย", "กลุ่มนโยบายและแผน")
        control = page.locator("#officer_ids-ts-control")
        control.press_sequentially("สมชาย", delay=30)  # the namesake of another group is not offered here
        expect(_suggestions(page, "officer_ids")).to_have_count(0)
        control.fill("")
        _pick_person(page, "officer_ids", "หญิง", "นักวิชาการศึกษา")
        chips = page.locator(".ts-wrapper:has(#officer_ids-ts-control) .ts-control .item")
        assert chips.count() == 2 and "สมชาย ขยันดี" in chips.nth(0).inner_text()

        page.locator("#due_on").scroll_into_view_if_needed()
        page.locator("#due_on ~ [data-khet-date-open]").click()
        calendar = page.locator(".flatpickr-calendar.open")
        years = calendar.locator("[data-khet-be-year]")
        assert years.input_value() == str(local_today().year + 543)  # the popup counts in BE
        calendar.locator(".flatpickr-next-month").click()
        assert calendar.locator(".flatpickr-monthDropdown-months").first.locator("option:checked").inner_text() \
            == THAI_MONTHS[due.month - 1]
        assert years.input_value() == str(due.year + 543)
        session.fits_the_screen()
        session.shot("calendar")
        calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text=re.compile(r"^15$")).click()
        assert page.locator("#due_on").input_value() == format_thai_date(due)  # 15/mm/25xx

        page.locator("#instruction").fill("รวบรวมข้อมูลและรายงานภายในกำหนด")
        session.shot("assign")
        with page.expect_navigation():
            page.locator(f"form[action$='/letters/{letter.id}/routing/assign'] button[type=submit]").click()
        session.fits_the_screen()
        session.shot("assigned")
        assert not session.problems, "\n".join(session.problems)
    finally:
        session.close()

    db.session.commit()  # a fresh snapshot: the server wrote it
    assigned = db.session.scalars(select(Assignment).where(Assignment.letter_id == letter.id)
                                  .order_by(Assignment.officer_id)).all()
    assert [(a.officer_id, a.due_on) for a in assigned] == [(first.id, due), (second.id, due)]
    assert director.id not in {a.officer_id for a in assigned}
