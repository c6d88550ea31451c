"""Dashboard cards: letters waiting for me, urgent letters not received, schools behind on yesterday's letters."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.api import db, utcnow
from plugins.correspondence import services
from plugins.correspondence.models import Assignment, Delivery
from plugins.correspondence.integrations import dashboard_cards
from plugins.correspondence.services import dashboard, inbox, sending
from plugins.correspondence.services.sending import Recipients

pytestmark = pytest.mark.khet_plugins("correspondence")

NOW = dt.datetime(2026, 7, 2, 3, 0)  # 10:00 on 2 July in Bangkok: "yesterday" is 1 July


@pytest.fixture
def schools(make_school, make_person):
    return [make_school(name=f"โรงเรียนบ้านแดชบอร์ด {n}", clerks=[make_person(first_name=f"ธุรการ{n}")])
            for n in range(4)]


def _clerk_of(school):
    return next(m.person for m in school.memberships if m.role == "clerk")


@pytest.fixture
def send(office, grant, letter_fields):
    grant("correspondence.send", to=office.registry_clerk)

    def do(subject, recipients, when=NOW - dt.timedelta(hours=2), urgency="normal", register=None, by=None):
        by = by or office.registry_clerk
        letter = services.register_letter(register or services.register_for("outgoing"),
                                          letter_fields(subject, urgency=urgency), by, now=when)
        sending.send_letter(letter, recipients, by, now=when)
        return letter

    return do


def _card(person, title, now=NOW):
    found = [card for card in dashboard_cards(person, now=now) if str(card.title) == title]
    return found[0] if found else None


def _receive(letter, school):
    inbox.receive(db.session.scalar(select(Delivery).where(Delivery.letter_id == letter.id,
                                                           Delivery.school_id == school.id)), _clerk_of(school))


def test_letters_waiting_for_me_counts_my_unreceived_letters_and_my_open_assignments(office, schools, send):
    clerk = _clerk_of(schools[0])
    send("หนังสือหนึ่ง", Recipients(school_ids=[schools[0].id]))
    send("หนังสือสอง", Recipients(school_ids=[schools[0].id, schools[1].id]))
    _receive(send("หนังสือรับแล้ว", Recipients(school_ids=[schools[0].id])), schools[0])
    task = send("หนังสือมอบงาน", Recipients(person_ids=[office.reader.id]))
    db.session.add_all([
        Assignment(letter_id=task.id, officer_id=clerk.id, instruction="ดำเนินการ"),
        Assignment(letter_id=task.id, officer_id=clerk.id, done_at=NOW),
        Assignment(letter_id=task.id, officer_id=clerk.id, returned_at=NOW, return_reason="ผิดกลุ่ม"),
        Assignment(letter_id=task.id, officer_id=office.reader.id),
    ])
    db.session.commit()

    waiting = _card(clerk, "Letters waiting for me").context["waiting"]
    assert (waiting.unreceived, waiting.assigned) == (2, 1)
    assert {d.letter.subject for d in waiting.first_unreceived} == {"หนังสือหนึ่ง", "หนังสือสอง"}

    other = _card(_clerk_of(schools[1]), "Letters waiting for me").context["waiting"]
    assert (other.unreceived, other.assigned) == (1, 0)
    reader = _card(office.reader, "Letters waiting for me").context["waiting"]
    assert (reader.unreceived, reader.assigned) == (1, 1)


def test_urgent_letters_not_received_for_the_recipient_and_for_the_sender(office, schools, send):
    urgent = send("ด่วนที่สุดถึงโรงเรียน", Recipients(school_ids=[schools[0].id, schools[1].id]), urgency="most_urgent")
    send("ปกติถึงโรงเรียน", Recipients(school_ids=[schools[0].id]))
    everyone_has = send("ด่วนรับครบแล้ว", Recipients(school_ids=[schools[2].id]), urgency="urgent")
    _receive(everyone_has, schools[2])
    _receive(urgent, schools[1])

    to_school = _card(_clerk_of(schools[0]), "Urgent letters not received").context["urgent"]
    assert to_school.to_me == 1 and [d.letter.subject for d in to_school.first_to_me] == ["ด่วนที่สุดถึงโรงเรียน"]
    assert _card(_clerk_of(schools[1]), "Urgent letters not received") is None  # received it: nothing urgent left
    assert _card(_clerk_of(schools[3]), "Urgent letters not received") is None  # never sent one

    for_sender = _card(office.registry_clerk, "Urgent letters not received").context["urgent"]
    assert for_sender.sent == 1 and for_sender.to_me == 0
    assert [(letter.subject, waiting) for letter, waiting in for_sender.first_sent] == [("ด่วนที่สุดถึงโรงเรียน", 1)]
    assert _card(office.group_clerk, "Urgent letters not received") is None  # the registry's letter, not the group's


def test_schools_that_have_not_received_yesterdays_letters(office, schools, send):
    late_evening = send("ส่งเมื่อวานสี่ทุ่มครึ่ง", Recipients(school_ids=[s.id for s in schools[:3]]),
                        when=dt.datetime(2026, 7, 1, 16, 30))  # 23:30 on 1 July in Bangkok
    send("ส่งเมื่อวานเช้า", Recipients(school_ids=[schools[0].id]), when=dt.datetime(2026, 7, 1, 2, 0))
    send("ส่งวันนี้เที่ยงคืนครึ่ง", Recipients(school_ids=[schools[3].id]),
         when=dt.datetime(2026, 7, 1, 17, 30))  # 00:30 on 2 July: today
    send("ส่งเมื่อวานซืน", Recipients(school_ids=[schools[3].id]), when=dt.datetime(2026, 6, 30, 3, 0))
    _receive(late_evening, schools[1])

    behind = _card(office.registry_clerk, "Schools that have not received yesterday's letters").context["behind"]
    assert behind.day == dt.date(2026, 7, 1)
    assert behind.schools == 2
    assert [(school.name, letters) for school, letters in behind.first] == [(schools[0].name, 2), (schools[2].name, 1)]

    assert _card(office.reader, "Schools that have not received yesterday's letters") is None  # sends nothing
    group_view = _card(office.group_clerk, "Schools that have not received yesterday's letters").context["behind"]
    assert group_view.schools == 0  # the registry's letters are not the group's


def test_the_home_page_shows_each_person_their_own_cards(office, schools, send, login_as):
    now = utcnow()
    send("หนังสือด่วนสำหรับโรงเรียนศูนย์", Recipients(school_ids=[schools[0].id]), urgency="urgent",
         when=now - dt.timedelta(days=1))
    send("หนังสือสำหรับโรงเรียนหนึ่ง", Recipients(school_ids=[schools[1].id]), when=now - dt.timedelta(hours=1))

    page = login_as(_clerk_of(schools[0])).get("/").get_data(as_text=True)
    assert "Letters waiting for me" in page and "Urgent letters not received" in page
    assert "หนังสือด่วนสำหรับโรงเรียนศูนย์" in page and "หนังสือสำหรับโรงเรียนหนึ่ง" not in page
    assert 'data-unreceived-count="1"' in page

    other = login_as(_clerk_of(schools[1])).get("/").get_data(as_text=True)
    assert "หนังสือสำหรับโรงเรียนหนึ่ง" in other and "หนังสือด่วนสำหรับโรงเรียนศูนย์" not in other
    assert "Urgent letters not received" not in other

    registry = login_as(office.registry_clerk).get("/").get_data(as_text=True)
    assert "data-card-yesterday" in registry and "Schools that have not received yesterday" in registry
    assert 'data-urgent-sent="1"' in registry


def test_a_secret_letter_is_not_counted_for_someone_not_named(office, letter_fields):
    letter = services.register_letter(services.register_for("secret"), letter_fields("ลับ", secrecy="secret"),
                                      office.registry_clerk, readers=[office.reader], now=NOW)
    sending.send_letter(letter, Recipients(person_ids=[office.reader.id]), office.registry_clerk, now=NOW)
    db.session.add(Assignment(letter_id=letter.id, officer_id=office.outsider.id))
    db.session.commit()
    assert _card(office.outsider, "Letters waiting for me").context["waiting"].assigned == 0
    assert _card(office.reader, "Letters waiting for me").context["waiting"].unreceived == 1


def test_a_card_lists_the_first_few_and_counts_them_all(office, schools, send):
    """The list and its total come from one query (a window count); the total is not cut by the list's limit."""
    clerk = _clerk_of(schools[0])
    for n in range(dashboard.SHOWN + 2):
        send(f"หนังสือที่ {n}", Recipients(school_ids=[schools[0].id]), urgency="urgent")
    waiting = _card(clerk, "Letters waiting for me").context["waiting"]
    assert (waiting.unreceived, len(waiting.first_unreceived)) == (dashboard.SHOWN + 2, dashboard.SHOWN)
    urgent = _card(office.registry_clerk, "Urgent letters not received").context["urgent"]
    assert (urgent.sent, len(urgent.first_sent)) == (dashboard.SHOWN + 2, dashboard.SHOWN)
    assert all(waiting_here == 1 for _letter, waiting_here in urgent.first_sent)


