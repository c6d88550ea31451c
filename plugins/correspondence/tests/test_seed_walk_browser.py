"""Issue 16's seed walk in a real browser, on a phone's screen and on a desktop's, over the demo office.

The demo's own people do everything a person does on the pages (click, type, pick): the central registry's clerk
registers a ministry letter and forwards it to the planning group, the group's clerk presents it to the group's
director, who assigns an officer with an instruction and a due date, and the officer acknowledges; then a clerk
numbers, attaches and sends an outgoing letter to two schools in one compose step, both school clerks receive it,
and the sender sees exactly two ✓. The database is only read, to check what the pages said.

System Chromium through Playwright (``chromium``, ``live_server``); screenshots go to $KHET_SCREENSHOTS when set.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.api import Person, School, db, format_thai_date, local_today
from core.testing import BrowserSession, demo_passwords
from plugins.correspondence.models import Assignment, Delivery, Letter, Register, Route

pytestmark = [pytest.mark.browser, pytest.mark.khet_plugins("correspondence")]

_, DEMO_PASSWORD = demo_passwords()
# Who walks the seed flow in the demo office (core/demo.py, plugins/correspondence/demo.py): admin1 keeps the
# central registry and sends; policy1 keeps the planning group's registers; policy_head directs the group.
REGISTRY, GROUP_CLERK, GROUP_DIRECTOR, OFFICER = "admin1", "policy1", "policy_head", "policy2"
PLANNING = "กลุ่มนโยบายและแผน"
VIEWPORTS = [pytest.param(True, id="phone"), pytest.param(False, id="desktop")]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo_people(app, demo_database):
    """The demo office copied into this test's database; {username: Person} of everyone the walk signs in as."""
    wanted = [REGISTRY, GROUP_CLERK, GROUP_DIRECTOR, OFFICER, "school1_clerk", "school2_clerk"]
    people = {p.username: p for p in db.session.scalars(select(Person).where(Person.username.in_(wanted)))}
    assert sorted(people) == sorted(wanted), "the demo office lost someone the walk needs"
    return people


def _session(chromium, live_server, screenshots, name: str, phone: bool) -> BrowserSession:
    return BrowserSession(chromium, live_server, screenshots, f"seed-walk-{name}-{'phone' if phone else 'desktop'}",
                          phone=phone)


def _signed_in(sessions: list, chromium, live_server, screenshots, username: str, phone: bool) -> BrowserSession:
    session = _session(chromium, live_server, screenshots, username, phone)
    sessions.append(session)
    session.sign_in(username, DEMO_PASSWORD)
    return session


def _hops(page) -> list[str]:
    return page.locator("[data-timeline] [data-hop]").evaluate_all("items => items.map(item => item.dataset.hop)")


