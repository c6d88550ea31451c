"""Compose and send in one go: the register line, its files with their descriptions and every recipient, or nothing.

Also the preview of the resolved recipients, saved recipient lists, the office's upload settings and the
notifications the recipients get.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.api import (
    Attachment, GroupMembership, Notification, Person, School, SchoolMembership, SchoolNetwork, db, get_storage,
    numbers, save_settings,
)
from core.testing import BrowserSession, set_password
from plugins.correspondence import services
from plugins.correspondence import settings
from plugins.correspondence.settings import SendingSettingsForm
from plugins.correspondence.models import Delivery, Letter, RecipientList, SecretReader
from plugins.correspondence.services import sending
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

COMPOSE = "/correspondence/compose/{kind}/{scope}"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200  # a Windows .exe


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def sender(office, grant):
    """The central registry's clerk, who may send the office's letters."""
    grant("correspondence.send", to=office.registry_clerk)
    return office.registry_clerk


@pytest.fixture
def three_hundred_schools(app):
    """300 active schools in three networks, each with its clerk, and a closed school that receives nothing.

    Schools 010 to 019 are in the district of Khong Chiam.
    """
    networks = [SchoolNetwork(name=f"เครือข่ายที่ {n}") for n in (1, 2, 3)]
    db.session.add_all(networks)
    db.session.flush()
    schools = [School(code=f"3{n:07d}", name=f"โรงเรียนบ้านหนองบัว {n:03d}", network_id=networks[n % 3].id,
                      district="โขงเจียม" if 10 <= n < 20 else "เมืองอุบลราชธานี") for n in range(300)]
    clerks = [Person(first_name=f"ธุรการ{n:03d}", last_name="ใจดี", username=f"clerk{n:03d}") for n in range(300)]
    db.session.add_all(schools + clerks + [School(code="39999999", name="โรงเรียนที่ยุบแล้ว", active=False)])
    db.session.flush()
    db.session.add_all(SchoolMembership(school_id=s.id, person_id=c.id, role="clerk") for s, c in zip(schools, clerks))
    db.session.commit()
    return schools


def _letter(**values) -> dict:
    data = {"subject": "ขอเชิญประชุมผู้บริหารสถานศึกษา ครั้งที่ 1/2569", "letter_date": "2026-07-01",
            "from_text": "สพป.ทดสอบ เขต 1", "to_text": "ผู้อำนวยการโรงเรียนทุกแห่ง", "urgency": "normal",
            "secrecy": "none", "doc_type": "external", "group_id": "0", "officer_id": "0",
            "remarks": "ประชุมวันที่ 10 กรกฎาคม 2569 ณ ห้องประชุมใหญ่"}
    data.update(values)
    return data


def _files(*items) -> dict:
    """Form data of the attachment rows: (name, content, description) each."""
    data = {}
    for index, (name, content, description) in enumerate(items):
        data[f"attachments-{index}-file"] = (io.BytesIO(content), name)
        data[f"attachments-{index}-description"] = description
    return data


def _fingerprint(person, **choices) -> str:
    return sending.resolve(Recipients(**choices), person).fingerprint


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _stored_files(app) -> list[Path]:
    root = get_storage().root if hasattr(get_storage(), "root") else Path(app.config["UPLOAD_FOLDER"])
    return sorted(path for path in Path(root).rglob("*") if path.is_file()) if Path(root).exists() else []


def _nothing_saved():
    assert (_count(Letter), _count(Delivery), _count(Attachment), _count(numbers.IssuedNumber),
            _count(Notification)) == (0, 0, 0, 0, 0)


# --- one POST, 300 schools ------------------------------------------------------------------------------------


def test_a_circular_composed_to_all_300_schools_in_one_post_reaches_each_once_and_tells_each_clerk(
        office, sender, three_hundred_schools, login_as):
    client = login_as(sender)
    response = client.post(COMPOSE.format(kind="circular", scope="office"), data={
        **_letter(), "all_schools": "y", "network_ids": [three_hundred_schools[0].network_id],
        "action": "send", "confirmed": _fingerprint(sender, all_schools=True)},
        content_type="multipart/form-data")

    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    assert response.headers["Location"].endswith(f"/correspondence/letters/{letter.id}")
    assert (letter.register.kind, letter.number, services.printed_number(letter)) == ("circular", 1, "ศธ 04183/ว 1")
    assert letter.remarks == "ประชุมวันที่ 10 กรกฎาคม 2569 ณ ห้องประชุมใหญ่"  # the summary
    delivered = db.session.scalars(select(Delivery.school_id).where(Delivery.letter_id == letter.id)).all()
    assert sorted(delivered) == sorted(s.id for s in three_hundred_schools)  # once each, the closed school not
    told = db.session.scalars(select(Notification.person_id).where(
        Notification.event == sending.EVENT_LETTER_SENT)).all()
    clerks = db.session.scalars(select(SchoolMembership.person_id).where(SchoolMembership.role == "clerk")).all()
    assert sorted(told) == sorted(clerks) and len(told) == 300
    assert "ศธ 04183/ว 1" in db.session.scalar(select(Notification.title).limit(1))


# --- the preview ---------------------------------------------------------------------------------------------


def test_the_preview_lists_every_resolved_recipient_and_sends_nothing(office, sender, three_hundred_schools, login_as):
    network_id = three_hundred_schools[0].network_id
    in_network = [s for s in three_hundred_schools if s.network_id == network_id]
    picked = three_hundred_schools[1]  # another network
    page = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "network_ids": [network_id], "school_ids": [picked.id, in_network[0].id],
        "group_ids": [office.planning.id], "person_ids": [office.reader.id], "action": "preview"},
        content_type="multipart/form-data").get_data(as_text=True)

    expected = in_network + [picked]
    assert sorted(int(i) for i in _attribute_values(page, "data-resolved-school")) == sorted(s.id for s in expected)
    assert _attribute_values(page, "data-resolved-group") == [str(office.planning.id)]
    assert _attribute_values(page, "data-resolved-person") == [str(office.reader.id)]
    assert f'data-count="{len(expected) + 2}"' in page
    assert f"Send to {len(expected) + 2} recipient(s)" in page
    fingerprint = _fingerprint(sender, network_ids=[network_id], school_ids=[picked.id], group_ids=[office.planning.id],
                               person_ids=[office.reader.id])
    assert f'value="{fingerprint}"' in page  # the confirm button carries exactly these recipients
    _nothing_saved()


def _attribute_values(page: str, attribute: str) -> list[str]:
    import re

    return re.findall(attribute + r'="(\d+)"', page)


def test_send_without_the_preview_shows_the_recipients_instead_of_sending(office, sender, three_hundred_schools,
                                                                          login_as):
    page = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "all_schools": "y", "action": "send"}, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "check the list again" in page.get_data(as_text=True)
    assert 'data-count="300"' in page.get_data(as_text=True)
    _nothing_saved()


def test_recipients_changed_after_the_preview_are_shown_again_not_sent(office, sender, three_hundred_schools, login_as):
    shown = _fingerprint(sender, school_ids=[three_hundred_schools[0].id])
    response = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "school_ids": [three_hundred_schools[1].id], "action": "send", "confirmed": shown},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert f'data-resolved-school="{three_hundred_schools[1].id}"' in response.get_data(as_text=True)
    _nothing_saved()


def test_nobody_chosen_is_refused_at_the_preview(office, sender, login_as):
    page = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={**_letter(), "action": "preview"},
                                 content_type="multipart/form-data").get_data(as_text=True)
    assert "Choose who receives the letter." in page
    assert "data-send" not in page
    _nothing_saved()


# --- files ------------------------------------------------------------------------------------------------------


def test_a_program_renamed_pdf_refuses_the_whole_letter_no_number_no_file_no_delivery(
        app, office, sender, three_hundred_schools, login_as):
    before = _stored_files(app)
    page = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "school_ids": [three_hundred_schools[0].id], "action": "send",
        "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id]),
        **_files(("หนังสือเชิญ.pdf", PDF, "หนังสือเชิญประชุม"), ("กำหนดการ.pdf", PROGRAM, "กำหนดการประชุม"))},
        content_type="multipart/form-data")

    assert page.status_code == 200
    assert "กำหนดการ.pdf is a program or script" in page.get_data(as_text=True)
    _nothing_saved()
    assert _stored_files(app) == before  # neither the good file nor the program stayed on disk
    assert services.peek_next("outgoing", "office") == 1

    response = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "school_ids": [three_hundred_schools[0].id], "action": "send",
        "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id]),
        **_files(("หนังสือเชิญ.pdf", PDF, "หนังสือเชิญประชุม"))}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(Letter.number)) == 1  # the refused letter took no number


def test_ten_files_each_with_its_description_are_kept_with_the_letter(office, sender, three_hundred_schools, login_as):
    files = [(f"เอกสารแนบ {n}.pdf" if n % 2 else f"ภาพ {n}.png", PDF if n % 2 else _png(), f"เอกสารแนบลำดับที่ {n}")
             for n in range(1, 11)]
    response = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "all_schools": "y", "action": "send", "confirmed": _fingerprint(sender, all_schools=True),
        **_files(*files)}, content_type="multipart/form-data")

    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    kept = db.session.execute(select(Attachment.original_name, Attachment.description, Attachment.audit_downloads)
                              .where(Attachment.record_type == "letter", Attachment.record_id == letter.id)
                              .order_by(Attachment.id)).all()
    assert [(name, description) for name, description, _audited in kept] == [(n, d) for n, _c, d in files]
    assert not any(audited for _n, _d, audited in kept)
    assert _count(Delivery) == 300


def test_an_eleventh_file_or_a_file_without_description_is_refused(office, sender, three_hundred_schools, login_as):
    client = login_as(sender)
    base = {**_letter(), "school_ids": [three_hundred_schools[0].id], "action": "send",
            "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id])}
    eleven = client.post(COMPOSE.format(kind="outgoing", scope="office"), content_type="multipart/form-data", data={
        **base, **_files(*[(f"{n}.pdf", PDF, f"ไฟล์ {n}") for n in range(11)])})
    assert "At most 10 files can be attached here." in eleven.get_data(as_text=True)
    undescribed = client.post(COMPOSE.format(kind="outgoing", scope="office"), content_type="multipart/form-data",
                              data={**base, **_files(("คำสั่ง.pdf", PDF, "  "))})
    assert "Describe each attached file: คำสั่ง.pdf has no description." in undescribed.get_data(as_text=True)
    _nothing_saved()


def test_the_office_setting_decides_which_types_and_how_large(office, sender, three_hundred_schools, login_as):
    save_settings("correspondence", {"attachments_types": ["pdf"], "attachments_max_mb": 1})
    db.session.commit()
    client = login_as(sender)
    base = {**_letter(), "school_ids": [three_hundred_schools[0].id], "action": "send",
            "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id])}
    image = client.post(COMPOSE.format(kind="outgoing", scope="office"), content_type="multipart/form-data",
                        data={**base, **_files(("แผนที่.png", _png(), "แผนที่"))}).get_data(as_text=True)
    assert "แผนที่.png: this type of file cannot be attached here. Allowed types: pdf." in image
    large = client.post(COMPOSE.format(kind="outgoing", scope="office"), content_type="multipart/form-data",
                        data={**base, **_files(("ใหญ่.pdf", PDF + b"0" * (1024 * 1024), "ไฟล์ใหญ่"))})
    assert "ใหญ่.pdf is larger than 1 MB." in large.get_data(as_text=True)
    _nothing_saved()
    assert sending.upload_policy(secret=True).audit_downloads and sending.upload_policy(secret=True).allowed == {"pdf"}


def test_the_settings_form_names_the_keys_the_policy_reads_and_refuses_fewer_than_ten_files(app):
    assert set(SendingSettingsForm().data) == set(settings.SETTINGS_DEFAULTS)
    assert settings.validate_settings(dict(settings.SETTINGS_DEFAULTS)) == []
    assert sending.LETTER_POLICY.max_count == 10 and sending.LETTER_POLICY.max_bytes == 20 * 1024 * 1024
    assert sending.LETTER_POLICY.allowed == {"doc", "docx", "xls", "xlsx", "pdf", "jpg", "png", "gif", "zip", "rar"}
    with app.test_request_context():
        assert settings.validate_settings({**settings.SETTINGS_DEFAULTS, "attachments_max_count": 5}) == [
            "A letter must be able to carry at least 10 files."]
        too_much = settings.validate_settings({**settings.SETTINGS_DEFAULTS, "attachments_max_count": 50})
        assert len(too_much) == 1 and "more than the server accepts" in too_much[0]


# --- numbers typed, secrecy, permissions ---------------------------------------------------------------------


def test_a_letter_numbered_elsewhere_keeps_its_typed_number_and_still_takes_a_line(
        office, sender, three_hundred_schools, login_as):
    response = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(typed_number="ศธ 04183/2631"), "school_ids": [three_hundred_schools[0].id], "action": "send",
        "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id])}, content_type="multipart/form-data")
    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    assert (letter.register.kind, letter.number, letter.sender_ref) == ("outgoing", 1, "ศธ 04183/2631")
    assert sending.number_on_letter(letter) == "ศธ 04183/2631"
    assert db.session.scalar(select(Notification.title)).startswith("Letter ศธ 04183/2631:")


def test_a_secret_letter_goes_only_to_named_people_who_become_its_readers(
        office, sender, three_hundred_schools, login_as):
    client = login_as(sender)
    refused = client.post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(secrecy="secret"), "school_ids": [three_hundred_schools[0].id], "person_ids": [office.reader.id],
        "action": "send", "confirmed": _fingerprint(sender, school_ids=[three_hundred_schools[0].id],
                                                    person_ids=[office.reader.id])},
        content_type="multipart/form-data")
    assert "A secret letter is sent only to named people." in refused.get_data(as_text=True)
    _nothing_saved()

    sent = client.post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(secrecy="secret"), "person_ids": [office.reader.id], "action": "send",
        "confirmed": _fingerprint(sender, person_ids=[office.reader.id]),
        **_files(("รายงานลับ.pdf", PDF, "รายงานผลการสอบสวน"))}, content_type="multipart/form-data")
    assert sent.status_code == 302
    letter = db.session.scalar(select(Letter))
    assert letter.register.kind == "secret" and letter.secrecy == "secret"
    assert db.session.scalars(select(Delivery.person_id)).all() == [office.reader.id]
    assert db.session.scalars(select(SecretReader.person_id)).all() == [office.reader.id]
    assert db.session.scalar(select(Attachment.audit_downloads))  # its file's downloads are audited
    (note,) = db.session.scalars(select(Notification)).all()
    assert note.person_id == office.reader.id and letter.subject not in note.title  # the subject stays in Khet


def test_a_secret_letter_needs_the_secret_register_permission(office, grant, make_person, login_as, make_school):
    school = make_school()
    clerk = make_person(first_name="เสมียน")
    grant("correspondence.register", to=clerk)
    grant("correspondence.send", to=clerk)
    page = login_as(clerk).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(secrecy="secret"), "person_ids": [office.reader.id], "action": "send",
        "confirmed": _fingerprint(clerk, person_ids=[office.reader.id])}, content_type="multipart/form-data")
    assert "You may not send letters of this register." in page.get_data(as_text=True)
    assert school.id  # the school is there to be chosen, and was not
    _nothing_saved()


def test_composing_needs_the_send_permission_where_one_keeps_the_register(office, login_as):
    assert login_as(office.group_clerk).get(COMPOSE.format(kind="outgoing", scope=f"group:{office.planning.id}")
                                            ).status_code == 403  # keeps the register, may not send
    assert login_as(office.outsider).get(COMPOSE.format(kind="outgoing", scope="office")).status_code == 403
    assert login_as(office.registry_clerk).get(COMPOSE.format(kind="incoming", scope="office")).status_code == 404


def test_a_school_clerk_sends_to_an_office_group_whose_register_keepers_are_told(
        office, make_school, make_person, grant, login_as):
    clerk = make_person(first_name="ครูธุรการ")
    school = make_school(name="โรงเรียนบ้านโนนสูง", clerks=[clerk])
    member_without_register = make_person(first_name="สมศรี", group=office.planning)
    page = login_as(clerk).get(COMPOSE.format(kind="outgoing", scope=f"school:{school.id}"))
    assert page.status_code == 200 and 'value="โรงเรียนบ้านโนนสูง"' in page.get_data(as_text=True)  # from: the school

    response = login_as(clerk).post(COMPOSE.format(kind="outgoing", scope=f"school:{school.id}"), data={
        **_letter(from_text=school.name), "group_ids": [office.planning.id], "action": "send",
        "confirmed": _fingerprint(clerk, group_ids=[office.planning.id])}, content_type="multipart/form-data")
    assert response.status_code == 302
    letter = db.session.scalar(select(Letter))
    assert letter.register.school_id == school.id and letter.number == 1
    told = db.session.scalars(select(Notification.person_id)).all()
    assert told == [office.group_clerk.id]  # the group's register keeper, not every member
    assert member_without_register.id not in told


def test_the_compose_page_offers_schools_grouped_by_network_with_a_filter(office, sender, three_hundred_schools,
                                                                          login_as):
    page = login_as(sender).get(COMPOSE.format(kind="circular", scope="office")).get_data(as_text=True)
    assert page.count('name="school_ids"') == 300
    assert page.index("เครือข่ายที่ 1") < page.index("เครือข่ายที่ 2") < page.index("เครือข่ายที่ 3")
    assert "data-filter" in page and "data-picker-tools hidden" in page  # the filter shows only with JavaScript
    assert "attachments-0-file" not in page  # files come after the recipients are checked
    start = login_as(sender).get("/correspondence/compose").get_data(as_text=True)
    assert "/correspondence/compose/circular/office" in start


# --- saved recipient lists ------------------------------------------------------------------------------------


@pytest.fixture
def second_sender(office, grant, make_person):
    person = make_person(first_name="อรุณี", group=office.planning)
    grant("correspondence.register", to=person)
    grant("correspondence.send", to=person)
    return person


def test_a_private_list_is_its_owner_s_alone(office, sender, second_sender, three_hundred_schools, login_as):
    chosen = [s.id for s in three_hundred_schools[:5]]
    response = login_as(sender).post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "school_ids": chosen, "person_ids": [office.reader.id], "list_name": "โรงเรียนนำร่อง",
        "action": "save_list"}, content_type="multipart/form-data")
    assert "The recipients are kept as the list โรงเรียนนำร่อง." in response.get_data(as_text=True)
    saved = db.session.scalar(select(RecipientList))
    assert (saved.owner_id, saved.shared) == (sender.id, False)
    assert saved.members["school_ids"] == sorted(chosen) and saved.members["person_ids"] == [office.reader.id]
    assert _count(Letter) == 0  # keeping a list sends nothing

    other = login_as(second_sender)
    assert "โรงเรียนนำร่อง" not in other.get("/correspondence/recipient-lists").get_data(as_text=True)
    used = other.post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "recipient_list_ids": [saved.id], "action": "preview"}, content_type="multipart/form-data")
    assert "data-resolved-school" not in used.get_data(as_text=True)  # not a valid choice for them
    assert other.post(f"/correspondence/recipient-lists/{saved.id}/delete").status_code == 404
    assert db.session.get(RecipientList, saved.id) is not None


def test_a_shared_list_is_used_by_others_and_deleted_only_by_its_owner(office, sender, second_sender,
                                                                       three_hundred_schools, login_as):
    network_id = three_hundred_schools[0].network_id
    saved = sending.save_recipient_list("ทุกโรงเรียนเครือข่าย 1 และกลุ่มนโยบาย",
                                        Recipients(network_ids=[network_id], group_ids=[office.planning.id]),
                                        sender, shared=True)
    other = login_as(second_sender)
    assert "ทุกโรงเรียนเครือข่าย 1 และกลุ่มนโยบาย" in other.get("/correspondence/recipient-lists").get_data(as_text=True)
    fingerprint = sending.resolve(Recipients(), second_sender, [saved.id]).fingerprint
    response = other.post(COMPOSE.format(kind="outgoing", scope="office"), data={
        **_letter(), "recipient_list_ids": [saved.id], "action": "send", "confirmed": fingerprint},
        content_type="multipart/form-data")
    assert response.status_code == 302
    in_network = {s.id for s in three_hundred_schools if s.network_id == network_id}
    assert set(db.session.scalars(select(Delivery.school_id).where(Delivery.school_id.is_not(None)))) == in_network
    assert db.session.scalars(select(Delivery.group_id).where(Delivery.group_id.is_not(None))).all() == [
        office.planning.id]

    other.post(f"/correspondence/recipient-lists/{saved.id}/delete")
    assert db.session.get(RecipientList, saved.id) is not None  # not theirs to delete
    login_as(sender).post(f"/correspondence/recipient-lists/{saved.id}/delete")
    assert db.session.get(RecipientList, saved.id) is None


def test_a_shared_list_cannot_name_a_private_school_list(office, sender, login_as, make_school):
    from core.api import SchoolList

    private = SchoolList(name="โรงเรียนที่ต้องติดตาม", owner_id=sender.id, shared=False, schools=[make_school()])
    db.session.add(private)
    db.session.commit()
    with pytest.raises(services.CorrespondenceError, match="cannot name a private school list"):
        sending.save_recipient_list("ติดตาม", Recipients(school_list_ids=[private.id]), sender, shared=True)
    db.session.rollback()
    assert sending.save_recipient_list("ติดตาม", Recipients(school_list_ids=[private.id]), sender).shared is False


def test_group_members_who_keep_its_register_are_told(office, make_person, sender):
    """People told about a delivery to a group are its members holding the register permission for it."""
    assert {m.person_id for m in db.session.scalars(select(GroupMembership))} >= {office.group_clerk.id}
    letter = services.register_letter(services.register_for("outgoing"), services.LetterFields(subject="แจ้งเวียน"),
                                      sender)
    made = sending.send_letter(letter, Recipients(group_ids=[office.planning.id]), sender)
    assert [p.id for p in sending.people_to_tell(made)] == [office.group_clerk.id]


# --- in a browser, on a phone ---------------------------------------------------------------------------------


@pytest.mark.browser
def test_on_a_phone_the_clerk_filters_300_schools_checks_the_list_attaches_a_file_and_sends(
        chromium, office, sender, three_hundred_schools, live_server, screenshots, tmp_path):
    set_password(sender, "สารบรรณ-2569-ทดสอบ")
    db.session.commit()
    (tmp_path / "หนังสือเชิญ.pdf").write_bytes(PDF)
    phone = BrowserSession(chromium, live_server, screenshots, "correspondence-compose", phone=True)
    page = phone.page
    try:
        phone.sign_in(sender.username, "สารบรรณ-2569-ทดสอบ")
        page.goto(COMPOSE.format(kind="circular", scope="office"))
        page.fill("#subject", "ขอเชิญประชุมผู้บริหารสถานศึกษา")
        schools = page.locator("[data-picker-schools]")
        schools.locator("summary").click()
        schools.locator("[data-filter]").fill("โขงเจียม")  # schools 010 to 019
        assert schools.locator(".khet-pick-row:visible").count() == 10
        assert schools.locator("[data-pick-group]:visible").count() == 3
        schools.locator("[data-select-visible]").click()
        assert schools.locator("[data-chosen-count]").inner_text() == "10"
        phone.fits_the_screen()
        with page.expect_navigation():
            page.get_by_role("button", name="Check the recipients").click()

        assert page.locator("[data-resolved]").get_attribute("data-count") == "10"
        phone.shot("checked")
        page.set_input_files("input[name='attachments-0-file']", str(tmp_path / "หนังสือเชิญ.pdf"))
        page.fill("input[name='attachments-0-description']", "หนังสือเชิญประชุม")
        with page.expect_navigation():
            page.locator("[data-send]").click()
        assert "/correspondence/letters/" in page.url
        assert phone.problems == []
    finally:
        phone.close()
    db.session.commit()  # a fresh snapshot: the server wrote it
    sent_to = db.session.scalars(select(School.name).join(Delivery, Delivery.school_id == School.id)).all()
    assert sorted(sent_to) == [f"โรงเรียนบ้านหนองบัว {n:03d}" for n in range(10, 20)]
    assert db.session.scalar(select(Attachment.description)) == "หนังสือเชิญประชุม"


def test_the_files_are_checked_and_stored_before_the_number_is_taken(office, sender, make_school, letter_fields,
                                                                     monkeypatch):
    """Issue 16: the register's series stayed locked while the files were checked and stored (~1 s per compose).
    The files are staged first; the number is taken after; the files end up the letter's, in one transaction."""
    from core.api import attachments, numbers
    from plugins.correspondence.services import sending

    school = make_school(name="โรงเรียนบ้านแนบไฟล์")
    staged_when_numbered = []
    real_take_number = numbers.take_number

    def take_number(*args, **kwargs):
        staged_when_numbered.append(db.session.scalar(select(func.count(Attachment.id))))
        return real_take_number(*args, **kwargs)

    monkeypatch.setattr(numbers, "take_number", take_number)
    letter, _made = sending.compose_and_send(
        "outgoing", {"group": None, "school": None}, letter_fields("ส่งกำหนดการ"), Recipients(school_ids=[school.id]),
        sender, files=[sending.Attached(name="กำหนดการ.pdf", stream=io.BytesIO(PDF), description="กำหนดการ"),
                       sending.Attached(name="แผนที่.png", stream=io.BytesIO(_png()), description="แผนที่")])
    assert staged_when_numbered == [2]  # both files were staged before the number was taken
    kept = attachments.attachments_of(("correspondence", "letter", letter.id))
    assert sorted(f.original_name for f in kept) == ["กำหนดการ.pdf", "แผนที่.png"]
    assert attachments.attachments_of(("correspondence", sending.PENDING_FILES, 0)) == []
    with attachments.open_file(kept[0]) as stored:
        assert stored.read()[:4] in (b"%PDF", b"\x89PNG")
