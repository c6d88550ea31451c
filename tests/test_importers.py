"""CSV import of schools and people: all rows checked, then all imported or none."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from core import importers
from core.db import db
from core.models import GroupMembership, Person, School, SchoolMembership, SchoolNetwork
from core.plugins import registry

SCHOOLS_HEADER = "code,name,district,subdistrict,network,school_type,phone,email"
PEOPLE_HEADER = "title,first_name,last_name,position,phone,email,username,group_code,school_code,school_role"


@pytest.fixture(autouse=True)
def english_messages(client):
    """These tests read the pages' messages in English (Thai is the default)."""
    with client.session_transaction() as stored:
        stored["locale"] = "en"


def csv_bytes(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, path: str, data: bytes):
    return client.post(path, data={"file": (io.BytesIO(data), "import.csv")}, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def _request(app):
    """The importer's messages are translated for the person uploading: there is always a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def events(app, monkeypatch):
    sent = []
    original = registry(app).notify

    def record(event, **kwargs):
        sent.append((event, kwargs))
        original(event, **kwargs)

    monkeypatch.setattr(registry(app), "notify", record)
    return sent


# --- schools ------------------------------------------------------------------------------


def test_good_schools_file_imports_every_row_and_creates_networks(app, events):
    report = importers.import_schools(csv_bytes(
        SCHOOLS_HEADER,
        "34010001,โรงเรียนบ้านหนองบัว,เมืองอุบลราชธานี,ขามใหญ่,เครือข่ายเมือง 1,primary,045-000001,",
        "34010002,โรงเรียนบ้านโนนสว่าง,เมืองอุบลราชธานี,ขามใหญ่,เครือข่ายเมือง 1,extended,,nonsawang@example.go.th",
        "3401000301,โรงเรียนวารินชำราบ,วารินชำราบ,,เครือข่ายวาริน,,,",
        ",,,,,,,",  # Excel's empty line at the end
    ))
    assert report.ok and (report.created, report.updated, report.networks_created) == (3, 0, 2)
    schools = {s.code: s for s in db.session.scalars(select(School))}
    assert schools["34010002"].school_type == "extended" and schools["3401000301"].school_type == "primary"
    assert schools["34010001"].network.name == schools["34010002"].network.name == "เครือข่ายเมือง 1"
    assert sorted(kw["school"].code for e, kw in events if e == "school_added") == sorted(schools)


def test_one_bad_row_imports_nothing_and_is_reported(app, events):
    report = importers.import_schools(csv_bytes(
        SCHOOLS_HEADER,
        "34010001,โรงเรียนบ้านหนองบัว,เมือง,,เครือข่ายใหม่,primary,,",
        "3401-002,โรงเรียนรหัสผิด,เมือง,,,primary,,",
        "34010003,โรงเรียนบ้านดง,เมือง,,,primary,,",
    ))
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "code")]
    assert count(School) == 0 and count(SchoolNetwork) == 0
    assert not events


def test_every_problem_of_every_row_is_reported(app):
    with force_locale("en"):  # read the messages in English
        report = importers.import_schools(csv_bytes(
            SCHOOLS_HEADER,
            "34010001,,เมือง,,,college,,not-an-email",
            "34010001,โรงเรียนซ้ำ,เมือง,,,primary,,",
        ))
    assert {(e.row, e.column) for e in report.errors} == {(2, "name"), (2, "school_type"), (2, "email"), (3, "code")}
    assert "row 2" in next(e.message for e in report.errors if e.row == 3)


def test_thai_windows_csv_in_tis_620_is_read(app):
    data = csv_bytes(SCHOOLS_HEADER, "34010001,โรงเรียนบ้านหนองบัว,ตระการพืชผล,,,primary,,", encoding="cp874")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = importers.import_schools(data)
    assert report.ok
    school = db.session.scalar(select(School))
    assert (school.name, school.district) == ("โรงเรียนบ้านหนองบัว", "ตระการพืชผล")


def test_utf8_without_byte_order_mark_is_read(app):
    report = importers.import_schools(csv_bytes(SCHOOLS_HEADER, "34010001,โรงเรียนบ้านหนองบัว,,,,,,", encoding="utf-8"))
    assert report.ok and db.session.scalar(select(School.name)) == "โรงเรียนบ้านหนองบัว"


def test_reimporting_a_code_updates_the_school_instead_of_duplicating(app, make_school, events):
    make_school(code="34010001", name="ชื่อเดิม", district="เมือง", phone="045-111111")
    report = importers.import_schools(csv_bytes(SCHOOLS_HEADER, "34010001,ชื่อใหม่,,,,,,", "34010002,โรงเรียนใหม่,,,,,,"))
    assert (report.created, report.updated, report.updated_keys) == (1, 1, ["34010001"])
    assert count(School) == 2
    school = db.session.scalar(select(School).where(School.code == "34010001"))
    assert (school.name, school.district, school.phone) == ("ชื่อใหม่", "เมือง", "045-111111")  # empty cells keep values
    assert [kw["school"].code for e, kw in events if e == "school_added"] == ["34010002"]


def test_unknown_and_missing_columns_are_refused(app):
    report = importers.import_schools(csv_bytes("code,nmae", "34010001,โรงเรียน"))
    assert {(e.row, e.column) for e in report.errors} == {(1, "nmae"), (1, "name")}
    assert count(School) == 0


def test_a_file_that_is_not_text_is_refused(app):
    report = importers.import_schools(b"\x00\x81\x8d\x8f\x90\x9d" * 10)
    assert not report.ok and count(School) == 0


# --- people -------------------------------------------------------------------------------


def test_people_file_creates_people_with_group_and_school(app, make_group, make_school):
    group = make_group(code="personnel")
    school = make_school(code="34010001")
    report = importers.import_people(csv_bytes(
        PEOPLE_HEADER,
        "นาง,สมศรี,ใจงาม,นักทรัพยากรบุคคล,081-1111111,somsri@example.go.th,somsri,personnel,,",
        "นาย,สมชาย,รักเรียน,ครู,,,,,34010001,clerk",
        "นางสาว,มาลี,ดีใจ,ครู,,,,,34010001,",
    ))
    assert report.ok and report.created == 3
    somsri = db.session.scalar(select(Person).where(Person.username == "somsri"))
    assert somsri.full_name == "นางสมศรี ใจงาม" and somsri.primary_group.id == group.id
    roles = dict(db.session.execute(
        select(Person.first_name, SchoolMembership.role).join(SchoolMembership).where(SchoolMembership.school_id == school.id)
    ).all())
    assert roles == {"สมชาย": "clerk", "มาลี": "teacher"}


def test_people_rows_naming_unknown_groups_or_schools_import_nothing(app, make_group):
    make_group(code="personnel")
    report = importers.import_people(csv_bytes(
        PEOPLE_HEADER,
        ",สมศรี,ใจงาม,,,,somsri,personnel,,",
        ",สมชาย,รักเรียน,,,,somchai,nosuchgroup,,",
        ",มาลี,ดีใจ,,,,malee,,99999999,teacher",
        ",วิชัย,ใจดี,,,,wichai,,,director",
        ",,ไม่มีชื่อ,,,,bad user,,,",
    ))
    assert {(e.row, e.column) for e in report.errors} == {
        (3, "group_code"), (4, "school_code"), (5, "school_role"), (6, "first_name"), (6, "username"),
    }
    assert count(Person) == 0


def test_reimporting_a_username_updates_and_moves_the_person(app, make_group, make_person, events):
    old_group, new_group = make_group(code="finance"), make_group(code="personnel")
    make_person(username="somsri", first_name="สมศรี", position="เดิม", phone="081-0000000", group=old_group)
    report = importers.import_people(csv_bytes(PEOPLE_HEADER, ",สมศรี,ใจงาม,นักทรัพยากรบุคคล,,,SomSri,personnel,,"))
    assert (report.created, report.updated, report.updated_keys) == (0, 1, ["SomSri"])
    assert count(Person) == 1
    person = db.session.scalar(select(Person))
    assert (person.position, person.phone, person.username) == ("นักทรัพยากรบุคคล", "081-0000000", "somsri")
    assert [m.group_id for m in person.group_memberships] == [new_group.id]
    moved = [(kw["old_group"].id, kw["new_group"].id) for e, kw in events if e == "person_changed_group"]
    assert moved == [(old_group.id, new_group.id)]


def test_people_without_username_are_matched_by_name(app, make_person):
    make_person(username=None, first_name="ครูสมใจ", last_name="ใจดี")
    report = importers.import_people(csv_bytes(PEOPLE_HEADER, ",ครูสมใจ,ใจดี,ครูชำนาญการ,,,,,,"))
    assert report.updated == 1 and count(Person) == 1
    assert db.session.scalar(select(Person.position)) == "ครูชำนาญการ"


def test_a_name_shared_by_several_people_needs_a_username(app, make_person):
    make_person(first_name="สมชาย", last_name="ใจดี")
    make_person(first_name="สมชาย", last_name="ใจดี")
    report = importers.import_people(csv_bytes(PEOPLE_HEADER, ",สมชาย,ใจดี,ครู,,,,,,"))
    assert [(e.row, e.column) for e in report.errors] == [(2, "username")]
    assert count(Person) == 2


def test_reimport_with_an_empty_type_keeps_the_school_type(app, make_school):
    make_school(code="34010001", school_type="extended")
    importers.import_schools(csv_bytes(SCHOOLS_HEADER, "34010001,โรงเรียนบ้านหนองบัว,,,,,,"))
    assert db.session.scalar(select(School.school_type)) == "extended"


def test_the_same_username_twice_in_a_file_is_refused(app):
    report = importers.import_people(csv_bytes(PEOPLE_HEADER, ",ก,ข,,,,dup,,,", ",ค,ง,,,,DUP,,,"))
    assert [(e.row, e.column) for e in report.errors] == [(3, "username")]
    assert count(Person) == 0


# --- the pages ----------------------------------------------------------------------------


def test_templates_download_with_the_header_row(client, login_as, make_person):
    login_as(make_person(admin=True))
    response = client.get("/admin/schools/import/schools.csv")
    assert response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").strip() == SCHOOLS_HEADER
    assert client.get("/admin/people/import/people.csv").data.decode("utf-8-sig").strip() == PEOPLE_HEADER


def test_schools_upload_reports_the_bad_row_and_imports_nothing(client, login_as, make_person, grant):
    manager = make_person()
    grant("core.org.manage", to=manager)
    login_as(manager)
    response = upload(client, "/admin/schools/import", csv_bytes(
        SCHOOLS_HEADER, "34010001,โรงเรียนบ้านหนองบัว,,,,,,", "34010002,,,,,,,",
    ))
    page = response.get_data(as_text=True)
    assert 'data-import-result="refused"' in page
    assert 'data-row="3" data-column="name"' in page
    assert count(School) == 0


def test_schools_upload_imports_and_reports_counts(client, login_as, make_person, make_school):
    make_school(code="34010001")
    login_as(make_person(admin=True))
    page = upload(client, "/admin/schools/import", csv_bytes(
        SCHOOLS_HEADER, "34010001,โรงเรียนบ้านหนองบัว,,,,,,", "34010002,โรงเรียนบ้านโคก,,,,,,",
    )).get_data(as_text=True)
    assert 'data-import-result="ok"' in page and "1 added" in page and "1 already existed and were updated" in page
    assert count(School) == 2


def test_people_upload_needs_the_people_permission(client, login_as, make_person, grant):
    org_only = make_person()
    grant("core.org.manage", to=org_only)
    login_as(org_only)
    response = upload(client, "/admin/people/import", csv_bytes(PEOPLE_HEADER, ",สมศรี,ใจงาม,,,,somsri,,,"))
    assert response.status_code == 403
    assert db.session.scalar(select(Person).where(Person.username == "somsri")) is None
    hr = make_person()
    grant("core.people.manage", to=hr)
    login_as(hr)
    upload(client, "/admin/people/import", csv_bytes(PEOPLE_HEADER, ",สมศรี,ใจงาม,,,,somsri,,,"))
    assert db.session.scalar(select(Person).where(Person.username == "somsri")) is not None


def test_schools_upload_needs_the_org_permission(client, login_as, make_person):
    login_as(make_person())
    assert upload(client, "/admin/schools/import", csv_bytes(SCHOOLS_HEADER, "34010001,ก,,,,,,")).status_code == 403
    assert count(School) == 0


def test_upload_without_a_file_asks_for_one(client, login_as, make_person):
    login_as(make_person(admin=True))
    response = client.post("/admin/schools/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200 and "data-import-result" not in response.get_data(as_text=True)
    assert count(GroupMembership) == 0 and count(School) == 0