def _submit(page, button) -> None:
    button.scroll_into_view_if_needed()
    with page.expect_navigation():
        button.click()


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_an_incoming_ministry_letter_is_registered_forwarded_presented_assigned_and_acknowledged(
        chromium, demo_people, live_server, screenshots, phone):
    subject = "ขอให้รายงานข้อมูลนักเรียนออกกลางคัน ปีการศึกษา 2569 (ทดสอบเดินระบบ)"
    letter_day = local_today() - dt.timedelta(days=2)
    due = local_today() + dt.timedelta(days=14)
    officer = demo_people[OFFICER]
    sessions: list[BrowserSession] = []
    try:
        # The central registry's clerk registers the ministry's letter, its date typed in BE in the Thai date box.
        registry = _signed_in(sessions, chromium, live_server, screenshots, REGISTRY, phone)
        page = registry.page
        page.goto("/correspondence/new/incoming/office")
        page.get_by_label("Subject").fill(subject)
        page.get_by_label("Letter number (ที่)").fill("ศธ 04002/ว 1234")
        page.get_by_label("Dated", exact=True).fill(format_thai_date(letter_day))
        page.get_by_label("From", exact=True).fill("สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน")
        registry.fits_the_screen()
        _submit(page, page.get_by_role("button", name="Register", exact=True))
        letter_id = int(re.search(r"/letters/(\d+)", page.url).group(1))

        # ... and forwards it to the planning group.
        forward = page.locator('[data-routing-form="forward"]')
        forward.get_by_label("Forward to group").select_option(label=PLANNING)
        _submit(page, forward.get_by_role("button", name="Forward"))
        assert _hops(page) == ["forward"]
        assert PLANNING in page.locator('[data-hop="forward"]').inner_text()
        registry.fits_the_screen()
        registry.shot("forwarded")

        # The group's clerk presents it to the group's director.
        clerk = _signed_in(sessions, chromium, live_server, screenshots, GROUP_CLERK, phone)
        page = clerk.page
        page.goto(f"/correspondence/letters/{letter_id}")
        present = page.locator('[data-routing-form="present"]')
        assert demo_people[GROUP_DIRECTOR].full_name in present.inner_text()
        clerk.fits_the_screen()
        _submit(page, present.get_by_role("button", name="Present"))
        assert _hops(page) == ["forward", "present"]

        # The director assigns an officer (typed into the people picker), an instruction and a BE due date.
        director = _signed_in(sessions, chromium, live_server, screenshots, GROUP_DIRECTOR, phone)
        page = director.page
        page.goto(f"/correspondence/letters/{letter_id}")
        assign = page.locator('[data-routing-form="assign"]')
        control = page.locator("#officer_ids-ts-control")
        control.scroll_into_view_if_needed()
        control.click()
        control.press_sequentially(officer.first_name, delay=30)
        page.locator("#officer_ids-ts-dropdown .option").filter(has_text=officer.full_name).first.click()
        assign.get_by_label("Instruction").fill("ดำเนินการรวบรวมข้อมูลและรายงานภายในกำหนด")
        assign.get_by_label("Due date").fill(format_thai_date(due))
        director.shot("assigning")
        director.fits_the_screen()
        _submit(page, assign.get_by_role("button", name="Assign"))
        assert _hops(page) == ["forward", "present", "assign"]
        assigned = page.locator('[data-hop="assign"]')
        assert officer.full_name in assigned.inner_text()
        assert "ดำเนินการรวบรวมข้อมูล" in assigned.inner_text()
        assert assigned.locator("[data-assignment-status]").get_attribute("data-assignment-status") == "waiting"

        # The officer acknowledges.
        officer_session = _signed_in(sessions, chromium, live_server, screenshots, OFFICER, phone)
        page = officer_session.page
        page.goto(f"/correspondence/letters/{letter_id}")
        _submit(page, page.locator('[data-routing-form="acknowledge"]').get_by_role("button", name="Acknowledge"))
        assert _hops(page) == ["forward", "present", "assign", "acknowledge"]
        expect(page.locator('[data-hop="assign"] [data-assignment-status]')).to_have_attribute(
            "data-assignment-status", "acknowledged")
        officer_session.fits_the_screen()
        officer_session.shot("acknowledged")
        for session in sessions:
            assert session.problems == [], session.problems
    finally:
        for session in sessions:
            session.close()

    db.session.commit()  # a fresh snapshot: the server wrote it
    letter = db.session.get(Letter, letter_id)
    assert letter.subject == subject and letter.letter_date == letter_day
    assert (letter.register.kind, letter.register.scope) == ("incoming", "office")
    routes = db.session.scalars(select(Route).where(Route.letter_id == letter_id).order_by(Route.id)).all()
    assert [r.action for r in routes] == ["forward", "present", "assign", "acknowledge"]
    assert [r.by_id for r in routes] == [demo_people[n].id for n in (REGISTRY, GROUP_CLERK, GROUP_DIRECTOR, OFFICER)]
    assignment = db.session.scalar(select(Assignment).where(Assignment.letter_id == letter_id))
    assert (assignment.officer_id, assignment.due_on) == (officer.id, due)
    assert assignment.acknowledged_at is not None


