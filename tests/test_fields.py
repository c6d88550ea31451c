"""The shared inputs of core.fields: the Thai date input and the people picker (issue 16, "Dates and pickers")."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_login import login_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from core.fields import PeopleField, PersonField, PersonScope, ThaiDateField, format_thai_date, parse_thai_date

# --- the date input: parsing ----------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("04/12/2569", dt.date(2026, 12, 4)),          # BE, as the input shows it
    ("4/12/2569", dt.date(2026, 12, 4)),
    ("4-12-2569", dt.date(2026, 12, 4)),
    ("4.12.2569", dt.date(2026, 12, 4)),
    ("4 12 2569", dt.date(2026, 12, 4)),
    (" 04/12/2569 ", dt.date(2026, 12, 4)),
    ("04/12/2569 พ.ศ.", dt.date(2026, 12, 4)),
    ("๐๔/๑๒/๒๕๖๙", dt.date(2026, 12, 4)),          # Thai digits
    ("04/12/2026", dt.date(2026, 12, 4)),          # a CE year typed: 2400 and below is CE
    ("2026-12-04", dt.date(2026, 12, 4)),          # ISO, as links and older forms send it
    ("2569-12-04", dt.date(2026, 12, 4)),
    ("29/02/2567", dt.date(2024, 2, 29)),          # BE 2567 = CE 2024, a leap year
    ("", None),
    ("   ", None),
])
def test_a_date_is_read_in_the_buddhist_era_or_the_common_era(app, text, expected):
    with app.test_request_context():
        assert parse_thai_date(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "12/2569", "04/12/69", "2569/12/04", "04//12/2569", "4 ธ.ค. 25x9"])
def test_what_is_not_a_date_is_refused_saying_the_format_expected(app, text):
    with app.test_request_context():
        with pytest.raises(ValueError) as refused:
            parse_thai_date(text)
    message = str(refused.value)
    assert "วัน/เดือน/ปี พ.ศ." in message and "/25" in message  # the format, with an example in BE


@pytest.mark.parametrize("text", ["31/02/2569", "29/02/2568", "15/13/2569", "00/01/2569"])
def test_a_day_the_calendar_does_not_have_is_refused_by_name(app, text):
    with app.test_request_context():
        with pytest.raises(ValueError) as refused:
            parse_thai_date(text)
    assert str(refused.value).startswith(f"ไม่มีวันที่ {text} ในปฏิทิน")


@pytest.mark.parametrize("text", ["01/01/3100", "01/01/1800"])
def test_a_year_outside_khets_range_is_refused_saying_the_range_in_be(app, text):
    with app.test_request_context():
        with pytest.raises(ValueError) as refused:
            parse_thai_date(text)
    assert str(refused.value) == "กรุณากรอกวันที่ระหว่าง 1 มกราคม 2443 ถึง 31 ธันวาคม 2943"


def test_a_date_is_shown_as_day_month_be_year():
    assert format_thai_date(dt.date(2026, 12, 4)) == "04/12/2569"
    assert format_thai_date(None) == ""


# --- the date input in a form ------------------------------------------------------------


class DateForm(FlaskForm):
    class Meta:
        csrf = False

    day = ThaiDateField("day")


def test_the_date_field_shows_be_in_a_text_box_for_the_calendar_script(app):
    with app.test_request_context():
        html = str(DateForm(data={"day": dt.date(2026, 12, 4)}).day())
    assert 'value="04/12/2569"' in html and 'type="text"' in html and "data-khet-date" in html
    assert 'type="date"' not in html  # not the browser's Gregorian box


def test_the_date_field_stores_a_date_and_keeps_bad_text_to_correct_with_its_message(app):
    with app.test_request_context():
        good = DateForm(formdata=MultiDict({"day": "๔/๑๒/๒๕๖๙"}))
        assert good.validate() and good.day.data == dt.date(2026, 12, 4)

        bad = DateForm(formdata=MultiDict({"day": "12/31/2026"}))  # month first, as an English browser wrote it
        assert not bad.validate()
        assert bad.day.data is None
        assert bad.day.errors[0].startswith("ไม่มีวันที่ 12/31/2026 ในปฏิทิน กรุณากรอกวันที่เป็น วัน/เดือน/ปี พ.ศ.")
        assert 'value="12/31/2026"' in str(bad.day())  # what was typed stays, to be corrected
        empty = DateForm(formdata=MultiDict({"day": ""}))
        assert empty.validate() and empty.day.data is None


# --- the people picker: the JSON endpoint ----------------------------------------------


@pytest.fixture
def people(make_person, make_group, make_school):
    planning, school = make_group(name="กลุ่มนโยบายและแผน"), make_school(name="โรงเรียนบ้านหนองบัว")
    other_school = make_school(name="โรงเรียนวัดป่า")
    return {
        "clerk": make_person(first_name="สมศรี", last_name="ใจดี", position="นักจัดการงานทั่วไป", group=planning),
        "namesake": make_person(first_name="สมศรี", last_name="ใจดี", position="ครู", school=school),
        "teacher": make_person(first_name="วิชัย", last_name="รักเรียน", position="ครูชำนาญการ", school=school,
                               username="wichai"),
        "far_teacher": make_person(first_name="วิไล", last_name="สอนดี", position="ครู", school=other_school),
        "gone": make_person(first_name="สมศรี", last_name="ลาออก", active=False, group=planning),
        "planning": planning, "school": school, "other_school": other_school,
    }


def _search(client, person, scope=None, **args):
    with client.application.test_request_context():
        token = (scope or PersonScope()).token(person.id)
    return client.get("/people/search", query_string={"scope": token, **args})


def test_people_search_needs_a_signed_in_person(client, people):
    with client.application.test_request_context():
        token = PersonScope().token(people["clerk"].id)
    response = client.get("/people/search", query_string={"scope": token, "q": "สมศรี"})
    assert response.status_code == 302 and "login" in response.headers["Location"]


def test_people_search_finds_active_people_by_name_username_or_position_with_their_place(client, login_as, people):
    me = people["clerk"]
    login_as(me)
    found = _search(client, me, q="สมศรี").get_json()
    assert [(p["name"], p["position"], p["place"]) for p in found["results"]] == [
        ("สมศรี ใจดี", "นักจัดการงานทั่วไป", "กลุ่มนโยบายและแผน"), ("สมศรี ใจดี", "ครู", "โรงเรียนบ้านหนองบัว")]
    assert found["more"] is False  # and the one who left (inactive) is not offered
    assert [p["id"] for p in _search(client, me, q="wichai").get_json()["results"]] == [people["teacher"].id]
    assert [p["id"] for p in _search(client, me, q="ชำนาญการ").get_json()["results"]] == [people["teacher"].id]
    assert [p["id"] for p in _search(client, me, q="วิชัย รัก").get_json()["results"]] == [people["teacher"].id]


def test_people_search_answers_a_page_at_a_time(client, login_as, make_person, people):
    for n in range(25):
        make_person(first_name=f"ทดสอบหน้า{n:02d}", last_name="ใจดี")
    login_as(people["clerk"])
    first = _search(client, people["clerk"], q="ทดสอบหน้า").get_json()
    second = _search(client, people["clerk"], q="ทดสอบหน้า", page=2).get_json()
    assert (len(first["results"]), first["more"]) == (20, True)
    assert (len(second["results"]), second["more"]) == (5, False)
    assert {p["id"] for p in first["results"]}.isdisjoint({p["id"] for p in second["results"]})


def test_people_search_keeps_to_the_fields_scope_and_the_browser_cannot_widen_it(client, login_as, people):
    me = people["teacher"]
    login_as(me)
    with client.application.test_request_context():
        mine = PersonScope.schools_of(me)
        token = mine.token(me.id)
        someone_elses = mine.token(people["clerk"].id)
        widened = PersonScope.schools([people["school"].id, people["other_school"].id]).token(me.id)
    found = client.get("/people/search", query_string={"scope": token, "q": ""}).get_json()
    assert {p["id"] for p in found["results"]} == {people["namesake"].id, people["teacher"].id}

    # An altered token (another school added by hand), another person's token, or none at all: refused.
    tampered = widened[:-3] + ("AAA" if not widened.endswith("AAA") else "BBB")
    assert client.get("/people/search", query_string={"scope": tampered}).status_code == 400
    payload = widened.rsplit(".", 1)[0]
    assert client.get("/people/search", query_string={"scope": payload + "." + token.rsplit(".", 1)[1]}).status_code == 400
    assert client.get("/people/search", query_string={"scope": someone_elses}).status_code == 400
    assert client.get("/people/search").status_code == 400


# --- the people picker in a form ------------------------------------------------------------


def _picker_form(scope):
    class PickForm(FlaskForm):
        class Meta:
            csrf = False

        officer = PersonField("officer", scope=scope)
        readers = PeopleField("readers", scope=scope)

    return PickForm


def test_a_posted_person_outside_the_fields_scope_is_refused(app, people):
    form_class = _picker_form(lambda: PersonScope.schools([people["school"].id]))
    with app.test_request_context():
        allowed = form_class(formdata=MultiDict([("officer", str(people["teacher"].id)),
                                                 ("readers", str(people["namesake"].id)),
                                                 ("readers", str(people["teacher"].id))]))
        assert allowed.validate(), allowed.errors
        assert (allowed.officer.data, allowed.readers.data) == (people["teacher"].id, [people["namesake"].id,
                                                                                       people["teacher"].id])

        outsider = form_class(formdata=MultiDict([("officer", str(people["far_teacher"].id)),
                                                  ("readers", str(people["teacher"].id)),
                                                  ("readers", str(people["clerk"].id))]))
        assert not outsider.validate()
        assert outsider.officer.errors == ["มีบุคลากรที่เลือกไว้ซึ่งเลือกในช่องนี้ไม่ได้ กรุณาเลือกใหม่จากรายการ"]
        assert outsider.readers.errors == outsider.officer.errors

        gone = form_class(formdata=MultiDict([("officer", str(people["gone"].id))]))
        nonsense = form_class(formdata=MultiDict([("officer", "1 OR 1=1")]))
        assert not gone.validate() and not nonsense.validate()
        assert nonsense.officer.errors == ["กรุณาเลือกบุคลากรจากรายการ"]


def test_the_picker_renders_only_the_chosen_people_and_a_signed_scope(app, people):
    form_class = _picker_form(PersonScope())
    with app.test_request_context():
        login_user(people["clerk"])
        form = form_class(data={"readers": [people["teacher"].id]})
        html = str(form.readers())
        scope = html.split('data-scope="', 1)[1].split('"', 1)[0]
        assert PersonScope.from_token(scope, people["clerk"].id) == PersonScope()
    assert html.count("<option") == 1 and "วิชัย รักเรียน · ครูชำนาญการ · โรงเรียนบ้านหนองบัว" in html
    assert "data-khet-people" in html and "multiple" in html and 'data-source="/people/search"' in html
