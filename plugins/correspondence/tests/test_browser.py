"""Sending a letter to two schools and receiving it, in a real browser (system Chromium through Playwright).

The central registry's clerk writes and sends an outgoing letter on the compose page (checking the recipients
first, as the page asks), school 1's clerk finds it in the inbox and receives it, and the sender's receipt page
then shows ✓ with the time for school 1 and ✗ for school 2. Screenshots go to $KHET_SCREENSHOTS when set.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.api import db
from core.testing import BrowserSession, set_password
from plugins.correspondence.models import Delivery, Letter

pytestmark = [pytest.mark.browser, pytest.mark.khet_plugins("correspondence")]

PASSWORD = "สารบรรณ-2569-ทดสอบ"
SUBJECT = "ขอเชิญประชุมผู้บริหารสถานศึกษา ประจำเดือนกรกฎาคม"


@pytest.fixture
def offices(office, make_school, make_person, grant):
    """The registry clerk (who may send) and two schools, each with its clerk; everyone with the test password."""
    grant("correspondence.send", to=office.registry_clerk)
    office.registry_clerk.username = "registry"
    set_password(office.registry_clerk, PASSWORD)
    first_clerk = make_person(username="clerk1", first_name="วิไลวรรณ", password=PASSWORD)
    second_clerk = make_person(username="clerk2", first_name="กาญจนา", password=PASSWORD)
    office.first = make_school(name="โรงเรียนบ้านหนองบัว", clerks=[first_clerk])
    office.second = make_school(name="โรงเรียนวัดท่าช้าง", clerks=[second_clerk])
    office.first_clerk, office.second_clerk = first_clerk, second_clerk
    db.session.commit()
    return office


def _pick_school(page, name: str) -> None:
    page.get_by_placeholder("Filter by name, code, district or network").fill(name)
    page.get_by_role("checkbox", name=re.compile(re.escape(name))).check()


def test_the_registry_sends_to_two_schools_one_receives_and_the_sender_sees_who(
        chromium, offices, live_server, screenshots):
    sender = BrowserSession(chromium, live_server, screenshots, "correspondence-registry")
    school = BrowserSession(chromium, live_server, screenshots, "correspondence-school1")
    try:
        # The registry clerk writes the letter, checks who receives it, then sends it.
        sender.sign_in("registry", PASSWORD)
        page = sender.page
        page.goto("/correspondence/compose")
        page.locator(".card", has_text="Central registry").get_by_role("link", name="Outgoing letter").click()
        page.get_by_label("Subject").fill(SUBJECT)
        page.get_by_label("To", exact=True).fill("ผู้อำนวยการโรงเรียนบ้านหนองบัว และโรงเรียนวัดท่าช้าง")
        page.get_by_text("Pick schools").click()
        _pick_school(page, offices.first.name)
        _pick_school(page, offices.second.name)
        page.get_by_role("button", name="Check the recipients").click()
        send_button = page.get_by_role("button", name=re.compile(r"Send to 2 recipient"))
        send_button.wait_for()
        sender.shot("checked")
        with page.expect_navigation():
            send_button.click()
        assert "is sent to 2 recipient(s)" in page.get_by_role("alert").first.inner_text()
        letter_id = int(re.search(r"/letters/(\d+)", page.url).group(1))

        # School 1's clerk finds it in the inbox and receives it.
        school.sign_in("clerk1", PASSWORD)
        inbox = school.page
        inbox.goto("/correspondence/inbox")
        inbox.get_by_role("link", name=re.compile(re.escape(SUBJECT))).click()
        school.shot("waiting")
        with inbox.expect_navigation():
            inbox.get_by_role("button", name="Receive").click()
        assert "Received as number 1 in your register." in inbox.get_by_role("alert").first.inner_text()
        assert not re.search(rf"/letters/{letter_id}\b", inbox.url)  # the school's own line, not the office's page

        # The sender sees ✓ with the time for school 1, ✗ for school 2.
        page.goto(f"/correspondence/letters/{letter_id}/receipts")
        sender.shot("receipts")
        first_row = page.locator("[data-receipts] tr", has_text=offices.first.name)
        second_row = page.locator("[data-receipts] tr", has_text=offices.second.name)
        received = first_row.locator("[data-received]").inner_text()
        assert re.search(r"✓ Received .*\d{1,2}:\d{2}", received), received
        assert offices.first_clerk.first_name in received
        assert second_row.locator("[data-not-received]").inner_text().startswith("✗ Not received yet")
        assert page.locator("[data-count-received]").inner_text() == "1"
        assert page.locator("[data-count-waiting]").inner_text() == "1"
        assert sender.problems == [] and school.problems == []
    finally:
        sender.close()
        school.close()

    db.session.commit()  # a fresh snapshot: the server wrote it
    letter = db.session.get(Letter, letter_id)
    assert letter.subject == SUBJECT and letter.register.kind == "outgoing" and letter.register.scope == "office"
    receipts = {d.school_id: (d.received_at is not None, d.received_by_id)
                for d in db.session.scalars(select(Delivery).where(Delivery.letter_id == letter_id))}
    assert receipts == {offices.first.id: (True, offices.first_clerk.id), offices.second.id: (False, None)}


def test_on_a_phone_the_register_is_a_list_of_cards_subject_first(chromium, offices, letter_fields, live_server,
                                                                   screenshots):
    """paged_table(cards=True): no sideways scrolling on a phone, and each line reads its subject first."""
    from plugins.correspondence import services

    register = services.register_for("incoming")
    for n in range(3):
        services.register_letter(register, letter_fields(f"{SUBJECT} ฉบับที่ {n + 1}", from_text="สพฐ.",
                                                         sender_ref=f"ศธ 04002/ว {n + 1}"), offices.registry_clerk)
    db.session.commit()
    phone = BrowserSession(chromium, live_server, screenshots, "correspondence-register-phone", phone=True)
    try:
        phone.sign_in("registry", PASSWORD)
        phone.page.goto(f"/correspondence/registers/{register.id}")
        phone.fits_the_screen()
        assert phone.page.locator("table thead").is_hidden()
        card = phone.page.locator(".khet-cards tbody tr").first
        subject_top = card.locator(".khet-card-title").bounding_box()["y"]
        number_top = card.locator("td").first.bounding_box()["y"]
        assert subject_top < number_top  # the subject leads the card; the number follows under it
        label = card.evaluate("row => getComputedStyle(row.cells[0], '::before').content")
        assert label == '"Number: "'  # the other cells keep their column's name
        phone.shot("register")
        assert not phone.problems
    finally:
        phone.close()


def test_on_a_phone_a_school_clerk_receives_and_sees_the_receipt_number_the_files_and_the_next_step(
        chromium, offices, letter_fields, live_server, screenshots):
    """Issue 16: after ลงรับ the school clerk saw the office's page; now the school's line, its receipt number to
    write on the paper stamp, the files the office attached, and the form to assign a teacher, on a phone."""
    import io

    from core.api import attachments
    from plugins.correspondence import services
    from plugins.correspondence.services import sending
    from plugins.correspondence.services.sending import Recipients

    PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    # The school has received two letters before: this one is its third.
    school_register = services.register_for("incoming", school=offices.first)
    for n in range(2):
        services.register_letter(school_register, letter_fields(f"หนังสือก่อนหน้า {n + 1}"), offices.first_clerk)
    letter = services.register_letter(services.register_for("outgoing"), letter_fields(SUBJECT),
                                      offices.registry_clerk)
    attachments.save_uploads([("กำหนดการประชุม.pdf", io.BytesIO(PDF))], ("correspondence", "letter", letter.id),
                             offices.registry_clerk)
    sending.send_letter(letter, Recipients(school_ids=[offices.first.id]), offices.registry_clerk)
    db.session.commit()

    phone = BrowserSession(chromium, live_server, screenshots, "correspondence-receive-phone", phone=True)
    try:
        phone.sign_in("clerk1", PASSWORD)
        page = phone.page
        page.goto("/correspondence/inbox")
        page.get_by_role("link", name=re.compile(re.escape(SUBJECT))).first.click()
        with page.expect_navigation():
            page.get_by_role("button", name="Receive").click()
        assert "Received as number 3 in your register." in page.get_by_role("alert").first.inner_text()
        receipt = page.locator("[data-receipt-number]")
        assert receipt.inner_text().strip() == "3" and receipt.is_visible()
        assert page.locator("[data-receipt-number]").bounding_box()["y"] < page.viewport_size["height"]  # no scrolling
        assert page.get_by_role("link", name="กำหนดการประชุม.pdf").is_visible()
        assert page.locator('[data-routing-form="assign"]').is_visible()
        phone.fits_the_screen()
        phone.shot("received")
        assert not phone.problems
    finally:
        phone.close()


def test_the_subject_counts_its_characters_and_turns_red_past_the_limit(chromium, offices, live_server, screenshots):
    phone = BrowserSession(chromium, live_server, screenshots, "correspondence-subject-counter", phone=True)
    try:
        phone.sign_in("registry", PASSWORD)
        page = phone.page
        page.goto("/correspondence/new/incoming/office")
        counter = page.locator("#subject + [data-counter]")
        assert counter.inner_text() == "0 / 500"
        page.locator("#subject").fill("ก" * 501)  # not cut: the whole text stays to be shortened
        assert counter.inner_text() == "501 / 500" and "text-danger" in counter.get_attribute("class")
        assert len(page.locator("#subject").input_value()) == 501
        assert not phone.problems
    finally:
        phone.close()


def test_on_a_phone_the_follow_up_and_receipts_lists_are_cards_subject_first(chromium, offices, letter_fields,
                                                                             live_server, screenshots):
    """Issue 16: every list of letters (not only the register) is a card per line on a phone, its subject first."""
    from plugins.correspondence import services
    from plugins.correspondence.services import sending
    from plugins.correspondence.services.sending import Recipients

    import datetime as dt

    from core.api import utcnow

    sent = utcnow() - dt.timedelta(days=5)  # overdue for the follow-up list
    letter = services.register_letter(services.register_for("outgoing"), letter_fields(SUBJECT), offices.registry_clerk,
                                      now=sent)
    sending.send_letter(letter, Recipients(school_ids=[offices.first.id, offices.second.id]), offices.registry_clerk,
                        now=sent)
    db.session.commit()
    phone = BrowserSession(chromium, live_server, screenshots, "correspondence-follow-up-phone", phone=True)
    try:
        phone.sign_in("registry", PASSWORD)
        for path, title in (("/correspondence/follow-up", SUBJECT),
                            (f"/correspondence/letters/{letter.id}/receipts", offices.first.name)):
            phone.page.goto(path)
            phone.fits_the_screen()
            card = phone.page.locator(".khet-cards tbody tr").first
            assert phone.page.locator(".khet-cards thead").is_hidden()
            assert title in card.locator(".khet-card-title").inner_text()
            assert card.locator(".khet-card-title").bounding_box()["y"] <= card.locator("td").first.bounding_box()["y"]
        assert not phone.problems
    finally:
        phone.close()
