"""A recipient's inbox: not yet received first, filters by status, urgency, date and sender, urgent letters on top."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.api import db
from plugins.correspondence import services
from plugins.correspondence.models import Delivery
from plugins.correspondence.services import CorrespondenceError, inbox, sending
from plugins.correspondence.services.inbox import InboxFilter
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

JULY_1 = dt.datetime(2026, 7, 1, 2, 0)  # 09:00 in Bangkok


@pytest.fixture
def school(make_school, make_person):
    clerk = make_person(first_name="ธุรการ")
    return make_school(name="โรงเรียนบ้านหนองบัว", clerks=[clerk])


@pytest.fixture
def clerk(school):
    return next(m.person for m in school.memberships if m.role == "clerk")


@pytest.fixture
def send(office, grant, letter_fields):
    """send(subject, to=school, day=JULY_1, urgency=..., register=None, by=registry clerk) -> the delivery."""
    grant("correspondence.send", to=office.registry_clerk)

    def do(subject, to, when=JULY_1, urgency="normal", register=None, by=None, from_text=""):
        by = by or office.registry_clerk
        letter = services.register_letter(register or services.register_for("outgoing"),
                                          letter_fields(subject, urgency=urgency, from_text=from_text), by, now=when)
        sending.send_letter(letter, Recipients(school_ids=[to.id]), by, now=when)
        return db.session.scalar(select(Delivery).where(Delivery.letter_id == letter.id))

    return do


def _subjects(person, **filters) -> list[str]:
    return [d.letter.subject for d in db.session.scalars(inbox.inbox_of(person, InboxFilter(**filters)))]


def test_the_inbox_opens_on_what_is_still_to_receive_urgent_first(school, clerk, send, login_as):
    send("ปกติเก่า", school, when=JULY_1)
    send("ด่วนที่สุดเก่า", school, when=JULY_1 + dt.timedelta(hours=1), urgency="most_urgent")
    send("ปกติใหม่", school, when=JULY_1 + dt.timedelta(days=1))
    send("ด่วนใหม่", school, when=JULY_1 + dt.timedelta(days=1, hours=1), urgency="urgent")
    inbox.receive(send("รับแล้ว", school, when=JULY_1 + dt.timedelta(days=2)), clerk)

    assert _subjects(clerk) == ["ด่วนที่สุดเก่า", "ด่วนใหม่", "ปกติใหม่", "ปกติเก่า"]

    page = login_as(clerk).get("/correspondence/inbox").get_data(as_text=True)
    assert [s for s in re.findall(r"</span> ([^<\n]+)\n", page)] == ["ด่วนที่สุดเก่า", "ด่วนใหม่", "ปกติใหม่", "ปกติเก่า"]
    assert page.count("data-urgent") == 2 and "list-group-item-danger" in page
    assert "รับแล้ว" not in page


def test_received_and_all(school, clerk, send):
    send("ยังไม่รับ", school, when=JULY_1)
    inbox.receive(send("รับแล้ว", school, when=JULY_1 + dt.timedelta(hours=2)), clerk)
    assert _subjects(clerk, status="received") == ["รับแล้ว"]
    assert _subjects(clerk, status="all") == ["รับแล้ว", "ยังไม่รับ"]  # newest first


def test_filter_by_urgency(school, clerk, send):
    send("ปกติ", school)
    send("ด่วน", school, urgency="urgent")
    send("ด่วนมาก", school, urgency="very_urgent")
    assert _subjects(clerk, urgency="very_urgent") == ["ด่วนมาก"]
    assert sorted(_subjects(clerk, urgency="any_urgent")) == sorted(["ด่วน", "ด่วนมาก"])


def test_filter_by_bangkok_days_sent(school, clerk, send):
    send("ค่ำวันที่หนึ่ง", school, when=dt.datetime(2026, 7, 1, 16, 30))  # 23:30 on 1 July in Bangkok
    send("เช้าวันที่สอง", school, when=dt.datetime(2026, 7, 1, 17, 30))  # 00:30 on 2 July in Bangkok
    send("วันที่ห้า", school, when=dt.datetime(2026, 7, 5, 3, 0))
    assert _subjects(clerk, sent_from=dt.date(2026, 7, 1), sent_to=dt.date(2026, 7, 1)) == ["ค่ำวันที่หนึ่ง"]
    assert _subjects(clerk, sent_from=dt.date(2026, 7, 2)) == ["วันที่ห้า", "เช้าวันที่สอง"]
    assert _subjects(clerk, sent_to=dt.date(2026, 7, 2)) == ["เช้าวันที่สอง", "ค่ำวันที่หนึ่ง"]


def test_filter_by_sender_text_or_sending_place(office, school, clerk, send, make_school, make_person, grant):
    other_clerk = make_person(first_name="ธุรการโรงเรียนอื่น")
    other = make_school(name="โรงเรียนวัดป่าไผ่", clerks=[other_clerk])
    grant("correspondence.send", to=other_clerk)
    send("จากสารบรรณกลาง", school)
    send("จากกลุ่มนโยบาย", school, register=services.register_for("outgoing", group=office.planning))
    send("จากโรงเรียนวัดป่าไผ่", school, register=services.register_for("outgoing", school=other), by=other_clerk)
    send("จากกระทรวง", school, from_text="สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน")

    assert _subjects(clerk, sender="ป่าไผ่") == ["จากโรงเรียนวัดป่าไผ่"]
    assert _subjects(clerk, sender="นโยบาย") == ["จากกลุ่มนโยบาย"]
    assert _subjects(clerk, sender="ขั้นพื้นฐาน") == ["จากกระทรวง"]
    assert _subjects(clerk, sender="100%_") == []  # typed wildcards are text, not patterns
    assert _subjects(clerk, place=f"school:{other.id}") == ["จากโรงเรียนวัดป่าไผ่"]
    assert _subjects(clerk, place=f"group:{office.planning.id}") == ["จากกลุ่มนโยบาย"]
    assert sorted(_subjects(clerk, place="office")) == sorted(["จากสารบรรณกลาง", "จากกระทรวง"])


def test_the_filters_reach_the_page_and_keep_the_tab(school, clerk, send, login_as):
    send("ด่วนรับแล้ว", school, urgency="urgent")
    send("ปกติรับแล้ว", school)
    for delivery in db.session.scalars(select(Delivery)).all():
        inbox.receive(delivery, clerk)
    client = login_as(clerk)
    page = client.get("/correspondence/inbox?status=received&urgency=urgent").get_data(as_text=True)
    assert "ด่วนรับแล้ว" in page and "ปกติรับแล้ว" not in page
    assert re.search(r'class="nav-link active"[^>]*\s+href="[^"]*status=received', page)


def test_a_nonsense_filter_is_refused_with_a_message_and_the_inbox_still_shows(school, clerk, send, login_as):
    send("หนังสือรอรับ", school)
    with pytest.raises(CorrespondenceError):
        inbox.inbox_of(clerk, InboxFilter(sent_from=dt.date(2026, 7, 5), sent_to=dt.date(2026, 7, 1)))
    page = login_as(clerk).get("/correspondence/inbox?sent_from=2026-07-05&sent_to=2026-07-01").get_data(as_text=True)
    assert "The first day comes after the last day." in page and "หนังสือรอรับ" in page
    page = login_as(clerk).get("/correspondence/inbox?urgency=shouting").get_data(as_text=True)
    assert "Not a valid choice" in page and "หนังสือรอรับ" in page


def test_the_inbox_is_paginated(school, clerk, send, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    for n in range(5):
        send(f"หนังสือฉบับที่ {n}", school, when=JULY_1 + dt.timedelta(minutes=n))
    client = login_as(clerk)
    first = client.get("/correspondence/inbox").get_data(as_text=True)
    third = client.get("/correspondence/inbox?page=3").get_data(as_text=True)
    assert first.count("data-delivery=") == 2 and "หนังสือฉบับที่ 4" in first
    assert third.count("data-delivery=") == 1 and "หนังสือฉบับที่ 0" in third


def test_the_inbox_uses_the_recipient_indexes(office, school, clerk, send):
    """On SQLite, the query plan reads deliveries through the (school_id, sent_at) index, not the whole table."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan is checked on SQLite")
    send("หนังสือ", school)
    statement = inbox.inbox_of(clerk, InboxFilter(status="all"))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_correspondence_delivery_school_sent" in plan
    assert "SCAN correspondence_delivery" not in plan


