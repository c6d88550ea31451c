"""Admin pages for groups, school networks, schools and school lists (core.org.manage)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Group, GroupMembership, School, SchoolList, SchoolMembership, SchoolNetwork
from core.plugins import registry


@pytest.fixture(autouse=True)
def english_messages(client):
    """These tests read the pages' messages in English (Thai is the default)."""
    with client.session_transaction() as stored:
        stored["locale"] = "en"


@pytest.fixture
def admin(make_person):
    return make_person(admin=True)


@pytest.fixture
def org_manager(make_person, grant):
    person = make_person()
    grant("core.org.manage", to=person)
    return person


@pytest.fixture
def events(app, monkeypatch):
    """Every core event the pages send, in order: [(event, {argument: value})]."""
    sent = []
    original = registry(app).notify

    def record(event, **kwargs):
        sent.append((event, kwargs))
        original(event, **kwargs)

    monkeypatch.setattr(registry(app), "notify", record)
    return sent


# --- who may open the pages -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/groups", "/admin/networks", "/admin/schools", "/admin/school-lists", "/admin/groups/new"])
def test_org_pages_need_the_org_permission(client, login_as, make_person, org_manager, path):
    login_as(make_person())
    assert client.get(path).status_code == 403
    login_as(org_manager)
    assert client.get(path).status_code == 200


def test_person_without_the_grant_cannot_create_a_group(client, login_as, make_person):
    login_as(make_person())
    response = client.post("/admin/groups/new", data={"name": "กลุ่มใหม่", "code": "new"})
    assert response.status_code == 403
    assert db.session.scalar(select(Group).where(Group.code == "new")) is None


# --- groups --------------------------------------------------------------------------------


def test_admin_creates_a_group_with_a_deputy(client, login_as, admin, make_person):
    deputy = make_person(first_name="วิชัย", position="รองผู้อำนวยการ")
    login_as(admin)
    response = client.post(
        "/admin/groups/new",
        data={"name": "กลุ่มนโยบายและแผน", "short_name": "แผน", "code": "policy", "sort_order": "2",
              "deputy_id": str(deputy.id), "active": "y"},
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.code == "policy"))
    assert (group.name, group.short_name, group.sort_order, group.deputy_id, group.active) == (
        "กลุ่มนโยบายและแผน", "แผน", 2, deputy.id, True
    )


def test_group_list_shows_director_and_deputy(client, login_as, org_manager, make_group, make_person):
    deputy = make_person(first_name="วิชัย")
    group = make_group(name="กลุ่มบริหารงานบุคคล", deputy_id=deputy.id)
    make_person(first_name="สมศรี", group=group, director=True)
    login_as(org_manager)
    page = client.get("/admin/groups").get_data(as_text=True)
    assert "กลุ่มบริหารงานบุคคล" in page and "สมศรี" in page and "วิชัย" in page


def test_duplicate_group_code_is_refused(client, login_as, admin, make_group):
    make_group(code="finance")
    login_as(admin)
    response = client.post("/admin/groups/new", data={"name": "ซ้ำ", "code": "FINANCE"})
    assert response.status_code == 200
    assert "already has the code" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Group)) == 1


def test_a_group_with_members_is_deactivated_not_deleted(client, login_as, admin, make_group, make_person):
    group = make_group()
    make_person(group=group)
    login_as(admin)
    client.post(f"/admin/groups/{group.id}/remove")
    db.session.expire_all()
    assert db.session.get(Group, group.id).active is False


def test_an_empty_group_is_deleted(client, login_as, admin, make_group):
    group = make_group()
    login_as(admin)
    client.post(f"/admin/groups/{group.id}/remove")
    db.session.expire_all()
    assert db.session.get(Group, group.id) is None


