"""Register pages: registering through the form, cancelling with a reason, corrections, who may write where."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.api import db
from plugins.correspondence import services
from plugins.correspondence.models import Correction, Letter

pytestmark = pytest.mark.khet_plugins("correspondence")


def _letters():
    db.session.expire_all()
    return list(db.session.scalars(select(Letter).order_by(Letter.id)))


def test_clerk_registers_an_incoming_letter_through_the_form(office, login_as):
    client = login_as(office.registry_clerk)
    response = client.post("/correspondence/new/incoming/office", data={
        "subject": "ขอเชิญประชุม", "sender_ref": "ศธ 04002/ว 15", "from_text": "สพฐ.", "urgency": "urgent",
        "secrecy": "none", "doc_type": "external", "group_id": office.planning.id, "officer_id": 0})
    assert response.status_code == 302
    (letter,) = _letters()
    assert (letter.number, letter.subject, letter.urgency, letter.group_id) == (1, "ขอเชิญประชุม", "urgent", office.planning.id)
    assert letter.register.kind == "incoming" and letter.register.scope == "office"
    page = client.get(f"/correspondence/registers/{letter.register_id}?year={letter.year}")
    assert "ขอเชิญประชุม" in page.get_data(as_text=True)


def test_take_an_outgoing_number_shows_the_printed_number(office, login_as):
    client = login_as(office.registry_clerk)
    response = client.post("/correspondence/new/outgoing/office", data={
        "subject": "ส่งรายงาน", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0}, follow_redirects=True)
    assert "ศธ 04183/1" in response.get_data(as_text=True)


@pytest.mark.parametrize(("chosen", "kept_years"), [("10", 10), ("1", 1), ("permanent", None)])
def test_the_clerk_chooses_the_retention_class_when_registering(office, login_as, chosen, kept_years):
    client = login_as(office.registry_clerk)
    response = client.post("/correspondence/new/incoming/office", data={
        "subject": "แจ้งวันหยุดราชการ", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0, "retention": chosen})
    assert response.status_code == 302
    (letter,) = _letters()
    assert letter.retention_years == kept_years


def test_a_retention_not_on_the_list_is_refused_and_takes_no_number(office, login_as):
    client = login_as(office.registry_clerk)
    response = client.post("/correspondence/new/incoming/office", data={
        "subject": "แจ้งวันหยุดราชการ", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0, "retention": "1000"})
    assert response.status_code == 200
    assert _letters() == []


def test_a_form_without_subject_is_refused_and_takes_no_number(office, login_as):
    client = login_as(office.registry_clerk)
    response = client.post("/correspondence/new/incoming/office", data={
        "subject": "", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0, "officer_id": 0})
    assert response.status_code == 200
    assert _letters() == []


def test_group_clerk_writes_only_in_the_group_register(office, login_as):
    client = login_as(office.group_clerk)
    data = {"subject": "บันทึกข้อความ", "urgency": "normal", "secrecy": "none", "doc_type": "internal", "group_id": 0,
            "officer_id": 0}
    assert client.post("/correspondence/new/outgoing/office", data=data).status_code == 403
    assert client.post(f"/correspondence/new/outgoing/group:{office.planning.id}", data=data).status_code == 302
    (letter,) = _letters()
    assert letter.register.scope == f"group:{office.planning.id}"


def test_reader_cannot_register(office, login_as):
    client = login_as(office.reader)
    response = client.post("/correspondence/new/incoming/office", data={
        "subject": "x", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0, "officer_id": 0})
    assert response.status_code == 403
    assert _letters() == []


def test_cancel_with_reason_through_the_page(office, login_as, letter_fields):
    letter = services.register_letter(services.register_for("outgoing"), letter_fields(), office.registry_clerk)
    client = login_as(office.registry_clerk)
    client.post(f"/correspondence/letters/{letter.id}/cancel", data={"reason": ""})
    assert not _letters()[0].cancelled
    client.post(f"/correspondence/letters/{letter.id}/cancel", data={"reason": "พิมพ์ผิด"})
    (kept,) = _letters()
    assert kept.cancelled and kept.cancel_reason == "พิมพ์ผิด" and kept.number == 1


def test_cancel_without_csrf_changes_nothing(office, login_as, letter_fields):
    letter = services.register_letter(services.register_for("outgoing"), letter_fields(), office.registry_clerk)
    response = login_as(office.registry_clerk).post(f"/correspondence/letters/{letter.id}/cancel",
                                                    data={"reason": "พิมพ์ผิด"}, csrf=False)
    assert response.status_code in (302, 400)
    assert not _letters()[0].cancelled


def test_correction_through_the_page_is_kept_in_the_history(office, login_as, letter_fields):
    letter = services.register_letter(services.register_for("incoming"), letter_fields(from_text="สพฐ."),
                                      office.registry_clerk)
    client = login_as(office.registry_clerk)
    client.post(f"/correspondence/letters/{letter.id}/correct", data={
        "subject": letter.subject, "from_text": "สำนักงานศึกษาธิการภาค", "urgency": "normal", "doc_type": "external",
        "group_id": 0, "officer_id": 0})
    (changed,) = _letters()
    assert changed.from_text == "สำนักงานศึกษาธิการภาค"
    (correction,) = db.session.scalars(select(Correction))
    assert correction.changes["from_text"] == ["สพฐ.", "สำนักงานศึกษาธิการภาค"]
    assert "สพฐ." in client.get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)


def test_index_shows_the_places_a_person_works_in(office, login_as, letter_fields):
    services.register_letter(services.register_for("incoming"), letter_fields(), office.registry_clerk)
    clerk_page = login_as(office.group_clerk).get("/correspondence/").get_data(as_text=True)
    assert office.planning.name in clerk_page
    assert f"/correspondence/new/incoming/group:{office.planning.id}" in clerk_page
    assert "/correspondence/new/incoming/office" not in clerk_page


def test_one_way_to_write_our_own_letter_with_the_sender_and_the_date_filled(office, login_as, grant, make_school,
                                                                            make_person):
    """Issue 16: taking a number first left จาก and ลงวันที่ empty, so schools read "จาก —" and the print had
    blanks. Whoever may send is taken to the compose page; a number taken without sending has the same defaults,
    and a blank จาก or date is the place and the day it was numbered."""
    from core.api import local_today
    from plugins.correspondence.models import Delivery
    from plugins.correspondence.services import inbox, sending

    client = login_as(office.registry_clerk)
    page = client.get("/correspondence/new/outgoing/office").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="from_text"[^>]*value="สพป.ทดสอบ เขต 1"', page)  # the office as sender
    assert re.search(r'<input[^>]*id="letter_date"[^>]*value="[^"]+"', page)  # today
    grant("correspondence.send", to=office.registry_clerk)
    answer = client.get("/correspondence/new/outgoing/office")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/correspondence/compose/outgoing/office")

    client.post("/correspondence/new/outgoing/office", data={
        "subject": "ส่งรายงาน", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0})
    client.post("/correspondence/new/incoming/office", data={
        "subject": "หนังสือเข้า", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0})
    ours, received = _letters()
    assert (ours.from_text, ours.letter_date) == ("สพป.ทดสอบ เขต 1", local_today())
    assert (received.from_text, received.letter_date) == ("", None)  # a received letter says what the paper says

    clerk = make_person(first_name="ธุรการ")
    school = make_school(name="โรงเรียนบ้านจาก", clerks=[clerk])
    sending.send_letter(ours, sending.Recipients(school_ids=[school.id]), office.registry_clerk)
    delivery = db.session.scalar(select(Delivery).where(Delivery.letter_id == ours.id))
    assert "สพป.ทดสอบ เขต 1" in login_as(clerk).get(f"/correspondence/deliveries/{delivery.id}").get_data(as_text=True)
    assert inbox.receive(delivery, clerk).received_at is not None


def test_the_registry_clerks_register_page_puts_their_own_places_first_and_finds_the_others(
        office, login_as, make_group, make_school, make_person, grant):
    """Issue 16: the registry clerk saw ~130 look-alike buttons (11 places × up to 6 registers). Their own places
    come first, each register has one button, and the other places are folded and found by name."""
    groups = [make_group(name=f"กลุ่มงานที่ {n}") for n in range(6)]
    school_clerk = make_person(first_name="ธุรการโรงเรียน")
    school = make_school(name="โรงเรียนบ้านค้นหา", clerks=[school_clerk, office.registry_clerk])
    grant("correspondence.send", to=office.registry_clerk)
    client = login_as(office.registry_clerk)
    page = client.get("/correspondence/").get_data(as_text=True)

    own = re.findall(r'data-own-place="([^"]+)"', page)
    others = re.findall(r'data-other-place="([^"]+)"', page)
    assert own == ["office", f"school:{school.id}"]  # the central registry and the school they clerk for
    assert set(others) >= {f"group:{g.id}" for g in [office.planning, *groups]} and all(o.startswith("group:") for o in others)
    assert page.index("data-own-place") < page.index("data-other-places")
    office_card = re.search(r'data-own-place="office".*?</ul>', page, re.S).group(0)
    assert office_card.count("/correspondence/compose/outgoing/office") == 1
    assert "/correspondence/new/outgoing/office" not in office_card  # one button per register, not two

    found = client.get("/correspondence/?q=งานที่ 3").get_data(as_text=True)
    assert re.findall(r'data-other-place="([^"]+)"', found) == [f"group:{groups[3].id}"]
    nothing = client.get("/correspondence/?q=ไม่มีชื่อนี้").get_data(as_text=True)
    assert "data-no-place" in nothing
