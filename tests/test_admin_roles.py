"""Roles, their members, and permission grants to roles, groups and people (core.roles.manage)."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import func, select

from core.db import db
from core.hookspecs import hookimpl
from core.models import Grant, Person, PluginState, Role
from core.permissions import has_permission
from core.plugin_api import Permission, PluginInfo
from core.plugins import registry

SCOPED_CODE = "scopetest.approve"


@pytest.fixture(autouse=True)
def english_messages(client):
    """These tests read the pages' messages in English (Thai is the default)."""
    with client.session_transaction() as stored:
        stored["locale"] = "en"


@pytest.fixture
def scopable_module(app):
    """A small module, installed and enabled for one test, that declares a permission grantable per group or school."""
    module = types.ModuleType("khet_scopetest")

    @hookimpl
    def plugin_info():
        return PluginInfo(id="scopetest", name_th="โมดูลทดสอบ", name_en="Scope test", version="1.0")

    @hookimpl
    def permissions():
        return [Permission(SCOPED_CODE, "Approve requests", scopable=True)]

    module.plugin_info, module.permissions = plugin_info, permissions
    reg = registry(app)
    reg._register(module, distribution="tests")
    db.session.merge(PluginState(plugin_id="scopetest", enabled=True))
    db.session.commit()
    try:
        yield module
    finally:
        reg.pm.unregister(module)
        reg.plugins.pop("scopetest")
        reg.permissions.pop(SCOPED_CODE)
        reg.permission_owner.pop(SCOPED_CODE)


@pytest.fixture
def roles_manager(make_person, grant):
    person = make_person(first_name="ผู้จัดการสิทธิ์")
    grant("core.roles.manage", to=person)
    return person


def _fresh(person):
    """The person as a new request would load them (grants are cached per request)."""
    db.session.expire_all()
    registry().forget_cached_state()
    return db.session.get(Person, person.id)


@pytest.mark.parametrize("path", ["/admin/roles", "/admin/roles/new"])
def test_roles_pages_need_the_roles_permission(client, login_as, make_person, grant, roles_manager, path):
    hr = make_person()
    grant("core.people.manage", to=hr)
    login_as(hr)
    assert client.get(path).status_code == 403
    login_as(roles_manager)
    assert client.get(path).status_code == 200


def test_person_permissions_page_needs_the_roles_permission(client, login_as, make_person, roles_manager):
    someone = make_person()
    login_as(make_person())
    assert client.get(f"/admin/people/{someone.id}/permissions").status_code == 403
    login_as(roles_manager)
    assert client.get(f"/admin/people/{someone.id}/permissions").status_code == 200


def test_role_is_created_and_duplicate_code_refused(client, login_as, roles_manager):
    login_as(roles_manager)
    client.post("/admin/roles/new", data={"name": "เจ้าหน้าที่สารบรรณกลาง", "code": "registry_clerks", "description": ""})
    assert db.session.scalar(select(Role).where(Role.code == "registry_clerks")).name == "เจ้าหน้าที่สารบรรณกลาง"
    response = client.post("/admin/roles/new", data={"name": "อีกบทบาท", "code": "registry_clerks"})
    assert "already has the code" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Role)) == 1


def test_role_grant_reaches_its_members_and_revoking_takes_it_away(client, login_as, roles_manager, make_person):
    role = Role(code="people_officers", name="งานบุคคล")
    db.session.add(role)
    db.session.commit()
    member = make_person(first_name="สุดา")
    login_as(roles_manager)
    assert "สุดา" in client.get(f"/admin/roles/{role.id}?q=สุดา").get_data(as_text=True)
    client.post(f"/admin/roles/{role.id}/members", data={"person_id": member.id})
    client.post(f"/admin/roles/{role.id}/grants", data={"permission": "core.people.manage", "scope": ""})
    grant = db.session.scalar(select(Grant).where(Grant.role_id == role.id))
    assert grant.permission == "core.people.manage" and grant.scope_group_id is None and grant.scope_school_id is None
    assert has_permission(_fresh(member), "core.people.manage")
    client.post(f"/admin/grants/{grant.id}/revoke")
    assert not has_permission(_fresh(member), "core.people.manage")


def test_removing_a_member_from_a_role_takes_its_permissions(client, login_as, roles_manager, make_person, grant):
    role = Role(code="org", name="จัดการโครงสร้าง")
    member = make_person()
    role.members.append(member)
    db.session.add(role)
    db.session.commit()
    grant("core.org.manage", to=role)
    assert has_permission(_fresh(member), "core.org.manage")
    login_as(roles_manager)
    client.post(f"/admin/roles/{role.id}/members/{member.id}/remove")
    assert not has_permission(_fresh(member), "core.org.manage")


