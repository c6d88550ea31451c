"""Receipt tracking: the sender's receipt page, reminding those who have not received, the follow-up list, cron."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from core.api import Notification, Person, School, SchoolMembership, db, utcnow
from plugins.correspondence import services
from plugins.correspondence.cli import remind_command
from plugins.correspondence.models import Delivery
from plugins.correspondence.services import inbox, sending, tracking
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

REMINDER = tracking.EVENT_NOT_RECEIVED


@pytest.fixture
def schools(app):
    """Three hundred active schools, each with one clerk (inserted in one transaction: this is about reading them)."""
    clerks = [Person(first_name=f"ธุรการ{n:03d}", last_name="ใจดี") for n in range(300)]
    made = [School(code=f"7{n:07d}", name=f"โรงเรียนบ้านติดตาม {n:03d}") for n in range(300)]
    db.session.add_all(clerks + made)
    db.session.flush()
    db.session.add_all(SchoolMembership(school_id=s.id, person_id=c.id, role="clerk") for s, c in zip(made, clerks))
    db.session.commit()
    return made


def _clerk_of(school):
    return next(m.person for m in school.memberships if m.role == "clerk")


def _reminded_people() -> list[int]:
    return sorted(db.session.scalars(select(Notification.person_id).where(Notification.event == REMINDER)))


@pytest.fixture
def circular(office, grant, letter_fields):
    grant("correspondence.send", to=office.registry_clerk)

    def make(subject="การประชุมผู้บริหารสถานศึกษา", sent=None, **values):
        sent = sent or utcnow() - dt.timedelta(days=5)
        return services.register_letter(services.register_for("circular"), letter_fields(subject, **values),
                                        office.registry_clerk, now=sent)

    return make


def _send(letter, recipients, by, sent=None):
    sending.send_letter(letter, recipients, by, now=sent or letter.registered_at)
    return sending.deliveries_of(letter)


def test_sent_to_300_schools_2_receive_the_receipt_page_shows_two_ticks_with_times_and_298_crosses(
        office, schools, circular, login_as):
    letter = circular(sent=dt.datetime(2026, 7, 1, 1, 0))
    _send(letter, Recipients(all_schools=True), office.registry_clerk)
    first, second = schools[41], schools[250]
    at = {first.id: dt.datetime(2026, 7, 1, 2, 57, 26), second.id: dt.datetime(2026, 7, 2, 1, 5, 0)}
    for school in (first, second):
        inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == school.id)), _clerk_of(school),
                      now=at[school.id])

    page = login_as(office.registry_clerk).get(f"/correspondence/letters/{letter.id}/receipts").get_data(as_text=True)

    ticks = re.findall(r"<td class=\"khet-card-title\">([^<]+)</td>\s*<td class=\"text-success\" data-received>✓ ([^<]+)</td>", page)
    assert sorted(name for name, _when in ticks) == sorted([first.name, second.name])
    assert page.count("data-not-received") == 298
    when_first = dict(ticks)[first.name]
    assert "09:57:26" in when_first and _clerk_of(first).full_name in when_first  # 02:57:26 UTC is 09:57:26 in Bangkok
    assert "08:05:00" in dict(ticks)[second.name] and _clerk_of(second).full_name in dict(ticks)[second.name]
    assert re.search(r'data-count-received>\s*2<', page) and re.search(r'data-count-waiting>\s*298<', page)


def test_the_receipt_page_filters_received_and_not_received(office, schools, circular, login_as):
    letter = circular()
    _send(letter, Recipients(school_ids=[s.id for s in schools[:5]]), office.registry_clerk)
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == schools[2].id)), _clerk_of(schools[2]))
    client = login_as(office.registry_clerk)
    received = client.get(f"/correspondence/letters/{letter.id}/receipts?show=received").get_data(as_text=True)
    waiting = client.get(f"/correspondence/letters/{letter.id}/receipts?show=unreceived").get_data(as_text=True)
    assert received.count("data-received") == 1 and "data-not-received" not in received and schools[2].name in received
    assert waiting.count("data-not-received") == 4 and "data-received>" not in waiting
    assert schools[2].name not in waiting


def test_the_letter_page_shows_counts_and_links_to_the_receipts_instead_of_300_rows(
        office, schools, circular, login_as):
    letter = circular()
    _send(letter, Recipients(all_schools=True), office.registry_clerk)
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == schools[0].id)), _clerk_of(schools[0]))
    page = login_as(office.registry_clerk).get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)
    assert "1 of 300 received" in page
    assert f"/correspondence/letters/{letter.id}/receipts" in page
    assert "data-not-received" not in page and schools[1].name not in page


def test_only_the_keepers_of_the_register_see_receipts_or_remind(office, schools, circular, login_as):
    letter = circular()
    _send(letter, Recipients(school_ids=[schools[0].id, schools[1].id]), office.registry_clerk)
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == schools[0].id)), _clerk_of(schools[0]))
    for person in (office.director, _clerk_of(schools[0]), office.group_clerk):  # a reader, a recipient, another group
        client = login_as(person)
        assert client.get(f"/correspondence/letters/{letter.id}/receipts").status_code == 403
        assert client.post(f"/correspondence/letters/{letter.id}/receipts/remind").status_code == 403
    assert _reminded_people() == []
    assert db.session.scalar(select(func.sum(Delivery.reminder_count))) == 0


def test_remind_tells_exactly_the_laggards_and_not_twice_within_a_day(office, schools, circular, login_as):
    letter = circular()
    _send(letter, Recipients(all_schools=True), office.registry_clerk)
    for school in schools[:2]:
        inbox.receive(db.session.scalar(select(Delivery).where(Delivery.school_id == school.id)), _clerk_of(school))
    client = login_as(office.registry_clerk)

    response = client.post(f"/correspondence/letters/{letter.id}/receipts/remind", follow_redirects=True)
    assert "298 recipients have been reminded." in response.get_data(as_text=True)
    assert _reminded_people() == sorted(_clerk_of(s).id for s in schools[2:])
    reminded = db.session.scalars(select(Delivery).where(Delivery.reminder_count > 0)).all()
    assert len(reminded) == 298 and all(d.received_at is None and d.reminded_at is not None for d in reminded)

    again = client.post(f"/correspondence/letters/{letter.id}/receipts/remind", follow_redirects=True)
    assert "298 recipients were already reminded in the last 24 hours" in again.get_data(as_text=True)
    assert len(_reminded_people()) == 298
    assert db.session.scalar(select(func.max(Delivery.reminder_count))) == 1


def test_a_reminder_links_the_recipient_to_the_letter_waiting_for_them(office, schools, circular):
    letter = circular(subject="ขอเชิญประชุมด่วน")
    (delivery,) = _send(letter, Recipients(school_ids=[schools[7].id]), office.registry_clerk)
    tracking.remind_letter(letter, office.registry_clerk)
    note = db.session.scalar(select(Notification).where(Notification.event == REMINDER))
    assert note.person_id == _clerk_of(schools[7]).id
    assert note.link == f"/correspondence/deliveries/{delivery.id}"
    assert "ขอเชิญประชุมด่วน" in note.title and "ศธ 04183/ว 1" in note.body


def test_a_group_is_reminded_through_its_correspondence_keepers_and_a_person_directly(
        office, circular, make_person):
    plain_member = make_person(first_name="สมาชิก", group=office.planning)
    letter = circular()
    _send(letter, Recipients(group_ids=[office.planning.id], person_ids=[office.reader.id]), office.registry_clerk)
    result = tracking.remind_letter(letter, office.registry_clerk)
    assert result.reminded == 2
    assert _reminded_people() == sorted([office.group_clerk.id, office.reader.id])
    assert plain_member.id not in _reminded_people()


def test_a_school_without_a_clerk_is_reported_not_silently_marked_reminded(office, circular, make_school):
    lonely = make_school(name="โรงเรียนไม่มีธุรการ")
    letter = circular()
    _send(letter, Recipients(school_ids=[lonely.id]), office.registry_clerk)
    result = tracking.remind_letter(letter, office.registry_clerk)
    assert (result.reminded, result.nobody) == (0, 1)
    assert db.session.scalar(select(Delivery.reminded_at)) is None


def test_a_secret_letter_reminder_does_not_carry_its_subject(office, letter_fields):
    letter = services.register_letter(services.register_for("secret"), letter_fields("เรื่องลับเฉพาะ", secrecy="secret"),
                                      office.registry_clerk, readers=[office.reader],
                                      now=utcnow() - dt.timedelta(days=4))
    _send(letter, Recipients(person_ids=[office.reader.id]), office.registry_clerk)
    tracking.remind_letter(letter, office.registry_clerk)
    note = db.session.scalar(select(Notification).where(Notification.event == REMINDER))
    assert note.person_id == office.reader.id
    assert "เรื่องลับเฉพาะ" not in note.title + note.body


# --- not received after N days ----------------------------------------------------------


def test_follow_up_lists_letters_with_laggards_after_the_days_chosen(office, schools, circular, login_as):
    old = circular("หนังสือเก่าห้าวัน", sent=utcnow() - dt.timedelta(days=5))
    recent = circular("หนังสือเมื่อวาน", sent=utcnow() - dt.timedelta(days=1))
    done = circular("หนังสือที่รับครบแล้ว", sent=utcnow() - dt.timedelta(days=6))
    _send(old, Recipients(school_ids=[s.id for s in schools[:3]]), office.registry_clerk)
    _send(recent, Recipients(school_ids=[s.id for s in schools[:3]]), office.registry_clerk)
    (only,) = _send(done, Recipients(school_ids=[schools[5].id]), office.registry_clerk)
    inbox.receive(only, _clerk_of(schools[5]))
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.letter_id == old.id,
                                                           Delivery.school_id == schools[0].id)), _clerk_of(schools[0]))
    client = login_as(office.registry_clerk)

    default = client.get("/correspondence/follow-up").get_data(as_text=True)  # 3 days
    assert "หนังสือเก่าห้าวัน" in default and "หนังสือเมื่อวาน" not in default and "หนังสือที่รับครบแล้ว" not in default
    assert 'data-waiting="2"' in default and schools[1].name in default and schools[2].name in default
    assert schools[0].name not in default

    one_day = client.get("/correspondence/follow-up?days=1").get_data(as_text=True)
    assert "หนังสือเก่าห้าวัน" in one_day and "หนังสือเมื่อวาน" in one_day

    refused = client.get("/correspondence/follow-up?days=abc")
    assert refused.status_code == 400 and "data-follow-up>" not in refused.get_data(as_text=True)


def test_follow_up_shows_a_group_clerk_only_their_groups_letters(office, schools, letter_fields, grant, circular,
                                                                 login_as):
    registry_letter = circular("หนังสือของสารบรรณกลาง")
    group_letter = services.register_letter(services.register_for("outgoing", group=office.planning),
                                            letter_fields("หนังสือของกลุ่มนโยบาย"), office.group_clerk,
                                            now=utcnow() - dt.timedelta(days=5))
    for letter in (registry_letter, group_letter):
        _send(letter, Recipients(school_ids=[schools[0].id]), office.registry_clerk)
    group_page = login_as(office.group_clerk).get("/correspondence/follow-up").get_data(as_text=True)
    assert "หนังสือของกลุ่มนโยบาย" in group_page and "หนังสือของสารบรรณกลาง" not in group_page
    registry_page = login_as(office.registry_clerk).get("/correspondence/follow-up").get_data(as_text=True)
    assert "หนังสือของกลุ่มนโยบาย" in registry_page and "หนังสือของสารบรรณกลาง" in registry_page
    assert login_as(office.director).get("/correspondence/follow-up").status_code == 403  # reads, sends nothing


def test_remind_one_letter_or_all_from_the_follow_up_page(office, schools, circular, login_as):
    first = circular("หนังสือฉบับแรก")
    second = circular("หนังสือฉบับที่สอง")
    fresh = circular("หนังสือส่งวันนี้", sent=utcnow())
    _send(first, Recipients(school_ids=[schools[0].id, schools[1].id]), office.registry_clerk)
    _send(second, Recipients(school_ids=[schools[2].id]), office.registry_clerk)
    _send(fresh, Recipients(school_ids=[schools[3].id]), office.registry_clerk)
    client = login_as(office.registry_clerk)

    response = client.post(f"/correspondence/letters/{first.id}/receipts/remind", data={"days": 3, "back": "follow_up"})
    assert response.status_code == 302 and "/correspondence/follow-up?days=3" in response.headers["Location"]
    assert _reminded_people() == sorted([_clerk_of(schools[0]).id, _clerk_of(schools[1]).id])

    page = client.post("/correspondence/follow-up/remind", data={"days": 3}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "1 recipient has been reminded." in page and "2 recipients were already reminded" in page
    assert _reminded_people() == sorted(_clerk_of(s).id for s in schools[:3])  # not the letter sent today

    refused = client.post("/correspondence/follow-up/remind", data={"days": -1}, follow_redirects=True)
    assert "The number of days is a whole number from 0 to 365." in refused.get_data(as_text=True)
    assert len(_reminded_people()) == 3


# --- cron ------------------------------------------------------------------------------


def test_cron_reminds_laggards_older_than_n_days_once_a_day(office, schools, circular, app):
    late = circular("หนังสือค้างรับ", sent=utcnow() - dt.timedelta(days=4))
    young = circular("หนังสือใหม่", sent=utcnow() - dt.timedelta(days=1))
    late_deliveries = _send(late, Recipients(school_ids=[s.id for s in schools[:4]]), office.registry_clerk)
    _send(young, Recipients(school_ids=[s.id for s in schools[:4]]), office.registry_clerk)
    inbox.receive(late_deliveries[0], _clerk_of(schools[0]))
    runner = app.test_cli_runner()

    first = runner.invoke(remind_command, ["--days", "3"])
    assert first.exit_code == 0, first.output
    assert "reminded 3 recipient(s)" in first.output
    assert _reminded_people() == sorted(_clerk_of(s).id for s in schools[1:4])

    second = runner.invoke(remind_command, ["--days", "3"])
    assert "reminded 0 recipient(s); 3 reminded in the last 24 hours" in second.output
    assert len(_reminded_people()) == 3

    db.session.execute(update(Delivery).where(Delivery.reminded_at.is_not(None))
                       .values(reminded_at=utcnow() - dt.timedelta(hours=25)))
    db.session.commit()
    third = runner.invoke(remind_command, ["--days", "3"])
    assert "reminded 3 recipient(s)" in third.output
    assert len(_reminded_people()) == 6
    counts = db.session.scalars(select(Delivery.reminder_count).where(Delivery.letter_id == late.id))
    assert sorted(counts) == [0, 2, 2, 2]
    assert db.session.scalar(select(func.sum(Delivery.reminder_count)).where(Delivery.letter_id == young.id)) == 0


def test_cron_refuses_a_nonsense_number_of_days(app):
    result = app.test_cli_runner().invoke(remind_command, ["--days", "0"])
    assert result.exit_code != 0 and "--days" in result.output