def test_adding_a_member_as_director_replaces_the_previous_director(client, login_as, admin, make_group, make_person):
    group = make_group()
    old_director = make_person(group=group, director=True)
    newcomer = make_person(first_name="มานี")
    login_as(admin)
    found = client.get(f"/admin/groups/{group.id}?q=มานี").get_data(as_text=True)
    assert "มานี" in found
    client.post(f"/admin/groups/{group.id}/members", data={"person_id": newcomer.id, "director": "y"})
    db.session.expire_all()
    directors = db.session.scalars(
        select(GroupMembership.person_id).where(GroupMembership.group_id == group.id, GroupMembership.is_director.is_(True))
    ).all()
    assert directors == [newcomer.id]
    assert db.session.get(Group, group.id).director.id == newcomer.id
    assert old_director.id in {m.person_id for m in db.session.get(Group, group.id).memberships}


def test_joining_a_first_group_fires_person_changed_group(client, login_as, admin, make_group, make_person, events):
    group = make_group()
    person = make_person()
    login_as(admin)
    client.post(f"/admin/groups/{group.id}/members", data={"person_id": person.id})
    moved = [kwargs for event, kwargs in events if event == "person_changed_group"]
    assert len(moved) == 1
    assert moved[0]["person"].id == person.id and moved[0]["old_group"] is None and moved[0]["new_group"].id == group.id


def test_a_second_group_is_not_primary_until_marked(client, login_as, admin, make_group, make_person, events):
    first, second = make_group(), make_group()
    person = make_person(group=first)
    login_as(admin)
    client.post(f"/admin/groups/{second.id}/members", data={"person_id": person.id})
    assert not [e for e, _kw in events if e == "person_changed_group"]
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.group_id == second.id))
    assert membership.is_primary is False
    client.post(f"/admin/groups/{second.id}/members/{membership.id}/primary")
    db.session.expire_all()
    assert db.session.get(type(person), person.id).primary_group.id == second.id
    moved = [kw for e, kw in events if e == "person_changed_group"]
    assert [(kw["old_group"].id, kw["new_group"].id) for kw in moved] == [(first.id, second.id)]


def test_removing_a_member_leaves_the_group(client, login_as, admin, make_group, make_person):
    group = make_group()
    person = make_person(group=group)
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.person_id == person.id))
    login_as(admin)
    client.post(f"/admin/groups/{group.id}/members/{membership.id}/remove")
    db.session.expire_all()
    assert db.session.get(GroupMembership, membership.id) is None


def test_membership_of_another_group_cannot_be_changed_through_this_one(client, login_as, admin, make_group, make_person):
    group, other = make_group(), make_group()
    person = make_person(group=other)
    membership = db.session.scalar(select(GroupMembership).where(GroupMembership.person_id == person.id))
    login_as(admin)
    assert client.post(f"/admin/groups/{group.id}/members/{membership.id}/remove").status_code == 404
    assert db.session.get(GroupMembership, membership.id) is not None


# --- networks ------------------------------------------------------------------------------


def test_networks_are_listed_with_their_school_counts(client, login_as, org_manager, make_school):
    network = SchoolNetwork(name="เครือข่ายเมือง", district="เมือง")
    db.session.add(network)
    db.session.commit()
    make_school(network_id=network.id)
    make_school(network_id=network.id)
    login_as(org_manager)
    page = client.get("/admin/networks").get_data(as_text=True)
    assert "เครือข่ายเมือง" in page
    assert 'data-school-count>2<' in page


def test_network_is_created_and_edited(client, login_as, org_manager):
    login_as(org_manager)
    client.post("/admin/networks/new", data={"name": "เครือข่ายวารินชำราบ", "district": "วารินชำราบ", "deputy_id": "0"})
    network = db.session.scalar(select(SchoolNetwork).where(SchoolNetwork.name == "เครือข่ายวารินชำราบ"))
    assert network.district == "วารินชำราบ" and network.deputy_id is None
    client.post(f"/admin/networks/{network.id}/edit", data={"name": "เครือข่ายวาริน 1", "district": "วารินชำราบ", "deputy_id": "0"})
    db.session.expire_all()
    assert db.session.get(SchoolNetwork, network.id).name == "เครือข่ายวาริน 1"


