"""Admin pages for people, their memberships, passwords and acting-for delegations (core.people.manage)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import g
from sqlalchemy import func, select

from core import security
from core.calendar import local_today
from core.db import db
from core.models import Delegation, GroupMembership, Person, SchoolMembership
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
def hr(make_person, grant):
    person = make_person(first_name="เจ้าหน้าที่บุคคล")
    grant("core.people.manage", to=person)
    return person


@pytest.fixture
def events(app, monkeypatch):
    sent = []
    original = registry(app).notify

    def record(event, **kwargs):
        sent.append((event, kwargs))
        original(event, **kwargs)

    monkeypatch.setattr(registry(app), "notify", record)
    return sent


def _reload(person):
    db.session.expire_all()
    return db.session.get(Person, person.id)


@pytest.mark.parametrize("path", ["/admin/people", "/admin/people/new", "/admin/delegations", "/admin/people/import"])
def test_people_pages_need_the_people_permission(client, login_as, make_person, hr, grant, path):
    org_only = make_person()
    grant("core.org.manage", to=org_only)
    login_as(org_only)
    assert client.get(path).status_code == 403
    login_as(hr)
    assert client.get(path).status_code == 200


def test_person_is_created_with_details(client, login_as, hr):
    login_as(hr)
    response = client.post("/admin/people/new", data={
        "title": "นางสาว", "first_name": "มาลี", "last_name": "ศรีสุข", "position": "นักวิชาการศึกษา",
        "phone": "081-000-0000", "email": "malee@example.go.th", "username": "malee", "locale": "th",
    })
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.username == "malee"))
    assert (person.full_name, person.position, person.email, person.locale, person.active) == (
        "นางสาวมาลี ศรีสุข", "นักวิชาการศึกษา", "malee@example.go.th", "th", True
    )
    assert person.password_hash is None


def test_username_in_use_is_refused_whatever_its_case(client, login_as, hr, make_person):
    make_person(username="somchai", first_name="สมชาย")
    login_as(hr)
    response = client.post("/admin/people/new", data={"first_name": "อีกคน", "username": "SomChai"})
    assert response.status_code == 200
    assert "already used by" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.first_name == "อีกคน")) == 0


def test_a_person_without_username_cannot_sign_in_but_is_saved(client, login_as, hr):
    login_as(hr)
    client.post("/admin/people/new", data={"first_name": "ครูสมใจ", "username": ""})
    person = db.session.scalar(select(Person).where(Person.first_name == "ครูสมใจ"))
    assert person.username is None


def test_people_search_and_filters(client, login_as, hr, make_person, make_group, make_school):
    group, school = make_group(), make_school()
    make_person(first_name="ประเสริฐ", group=group)
    make_person(first_name="ประภา", school=school)
    make_person(first_name="ประยุทธ", active=False)
    login_as(hr)
    page = client.get("/admin/people?q=ประ").get_data(as_text=True)
    assert "ประเสริฐ" in page and "ประภา" in page and "ประยุทธ" not in page
    by_group = client.get(f"/admin/people?q=ประ&group={group.id}").get_data(as_text=True)
    assert "ประเสริฐ" in by_group and "ประภา" not in by_group
    by_school = client.get(f"/admin/people?school={school.id}").get_data(as_text=True)
    assert "ประภา" in by_school and "ประเสริฐ" not in by_school
    inactive = client.get("/admin/people?active=no").get_data(as_text=True)
    assert "ประยุทธ" in inactive and "ประภา" not in inactive


def test_deactivating_ends_the_session_and_tells_modules(app, client, login_as, hr, make_person, events):
    person = make_person(username="leaving", password="correct-horse-9")
    their_browser = app.test_client()
    with their_browser.session_transaction() as stored:
        stored["_user_id"] = person.get_id()
    assert their_browser.get("/").status_code == 200
    # The test app context outlives requests: drop the CSRF token the other browser's page left in g.
    g.pop("csrf_token", None)
    version = person.session_version
    login_as(hr)
    response = client.post(f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 302
    person = _reload(person)
    assert person.active is False and person.session_version == version + 1
    assert their_browser.get("/").status_code == 302
    assert [kw["person"].id for e, kw in events if e == "person_deactivated"] == [person.id]


def test_deactivation_without_the_permission_is_refused(client, login_as, make_person, events):
    person = make_person()
    login_as(make_person())
    assert client.post(f"/admin/people/{person.id}/deactivate").status_code == 403
    assert _reload(person).active is True
    assert not events


def test_deactivation_needs_the_csrf_token(client, login_as, hr, make_person):
    person = make_person()
    login_as(hr)
    assert client.post(f"/admin/people/{person.id}/deactivate", csrf=False).status_code == 400
    assert _reload(person).active is True


def test_nobody_deactivates_their_own_account(client, login_as, hr, events):
    login_as(hr)
    client.post(f"/admin/people/{hr.id}/deactivate")
    assert _reload(hr).active is True
    assert not events


def test_reactivated_person_may_sign_in_again(client, login_as, hr, make_person):
    person = make_person(username="back", password="correct-horse-9", active=False)
    login_as(hr)
    client.post(f"/admin/people/{person.id}/reactivate")
    assert _reload(person).active is True
    client.post("/logout")
    client.post("/login", data={"username": "back", "password": "correct-horse-9"})
    assert client.get("/").status_code == 200


def test_admin_sets_a_new_password(client, login_as, hr, make_person):
    person = make_person(username="forgetful", password="old-password-1")
    login_as(hr)
    client.post(f"/admin/people/{person.id}/password", data={"new_password": "brand-new-2569"})
    person = _reload(person)
    assert security.verify_password(person.password_hash, "brand-new-2569")


def test_weak_password_is_refused_and_nothing_changes(client, login_as, hr, make_person):
    person = make_person(username="forgetful", password="old-password-1")
    old_hash = person.password_hash
    login_as(hr)
    response = client.post(f"/admin/people/{person.id}/password", data={"new_password": "12345678"}, follow_redirects=True)
    assert "too easy to guess" in response.get_data(as_text=True)
    assert _reload(person).password_hash == old_hash


def test_moving_a_person_fires_person_changed_group(client, login_as, hr, make_person, make_group, events):
    old, new = make_group(), make_group()
    person = make_person(group=old)
    login_as(hr)
    client.post(f"/admin/people/{person.id}/move", data={"group_id": new.id})
    person = _reload(person)
    assert [m.group_id for m in person.group_memberships] == [new.id]
    assert person.primary_group.id == new.id
    moved = [kw for e, kw in events if e == "person_changed_group"]
    assert [(kw["person"].id, kw["old_group"].id, kw["new_group"].id) for kw in moved] == [(person.id, old.id, new.id)]


def test_leaving_the_primary_group_promotes_another(client, login_as, hr, make_person, make_group, events):
    first, second = make_group(), make_group()
    person = make_person(group=first)
    login_as(hr)
    client.post(f"/admin/people/{person.id}/groups", data={"group_id": second.id})
    primary = db.session.scalar(select(GroupMembership).where(GroupMembership.person_id == person.id, GroupMembership.group_id == first.id))
    client.post(f"/admin/people/{person.id}/groups/{primary.id}/remove")
    person = _reload(person)
    assert [(m.group_id, m.is_primary) for m in person.group_memberships] == [(second.id, True)]
    moved = [(kw["old_group"].id, kw["new_group"].id) for e, kw in events if e == "person_changed_group"]
    assert moved == [(first.id, second.id)]


def test_person_joins_and_leaves_a_school(client, login_as, hr, make_person, make_school):
    person, school = make_person(), make_school()
    login_as(hr)
    client.post(f"/admin/people/{person.id}/schools", data={"school_id": school.id, "role": "director"})
    membership = db.session.scalar(select(SchoolMembership).where(SchoolMembership.person_id == person.id))
    assert (membership.school_id, membership.role) == (school.id, "director")
    client.post(f"/admin/people/{person.id}/schools/{membership.id}/remove")
    assert _reload(person).school_memberships == []


def test_person_page_shows_memberships(client, login_as, hr, make_person, make_group, make_school):
    group, school = make_group(name="กลุ่มนิเทศ"), make_school(name="โรงเรียนบ้านดอน")
    person = make_person(group=group, school=school, school_role="clerk")
    login_as(hr)
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "กลุ่มนิเทศ" in page and "โรงเรียนบ้านดอน" in page


# --- delegations -------------------------------------------------------------------------


def _delegation_form(principal, delegate, start, end, rank=1, note=""):
    return {"principal_id": principal.id, "delegate_id": delegate.id, "rank": rank,
            "starts_on": start.isoformat(), "ends_on": end.isoformat(), "note": note}


def test_delegation_is_recorded(client, login_as, hr, make_person):
    director, deputy = make_person(first_name="ผอ"), make_person(first_name="รอง")
    today = local_today()
    login_as(hr)
    client.post("/admin/delegations", data=_delegation_form(director, deputy, today, today + dt.timedelta(days=3), note="คำสั่งที่ 31/2569"))
    delegation = db.session.scalar(select(Delegation))
    assert (delegation.principal_id, delegation.delegate_id, delegation.rank, delegation.note) == (
        director.id, deputy.id, 1, "คำสั่งที่ 31/2569"
    )
    assert f'data-delegation="{delegation.id}"' in client.get("/admin/delegations").get_data(as_text=True)


@pytest.mark.parametrize("problem", ["end_before_start", "self", "rank_clash"])
def test_bad_delegations_are_refused(client, login_as, hr, make_person, problem):
    director, deputy = make_person(), make_person()
    today = local_today()
    if problem == "rank_clash":
        db.session.add(Delegation(principal_id=director.id, delegate_id=deputy.id, rank=1, starts_on=today, ends_on=today + dt.timedelta(days=5)))
        db.session.commit()
    form = {
        "end_before_start": _delegation_form(director, deputy, today, today - dt.timedelta(days=1)),
        "self": _delegation_form(director, director, today, today),
        "rank_clash": _delegation_form(director, make_person(), today + dt.timedelta(days=2), today + dt.timedelta(days=9)),
    }[problem]
    login_as(hr)
    response = client.post("/admin/delegations", data=form)
    assert response.status_code == 200
    expected = {"end_before_start": "cannot be before", "self": "cannot act for themselves", "rank_clash": "already has"}[problem]
    assert expected in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Delegation)) == (1 if problem == "rank_clash" else 0)


def test_only_future_delegations_can_be_deleted(client, login_as, hr, make_person):
    director, deputy = make_person(), make_person()
    today = local_today()
    current = Delegation(principal_id=director.id, delegate_id=deputy.id, rank=1, starts_on=today, ends_on=today)
    future = Delegation(principal_id=director.id, delegate_id=deputy.id, rank=2,
                        starts_on=today + dt.timedelta(days=7), ends_on=today + dt.timedelta(days=8))
    db.session.add_all([current, future])
    db.session.commit()
    login_as(hr)
    client.post(f"/admin/delegations/{current.id}/delete")
    client.post(f"/admin/delegations/{future.id}/delete")
    db.session.expire_all()
    assert db.session.get(Delegation, current.id) is not None
    assert db.session.get(Delegation, future.id) is None


def test_ended_delegations_are_not_listed(client, login_as, hr, make_person):
    director, deputy = make_person(), make_person()
    today = local_today()
    db.session.add(Delegation(principal_id=director.id, delegate_id=deputy.id, rank=1,
                              starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=1)))
    db.session.commit()
    login_as(hr)
    ended = db.session.scalar(select(Delegation))
    assert f'data-delegation="{ended.id}"' not in client.get("/admin/delegations").get_data(as_text=True)