def test_routed_letters_waiting_for_the_group_clerk_and_the_director_count_on_the_card(
        office, make_person, letter_fields, login_as):
    """Issue 16: the group clerk and the director were told "no letters wait" while a routed letter waited for them
    (only "My letters" showed it): the card counts letters to present, to instruct on and returned to me."""
    from plugins.correspondence.services import routing

    director = make_person(first_name="อำนวย", group=office.planning, director=True)
    letter = services.register_letter(services.register_for("incoming"), letter_fields("ขอข้อมูลนักเรียนออกกลางคัน"),
                                      office.registry_clerk)
    routing.forward(letter, office.planning, office.registry_clerk)

    clerk_card = _card(office.group_clerk, "Letters waiting for me").context["waiting"]
    assert (clerk_card.to_present, clerk_card.to_instruct) == (1, 0)
    assert [row[1].subject for row in clerk_card.first_to_present] == ["ขอข้อมูลนักเรียนออกกลางคัน"]
    page = login_as(office.group_clerk).get("/").get_data(as_text=True)
    assert 'data-to-present-count="1"' in page and "No letters wait for you." not in page

    routing.present(letter, office.group_clerk)
    assert _card(office.group_clerk, "Letters waiting for me").context["waiting"].to_present == 0
    director_card = _card(director, "Letters waiting for me").context["waiting"]
    assert (director_card.to_instruct, director_card.to_present) == (1, 0)
    page = login_as(director).get("/").get_data(as_text=True)
    assert 'data-to-instruct-count="1"' in page and "No letters wait for you." not in page

    routing.return_letter(letter, director, reason="ไม่ใช่งานของกลุ่ม")
    assert _card(director, "Letters waiting for me").context["waiting"].to_instruct == 0
    assert _card(office.group_clerk, "Letters waiting for me").context["waiting"].any