def test_group_grant_reaches_everyone_in_the_group(client, login_as, roles_manager, make_person, make_group):
    group = make_group()
    member, outsider = make_person(group=group), make_person()
    login_as(roles_manager)
    client.post(f"/admin/groups/{group.id}/grants", data={"permission": "core.org.manage", "scope": ""})
    assert db.session.scalar(select(Grant).where(Grant.group_id == group.id)).permission == "core.org.manage"
    assert has_permission(_fresh(member), "core.org.manage")
    assert not has_permission(_fresh(outsider), "core.org.manage")


def test_scoped_grant_holds_only_within_its_school(client, login_as, roles_manager, make_person, make_school, scopable_module):
    school, other_school = make_school(), make_school()
    clerk = make_person()
    login_as(roles_manager)
    client.post(f"/admin/people/{clerk.id}/permissions", data={"permission": SCOPED_CODE, "scope": f"s:{school.id}"})
    grant = db.session.scalar(select(Grant).where(Grant.person_id == clerk.id))
    assert (grant.permission, grant.scope_school_id) == (SCOPED_CODE, school.id)
    clerk = _fresh(clerk)
    assert has_permission(clerk, SCOPED_CODE, school)
    assert not has_permission(clerk, SCOPED_CODE, other_school)
    assert has_permission(clerk, SCOPED_CODE)  # "anywhere": the caller must then filter by scope


def test_scoped_grant_to_a_group_scope(client, login_as, roles_manager, make_person, make_group, scopable_module):
    group, other_group = make_group(), make_group()
    director = make_person()
    login_as(roles_manager)
    client.post(f"/admin/people/{director.id}/permissions", data={"permission": SCOPED_CODE, "scope": f"g:{group.id}"})
    director = _fresh(director)
    assert has_permission(director, SCOPED_CODE, group) and not has_permission(director, SCOPED_CODE, other_group)


def test_a_permission_that_is_not_scopable_cannot_be_limited(client, login_as, roles_manager, make_person, make_group):
    person, group = make_person(), make_group()
    login_as(roles_manager)
    response = client.post(f"/admin/people/{person.id}/permissions",
                           data={"permission": "core.org.manage", "scope": f"g:{group.id}"}, follow_redirects=True)
    assert "cannot be limited" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1  # the manager's own


def test_the_same_grant_twice_is_refused(client, login_as, roles_manager, make_person):
    person = make_person()
    login_as(roles_manager)
    for _ in range(2):
        response = client.post(f"/admin/people/{person.id}/permissions", data={"permission": "core.org.manage", "scope": ""},
                               follow_redirects=True)
    assert "already been granted" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.person_id == person.id)) == 1


@pytest.mark.khet_plugins()
def test_codes_of_disabled_modules_are_neither_offered_nor_granted(client, login_as, roles_manager, make_person):
    person = make_person()
    login_as(roles_manager)
    page = client.get(f"/admin/people/{person.id}/permissions").get_data(as_text=True)
    assert 'value="core.org.manage"' in page
    assert 'value="notices.read"' not in page
    client.post(f"/admin/people/{person.id}/permissions", data={"permission": "notices.read", "scope": ""})
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.person_id == person.id)) == 0


def test_permission_choices_are_grouped_by_module_with_labels(client, login_as, roles_manager, make_person):
    login_as(roles_manager)
    page = client.get(f"/admin/people/{make_person().id}/permissions").get_data(as_text=True)
    assert '<optgroup label="แกนระบบ">' in page or '<optgroup label="Core">' in page
    assert "Manage roles and grant permissions" in page or "core.roles.manage" in page


def test_what_can_this_person_do_shows_where_each_permission_comes_from(
    client, login_as, roles_manager, make_person, make_group, make_school, grant, scopable_module
):
    group, school = make_group(name="กลุ่มอำนวยการ"), make_school(name="โรงเรียนบ้านโคก")
    person = make_person(group=group)
    role = Role(code="clerks", name="ธุรการ")
    role.members.append(person)
    db.session.add(role)
    db.session.commit()
    grant("core.org.manage", to=role)
    grant("core.people.manage", to=group)
    grant(SCOPED_CODE, to=person, scope=school)
    login_as(roles_manager)
    page = client.get(f"/admin/people/{person.id}/permissions").get_data(as_text=True)
    assert 'data-permission="core.org.manage" data-source="role"' in page and "ธุรการ" in page
    assert 'data-permission="core.people.manage" data-source="group"' in page
    assert f'data-permission="{SCOPED_CODE}" data-source="person"' in page and "โรงเรียนบ้านโคก" in page


def test_grant_to_a_role_without_the_permission_is_refused(client, login_as, make_person):
    role = Role(code="x", name="x")
    db.session.add(role)
    db.session.commit()
    login_as(make_person())
    assert client.post(f"/admin/roles/{role.id}/grants", data={"permission": "core.admin", "scope": ""}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
