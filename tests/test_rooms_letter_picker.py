"""The booking form links the letter a meeting answers through core's record picker: found by number or subject,
shown by its number and subject, never as Khet's bare id.

Here rather than in plugins/rooms/tests: it makes a letter through the correspondence module, which a module's
own tests may not import (tests/test_module_shape.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import db
from plugins.rooms.models import Booking
from plugins.rooms.tests.helpers import next_weekday

pytestmark = pytest.mark.khet_plugins("rooms", "correspondence")


@pytest.fixture(autouse=True)
def _in_english(english_messages):
    """Messages are read by their English ids."""


@pytest.fixture
def people(make_person, make_group, grant):
    from types import SimpleNamespace

    planning = make_group(name="กลุ่มนโยบายและแผน")
    grant("rooms.book", to=planning)
    return SimpleNamespace(booker=make_person(first_name="สมชาย", group=planning),
                           colleague=make_person(first_name="สมหญิง", group=planning),
                           manager=make_person(first_name="กาญจนา"))


@pytest.fixture
def make_room(people, grant):
    from plugins.rooms import services
    from plugins.rooms.services import RoomFields

    grant("rooms.manage", to=people.manager)

    def make():
        room = services.save_room(None, RoomFields(name="ห้องประชุมเล็ก", capacity=12), people.manager)
        db.session.commit()
        return room

    return make


@pytest.fixture
def letter(people, make_office, grant):
    from plugins.correspondence import services as letters
    from plugins.correspondence.services import LetterFields

    make_office(letter_code="ศธ 04183")
    grant("correspondence.register", to=people.booker)
    record = letters.register_letter(letters.register_for("incoming"),
                                     LetterFields(subject="ขอเชิญประชุมคณะกรรมการติดตามงบประมาณ"), people.booker)
    db.session.commit()
    return record


def test_a_booker_finds_the_letter_by_subject_or_number_and_the_form_shows_its_title(people, make_room, login_as,
                                                                                      letter):
    from plugins.correspondence.services import printed_number

    room, day = make_room(), next_weekday(7)
    client = login_as(people.booker)
    by_subject = client.get("/links/correspondence.letter?q=ติดตามงบประมาณ").get_json()["results"]
    number = printed_number(letter)
    by_number = client.get(f"/links/correspondence.letter?q={number.split()[0]}").get_json()["results"]
    assert [r["id"] for r in by_subject] == [str(letter.id)] and str(letter.id) in [r["id"] for r in by_number]

    form = client.get("/rooms/book").get_data(as_text=True)
    assert "data-link-picker" in form and "its number in Khet" not in form
    client.post("/rooms/book", data={"room_id": room.id, "day": day.isoformat(), "start": "09:00", "end": "10:00",
                                     "title": "ประชุมติดตามงบ", "attendees": 5, "letter_id": letter.id})
    record = db.session.scalar(select(Booking))
    assert record.letter_id == letter.id
    edit = client.get(f"/rooms/bookings/{record.id}/edit").get_data(as_text=True)
    assert "data-chosen-letter" in edit and "ขอเชิญประชุมคณะกรรมการติดตามงบประมาณ" in edit and number in edit
    assert "ขอเชิญประชุมคณะกรรมการติดตามงบประมาณ" in client.get(f"/rooms/bookings/{record.id}").get_data(as_text=True)


def test_someone_who_may_not_read_the_letter_sees_neither_its_title_nor_may_link_it(people, make_room, login_as,
                                                                                   letter):
    room, day = make_room(), next_weekday(7)
    client = login_as(people.colleague)
    assert client.get("/links/correspondence.letter?q=ติดตามงบประมาณ").get_json()["results"] == []
    page = client.post("/rooms/book", data={"room_id": room.id, "day": day.isoformat(), "start": "09:00",
                                            "end": "10:00", "title": "ประชุม", "attendees": 5,
                                            "letter_id": letter.id}).get_data(as_text=True)
    assert "There is no letter with this number that you may read." in page
    assert "ขอเชิญประชุมคณะกรรมการ" not in page and db.session.scalar(select(Booking)) is None