# --- schools ------------------------------------------------------------------------------


def _school_form(**values):
    data = {"code": "1034560001", "name": "โรงเรียนบ้านหนองบัว", "district": "เมือง", "subdistrict": "",
            "network_id": "0", "school_type": "primary", "phone": "", "email": "", "active": "y"}
    data.update(values)
    return data


def test_new_school_is_saved_and_modules_are_told(client, login_as, org_manager, events):
    login_as(org_manager)
    response = client.post("/admin/schools/new", data=_school_form())
    assert response.status_code == 302
    school = db.session.scalar(select(School).where(School.code == "1034560001"))
    assert school.name == "โรงเรียนบ้านหนองบัว"
    added = [kw["school"].id for e, kw in events if e == "school_added"]
    assert added == [school.id]


def test_duplicate_school_code_is_refused_with_a_message(client, login_as, org_manager, make_school, events):
    make_school(code="1034560001", name="โรงเรียนเดิม")
    login_as(org_manager)
    response = client.post("/admin/schools/new", data=_school_form(name="โรงเรียนใหม่"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already belongs to" in page and "โรงเรียนเดิม" in page
    assert db.session.scalar(select(func.count()).select_from(School)) == 1
    assert not [e for e, _kw in events if e == "school_added"]


@pytest.mark.parametrize("code", ["1234567", "12345678901", "12-345678", "abcdefgh"])
def test_school_code_must_be_8_to_10_digits(client, login_as, org_manager, code):
    login_as(org_manager)
    response = client.post("/admin/schools/new", data=_school_form(code=code))
    assert "A school code is 8 to 10 digits" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_editing_a_school_keeps_its_own_code(client, login_as, org_manager, make_school, events):
    school = make_school(code="10345601")
    login_as(org_manager)
    client.post(f"/admin/schools/{school.id}/edit", data=_school_form(code="10345601", name="ชื่อใหม่", school_type="extended"))
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert (school.name, school.school_type) == ("ชื่อใหม่", "extended")
    assert not [e for e, _kw in events if e == "school_added"]


def test_school_search_finds_by_name_code_and_district_and_pages(client, login_as, org_manager, make_school):
    for n in range(30):
        make_school(code=f"20000{n:03d}", name=f"โรงเรียนบ้านนา {n}", district="ตระการพืชผล")
    make_school(code="30000001", name="โรงเรียนเมืองใหม่", district="เมือง")
    login_as(org_manager)
    page = client.get("/admin/schools?q=เมืองใหม่").get_data(as_text=True)
    assert "30000001" in page and "20000001" not in page
    assert "30000001" in client.get("/admin/schools?q=3000000").get_data(as_text=True)
    by_district = client.get("/admin/schools?q=ตระการ").get_data(as_text=True)
    assert by_district.count('data-school="20000') == 25  # one page
    assert "page=2" in by_district
    second = client.get("/admin/schools?q=ตระการ&page=2").get_data(as_text=True)
    assert second.count('data-school="20000') == 5


def test_school_filters_by_network_type_and_active(client, login_as, org_manager, make_school):
    network = SchoolNetwork(name="เครือข่าย 1")
    db.session.add(network)
    db.session.commit()
    make_school(code="40000001", network_id=network.id, school_type="extended")
    make_school(code="40000002", school_type="extended")
    make_school(code="40000003", network_id=network.id, active=False)
    login_as(org_manager)
    in_network = client.get(f"/admin/schools?network={network.id}").get_data(as_text=True)
    assert "40000001" in in_network and "40000002" not in in_network and "40000003" not in in_network
    extended = client.get("/admin/schools?type=extended").get_data(as_text=True)
    assert "40000001" in extended and "40000002" in extended
    inactive = client.get("/admin/schools?active=no").get_data(as_text=True)
    assert "40000003" in inactive and "40000001" not in inactive


def test_school_members_are_added_with_a_role_and_removed(client, login_as, org_manager, make_school, make_person):
    school = make_school()
    clerk = make_person(first_name="สมพร")
    login_as(org_manager)
    client.post(f"/admin/schools/{school.id}/members", data={"person_id": clerk.id, "role": "clerk"})
    membership = db.session.scalar(select(SchoolMembership).where(SchoolMembership.school_id == school.id))
    assert (membership.person_id, membership.role) == (clerk.id, "clerk")
    assert "สมพร" in client.get(f"/admin/schools/{school.id}").get_data(as_text=True)
    client.post(f"/admin/schools/{school.id}/members/{membership.id}/remove")
    db.session.expire_all()
    assert db.session.get(SchoolMembership, membership.id) is None


def test_unknown_school_role_is_refused(client, login_as, org_manager, make_school, make_person):
    school, person = make_school(), make_person()
    login_as(org_manager)
    client.post(f"/admin/schools/{school.id}/members", data={"person_id": person.id, "role": "janitor"})
    assert db.session.scalar(select(func.count()).select_from(SchoolMembership)) == 0


# --- school lists --------------------------------------------------------------------------


def test_school_list_is_created_with_chosen_schools(client, login_as, org_manager, make_school):
    small = [make_school() for _ in range(3)]
    make_school()
    login_as(org_manager)
    form = client.get("/admin/school-lists/new").get_data(as_text=True)
    assert form.count('name="school_ids"') == 4
    client.post("/admin/school-lists/new", data={"name": "โรงเรียนขนาดเล็ก", "description": "", "shared": "y",
                                                  "school_ids": [str(s.id) for s in small]})
    school_list = db.session.scalar(select(SchoolList).where(SchoolList.name == "โรงเรียนขนาดเล็ก"))
    assert {s.id for s in school_list.schools} == {s.id for s in small}
    assert school_list.owner_id == org_manager.id and school_list.shared is True


def test_private_school_list_is_hidden_from_others(client, login_as, org_manager, make_person, grant, make_school):
    login_as(org_manager)
    client.post("/admin/school-lists/new", data={"name": "รายการส่วนตัว", "school_ids": [str(make_school().id)]})
    private = db.session.scalar(select(SchoolList).where(SchoolList.name == "รายการส่วนตัว"))
    assert private.shared is False
    colleague = make_person()
    grant("core.org.manage", to=colleague)
    login_as(colleague)
    assert "รายการส่วนตัว" not in client.get("/admin/school-lists").get_data(as_text=True)
    assert client.get(f"/admin/school-lists/{private.id}/edit").status_code == 404
    assert client.post(f"/admin/school-lists/{private.id}/delete").status_code == 404
    assert db.session.get(SchoolList, private.id) is not None


def test_school_list_members_can_be_changed(client, login_as, org_manager, make_school):
    first, second = make_school(), make_school()
    school_list = SchoolList(name="ขยายโอกาส", shared=True, owner_id=org_manager.id, schools=[first])
    db.session.add(school_list)
    db.session.commit()
    login_as(org_manager)
    client.post(f"/admin/school-lists/{school_list.id}/edit", data={"name": "ขยายโอกาส", "shared": "y", "school_ids": [str(second.id)]})
    db.session.expire_all()
    assert [s.id for s in db.session.get(SchoolList, school_list.id).schools] == [second.id]


def test_menu_shows_org_pages_only_to_those_who_may_open_them(client, login_as, make_person, org_manager):
    login_as(org_manager)
    page = client.get("/").get_data(as_text=True)
    assert "/admin/schools" in page and "/admin/people" not in page
    login_as(make_person())
    assert "/admin/schools" not in client.get("/").get_data(as_text=True)