def test_the_delivery_page_shows_the_sender_and_the_receive_button(school, clerk, send, login_as):
    delivery = send("ขอเชิญประชุม", school, urgency="very_urgent")
    page = login_as(clerk).get(f"/correspondence/deliveries/{delivery.id}").get_data(as_text=True)
    assert "ขอเชิญประชุม" in page and f"/correspondence/deliveries/{delivery.id}/receive" in page
    assert "border-danger" in page


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_after_receiving_the_school_clerk_sees_the_school_line_its_receipt_number_files_and_next_steps(
        office, school, clerk, send, login_as, make_person):
    """Issue 16: after ลงรับ a school clerk landed on the office's page (its register, its clerk, its retention),
    without the school's own receipt number, and the school's line said there were no files."""
    import io

    from core.api import attachments

    delivery = send("ขอเชิญประชุมผู้บริหาร", school)
    attachments.save_uploads([("กำหนดการ.pdf", io.BytesIO(PDF))], ("correspondence", "letter", delivery.letter_id),
                             office.registry_clerk)
    db.session.commit()
    teacher = make_person(first_name="ครูสมใจ", school=school, school_role="teacher")
    client = login_as(clerk)
    answer = client.post(f"/correspondence/deliveries/{delivery.id}/receive")
    db.session.refresh(delivery)
    line = db.session.get(type(delivery.letter), delivery.incoming_letter_id)
    assert line.register.school_id == school.id
    assert answer.headers["Location"].endswith(f"/correspondence/letters/{line.id}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    number = services.printed_number(line)
    assert f"Received as number {number} in your register." in page
    assert re.search(rf"data-receipt-number>\s*{re.escape(number)}\s*<", page)
    assert "กำหนดการ.pdf" in page and "No files." not in page
    assert "data-routing-form=\"assign\"" in page  # the next step: assign a teacher
    assert office.registry_clerk.full_name not in page  # not the office's page
    # The receipt stays the place to come back to: the delivery link now opens the school's line.
    assert client.get(f"/correspondence/deliveries/{delivery.id}").headers["Location"].endswith(
        f"/correspondence/letters/{line.id}")

    # The file travels with the letter: the teacher the school assigns opens it from the school's line.
    from plugins.correspondence.services import routing
    routing.assign(line, [teacher], clerk, instruction="เข้าร่วมประชุม")
    download = re.search(r'<li data-file><a href="([^"]+)">กำหนดการ.pdf', page).group(1)
    assert login_as(teacher).get(download).status_code == 200
    assert login_as(make_person(first_name="คนอื่น", school=school, school_role="teacher")).get(
        download).status_code == 403