@pytest.mark.parametrize("phone", VIEWPORTS)
def test_an_outgoing_letter_is_numbered_attached_and_sent_to_two_schools_and_both_receipts_show(
        chromium, demo_people, live_server, screenshots, phone, tmp_path):
    subject = "ขอเชิญประชุมผู้บริหารสถานศึกษา (ทดสอบเดินระบบ)"
    schools = {username: db.session.get(School, demo_people[username].school_memberships[0].school_id)
               for username in ("school1_clerk", "school2_clerk")}
    agenda = tmp_path / "กำหนดการประชุม.pdf"
    agenda.write_bytes(PDF)
    sessions: list[BrowserSession] = []
    try:
        # The registry's clerk takes the outgoing number, attaches the agenda and sends it, all on one page.
        sender = _signed_in(sessions, chromium, live_server, screenshots, REGISTRY, phone)
        page = sender.page
        page.goto("/correspondence/compose")
        page.locator(".card", has_text="Central registry").get_by_role("link", name="Outgoing letter").click()
        page.get_by_label("Subject").fill(subject)
        page.get_by_label("Dated", exact=True).fill(format_thai_date(local_today()))
        page.get_by_label("To", exact=True).fill("ผู้อำนวยการโรงเรียน (2 โรง)")
        page.get_by_text("Pick schools").click()
        for school in schools.values():
            page.get_by_placeholder("Filter by name, code, district or network").fill(school.name)
            page.get_by_role("checkbox", name=re.compile(re.escape(school.name))).check()
        page.get_by_role("button", name="Check the recipients").click()
        send_button = page.get_by_role("button", name=re.compile(r"Send to 2 recipient"))
        send_button.wait_for()
        # The files come once the recipients are checked: the number, the files and the sending are one step.
        page.get_by_label("File 1", exact=True).set_input_files(str(agenda))
        page.get_by_label("What file 1 is", exact=True).fill("กำหนดการประชุม")
        sender.fits_the_screen()
        sender.shot("checked")
        _submit(page, send_button)
        assert "is sent to 2 recipient(s)" in page.get_by_role("alert").first.inner_text()
        letter_id = int(re.search(r"/letters/(\d+)", page.url).group(1))
        assert page.get_by_role("link", name=agenda.name).is_visible()

        # Each school's clerk finds it in the inbox, receives it and sees the school's own receipt number.
        receipt_numbers = {}
        for username, school in schools.items():
            clerk = _signed_in(sessions, chromium, live_server, screenshots, username, phone)
            inbox = clerk.page
            inbox.goto("/correspondence/inbox")
            inbox.get_by_role("link", name=re.compile(re.escape(subject))).first.click()
            _submit(inbox, inbox.get_by_role("button", name="Receive"))
            told = re.search(r"Received as number (\d+) in your register\.",
                             inbox.get_by_role("alert").first.inner_text())
            assert told, inbox.get_by_role("alert").first.inner_text()
            receipt_numbers[school.id] = int(told.group(1))
            assert inbox.locator("[data-receipt-number]").inner_text().strip() == told.group(1)
            assert inbox.get_by_role("link", name=agenda.name).is_visible()
            clerk.fits_the_screen()
            clerk.shot("received")

        # The sender's receipt page: exactly two ✓, each with its time, and nobody waiting.
        page.goto(f"/correspondence/letters/{letter_id}/receipts")
        sender.fits_the_screen()
        sender.shot("receipts")
        received = page.locator("[data-receipts] [data-received]")
        expect(received).to_have_count(2)
        for text in received.all_inner_texts():
            assert re.search(r"✓ Received .*\d{1,2}:\d{2}", text), text
        assert page.locator("[data-receipts] [data-not-received]").count() == 0
        assert page.locator("[data-count-received]").inner_text() == "2"
        assert page.locator("[data-count-waiting]").inner_text() == "0"
        for session in sessions:
            assert session.problems == [], session.problems
    finally:
        for session in sessions:
            session.close()

    db.session.commit()  # a fresh snapshot: the server wrote it
    letter = db.session.get(Letter, letter_id)
    assert (letter.register.kind, letter.register.scope) == ("outgoing", "office")
    deliveries = db.session.scalars(select(Delivery).where(Delivery.letter_id == letter_id)).all()
    assert {d.school_id for d in deliveries} == {s.id for s in schools.values()}
    for delivery in deliveries:
        assert delivery.received_at is not None
        line = db.session.get(Letter, delivery.incoming_letter_id)
        register = db.session.get(Register, line.register_id)
        assert (register.kind, register.school_id) == ("incoming", delivery.school_id)
        assert line.number == receipt_numbers[delivery.school_id]
