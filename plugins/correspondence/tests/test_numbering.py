"""A register's next number (offices arriving mid-year) and the letter codes of schools and groups."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from core.api import AuditEntry, db
from plugins.correspondence import services
from plugins.correspondence.models import Letter, LetterCode, Register
from plugins.correspondence.services import CorrespondenceError, numbering

pytestmark = pytest.mark.khet_plugins("correspondence")

LINE = {"subject": "ส่งแบบรายงาน", "urgency": "normal", "secrecy": "none", "doc_type": "external", "group_id": 0,
        "officer_id": 0}


def _audit(action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _register_lines(kind, count, by, **place):
    register = services.register_for(kind, **place)
    return [services.register_letter(register, services.LetterFields(subject=f"เรื่องที่ {n}"), by)
            for n in range(count)]


# --- the next number --------------------------------------------------------------


def test_an_office_arriving_mid_year_carries_on_from_its_old_register(office, login_as):
    client = login_as(office.registry_clerk)
    page = client.get("/correspondence/numbering/outgoing/office")
    assert page.status_code == 200 and 'data-next-number>1<' in page.get_data(as_text=True)

    response = client.post("/correspondence/numbering/outgoing/office", data={"next_number": "2632"},
                           follow_redirects=True)
    assert "The next number of this register in" in response.get_data(as_text=True)
    assert 'data-next-number>2632<' in response.get_data(as_text=True)

    client.post("/correspondence/new/outgoing/office", data=LINE)
    (letter,) = db.session.scalars(select(Letter))
    assert letter.number == 2632 and services.printed_number(letter) == "ศธ 04183/2632"
    (entry,) = _audit("set_next_number")
    assert entry.person_id == office.registry_clerk.id
    assert entry.details == {"kind": "outgoing", "scope": "office", "year": letter.year, "before": 1, "after": 2632}


def test_the_next_number_never_goes_back_to_a_number_already_given(office, login_as):
    _register_lines("incoming", 3, office.registry_clerk)
    client = login_as(office.registry_clerk)
    for refused in ("3", "2", "0"):
        page = client.post("/correspondence/numbering/incoming/office", data={"next_number": refused})
        assert page.status_code == 200
    html = client.post("/correspondence/numbering/incoming/office", data={"next_number": "3"}).get_data(as_text=True)
    assert "Number 3 has already been given in this register this year; the next number must be higher." in html
    assert services.peek_next("incoming", "office") == 4
    assert _audit("set_next_number") == []
    client.post("/correspondence/numbering/incoming/office", data={"next_number": "10"})
    assert services.peek_next("incoming", "office") == 10


def test_cancelled_numbers_count_as_given(office, letter_fields):
    (letter,) = _register_lines("outgoing", 1, office.registry_clerk)
    services.cancel_letter(letter, "ออกเลขผิด", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="Number 1 has already been given"):
        numbering.set_next_number("outgoing", "office", 1, office.registry_clerk)


def test_only_the_keeper_of_the_register_sets_its_next_number(office, login_as):
    reader = login_as(office.reader)
    assert reader.get("/correspondence/numbering/outgoing/office").status_code == 403
    assert reader.post("/correspondence/numbering/outgoing/office", data={"next_number": "50"}).status_code == 403
    group_clerk = login_as(office.group_clerk)
    assert group_clerk.post("/correspondence/numbering/outgoing/office", data={"next_number": "50"}).status_code == 403
    assert group_clerk.post(f"/correspondence/numbering/outgoing/group:{office.planning.id}",
                            data={"next_number": "50"}).status_code == 302
    assert services.peek_next("outgoing", "office") == 1
    assert services.peek_next("outgoing", f"group:{office.planning.id}") == 50
    with pytest.raises(CorrespondenceError):
        numbering.set_next_number("outgoing", "office", 50, office.reader)


def test_a_school_clerk_sets_the_next_number_of_a_register_not_opened_yet(office, login_as, make_school, make_person):
    clerk = make_person(first_name="สมศรี")
    school = make_school(clerks=[clerk])
    scope = f"school:{school.id}"
    assert db.session.scalar(select(Register).where(Register.scope == scope)) is None
    response = login_as(clerk).post(f"/correspondence/numbering/incoming/{scope}", data={"next_number": "121"})
    assert response.status_code == 302
    assert services.peek_next("incoming", scope) == 121
    assert db.session.scalar(select(Register).where(Register.scope == scope, Register.kind == "incoming")) is not None
    # the office's registry does not keep a school's register
    assert login_as(office.registry_clerk).get(f"/correspondence/numbering/incoming/{scope}").status_code == 403


def test_unknown_registers_are_not_found(office, login_as):
    client = login_as(office.registry_clerk)
    assert client.get("/correspondence/numbering/diary/office").status_code == 404
    assert client.get("/correspondence/numbering/outgoing/school:999999").status_code == 404


def test_a_next_number_without_csrf_changes_nothing(office, login_as):
    login_as(office.registry_clerk).post("/correspondence/numbering/outgoing/office", data={"next_number": "99"},
                                         csrf=False)
    assert services.peek_next("outgoing", "office") == 1


# --- letter codes -----------------------------------------------------------------


@pytest.fixture
def school(make_school, make_person):
    clerk = make_person(first_name="สมใจ")
    return make_school(name="โรงเรียนบ้านหนองบัว", clerks=[clerk]), clerk


def test_a_school_clerk_sets_the_school_code_and_its_outgoing_numbers_print_it(office, school, login_as):
    found, clerk = school
    scope = f"school:{found.id}"
    client = login_as(clerk)
    assert "โรงเรียนบ้านหนองบัว" in client.get("/correspondence/letter-codes").get_data(as_text=True)
    response = client.post(f"/correspondence/letter-codes/{scope}", data={"code": "  ศธ   04183.012 "},
                           follow_redirects=True)
    assert "now print ศธ 04183.012" in response.get_data(as_text=True)

    client.post(f"/correspondence/new/outgoing/{scope}", data=LINE)
    client.post(f"/correspondence/new/circular/{scope}", data=LINE)
    outgoing, circular = db.session.scalars(select(Letter).order_by(Letter.id))
    assert services.printed_number(outgoing) == "ศธ 04183.012/1"
    assert services.printed_number(circular) == "ศธ 04183.012/ว 1"
    (entry,) = _audit("set_letter_code")
    assert entry.person_id == clerk.id and entry.details == {"scope": scope, "before": "", "after": "ศธ 04183.012"}


def test_a_school_clerk_cannot_set_another_school_code(office, school, login_as, make_school):
    _found, clerk = school
    other = make_school(name="โรงเรียนวัดใหม่")
    client = login_as(clerk)
    assert client.get(f"/correspondence/letter-codes/school:{other.id}").status_code == 403
    assert client.post(f"/correspondence/letter-codes/school:{other.id}", data={"code": "ศธ 1"}).status_code == 403
    assert "โรงเรียนวัดใหม่" not in client.get("/correspondence/letter-codes").get_data(as_text=True)
    assert db.session.scalar(select(LetterCode)) is None


def test_the_registry_sets_any_school_or_group_code(office, school, login_as):
    found, _clerk = school
    client = login_as(office.registry_clerk)
    listing = client.get("/correspondence/letter-codes").get_data(as_text=True)
    assert "โรงเรียนบ้านหนองบัว" in listing and "กลุ่มนโยบายและแผน" in listing
    client.post(f"/correspondence/letter-codes/school:{found.id}", data={"code": "ศธ 04183.012"})
    client.post(f"/correspondence/letter-codes/group:{office.planning.id}", data={"code": "ศธ 04183(นผ)"})
    assert services.letter_code_of(f"school:{found.id}") == "ศธ 04183.012"
    assert services.letter_code_of(f"group:{office.planning.id}") == "ศธ 04183(นผ)"
    assert len(_audit("set_letter_code")) == 2


def test_the_office_code_is_not_set_here(office, login_as):
    assert login_as(office.registry_clerk).get("/correspondence/letter-codes/office").status_code == 404


def test_people_without_a_place_to_code_are_refused(office, login_as):
    assert login_as(office.reader).get("/correspondence/letter-codes").status_code == 403


def test_a_code_longer_than_fifty_characters_is_refused_and_nothing_changes(office, school, login_as):
    found, clerk = school
    scope = f"school:{found.id}"
    numbering.set_letter_code(scope, "ศธ 04183.012", clerk)
    page = login_as(clerk).post(f"/correspondence/letter-codes/{scope}", data={"code": "ศ" * 51})
    assert page.status_code == 200 and "is-invalid" in page.get_data(as_text=True)
    with pytest.raises(CorrespondenceError, match="too long"):
        numbering.set_letter_code(scope, "ศ" * 51, clerk)
    db.session.rollback()
    assert services.letter_code_of(scope) == "ศธ 04183.012"


def test_clearing_the_code_falls_back_to_the_office_code(office, school, login_as):
    found, clerk = school
    scope = f"school:{found.id}"
    numbering.set_letter_code(scope, "ศธ 04183.012", clerk)
    response = login_as(clerk).post(f"/correspondence/letter-codes/{scope}", data={"code": ""}, follow_redirects=True)
    assert "its letters print the office's code ศธ 04183" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(LetterCode)) is None
    assert services.letter_code_of(scope) == "ศธ 04183"
    assert [e.details["after"] for e in _audit("set_letter_code")] == ["ศธ 04183.012", ""]
