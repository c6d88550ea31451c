"""What a worker keeps between requests (core.cache) is dropped as soon as another request changes it.

Enabled modules, a person's grants and menu and the office are kept in each
worker's memory under stamps in the database. These tests change each of them
and look at the very next request, in the same app and in a second app on the
same database (a second gunicorn worker), and hold the bare signed-in page to
its few queries.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from core.app import create_app
from core.db import db
from core.models import CacheStamp, Grant, GroupMembership, Office, Role
from core.plugins import registry
from core.testing import KhetTestClient, QueryLog

ROLES_PAGE = "/admin/roles"  # needs core.roles.manage
BARE_PAGE = "/account/password"  # the base layout and a small form: what every signed-in page pays


@pytest.fixture
def second_worker(app, khet_app_config, tmp_path):
    """Another app on the same database, as a second gunicorn worker would be: its own memory, its own sessions."""
    other = create_app(config=khet_app_config, instance_path=tmp_path / "second-worker")
    other.test_client_class = KhetTestClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def signed_in(flask_app, person):
    client = flask_app.test_client()
    with client.session_transaction() as stored:
        stored["_user_id"] = person.get_id()
        stored["_fresh"] = True
    return client


def revoke(row: Grant) -> None:
    db.session.delete(db.session.get(Grant, row.id))
    db.session.commit()


def test_a_revoked_grant_is_refused_on_the_next_request(client, login_as, make_person, grant):
    clerk = make_person()
    row = grant("core.roles.manage", to=clerk)
    login_as(clerk)
    assert client.get(ROLES_PAGE).status_code == 200
    assert client.get(ROLES_PAGE).status_code == 200  # now served from the worker's memory
    revoke(row)
    assert client.get(ROLES_PAGE).status_code == 403


def test_a_grant_revoked_in_one_worker_is_refused_by_another(app, second_worker, make_person, grant):
    clerk = make_person()
    row = grant("core.roles.manage", to=clerk)
    first, second = signed_in(app, clerk), signed_in(second_worker, clerk)
    assert second.get(ROLES_PAGE).status_code == 200  # the second worker keeps the grant
    assert second.get(ROLES_PAGE).status_code == 200
    revoke(row)  # through the first worker's session
    assert first.get(ROLES_PAGE).status_code == 403
    assert second.get(ROLES_PAGE).status_code == 403


def test_leaving_the_group_that_holds_a_grant_is_seen_by_another_worker(app, second_worker, make_person, make_group,
                                                                         grant):
    group = make_group()
    clerk = make_person(group=group)
    grant("core.roles.manage", to=group)
    second = signed_in(second_worker, clerk)
    assert second.get(ROLES_PAGE).status_code == 200
    db.session.execute(delete(GroupMembership).where(GroupMembership.person_id == clerk.id))  # a bulk delete
    db.session.commit()
    assert second.get(ROLES_PAGE).status_code == 403


def test_joining_a_role_is_seen_by_another_worker(app, second_worker, make_person, grant):
    role = Role(code="registry-clerks", name="ธุรการ")
    db.session.add(role)
    db.session.commit()
    grant("core.roles.manage", to=role)
    clerk = make_person()
    second = signed_in(second_worker, clerk)
    assert second.get(ROLES_PAGE).status_code == 403
    role.members.append(clerk)  # only the association table changes
    db.session.commit()
    assert second.get(ROLES_PAGE).status_code == 200


@pytest.mark.khet_plugins("rooms")
def test_enabling_a_module_shows_its_menu_at_once_in_every_worker(app, second_worker, make_person):
    admin = make_person(is_admin=True)
    first, second = signed_in(app, admin), signed_in(second_worker, admin)
    for client in (first, second):
        assert 'href="/notices/"' not in client.get(BARE_PAGE).get_data(as_text=True)
    registry().set_enabled("notices", True)  # what the modules page does, in the first worker
    for client in (first, second):
        assert 'href="/notices/"' in client.get(BARE_PAGE).get_data(as_text=True)
        assert client.get("/notices/").status_code == 200
    registry().set_enabled("notices", False)
    assert 'href="/notices/"' not in second.get(BARE_PAGE).get_data(as_text=True)
    assert second.get("/notices/").status_code == 404


def test_a_renamed_office_shows_in_another_worker(app, second_worker, make_office, make_person):
    make_office(name="สพป.เดิม")
    person = make_person()
    second = signed_in(second_worker, person)
    assert "สพป.เดิม" in second.get(BARE_PAGE).get_data(as_text=True)
    db.session.scalars(select(Office)).one().name = "สพป.ใหม่"
    db.session.commit()
    page = second.get(BARE_PAGE).get_data(as_text=True)
    assert "สพป.ใหม่" in page and "สพป.เดิม" not in page


def test_a_change_bumps_its_stamp_in_the_same_transaction(app, make_person, grant):
    before = dict(db.session.execute(select(CacheStamp.name, CacheStamp.token)).all())
    row = grant("core.roles.manage", to=make_person())
    db.session.delete(row)
    db.session.flush()
    during = dict(db.session.execute(select(CacheStamp.name, CacheStamp.token)).all())
    db.session.rollback()
    assert during["access"] != before.get("access")
    assert during["modules"] == before.get("modules")  # a grant leaves the other stamps alone


def test_signing_in_changes_no_stamp(app, make_person):
    """A sign-in writes last_login_at: it must not throw away every worker's menus."""
    person = make_person()
    before = dict(db.session.execute(select(CacheStamp.name, CacheStamp.token)).all())
    person.last_login_at = person.created_at
    person.locale = "en"
    db.session.commit()
    assert dict(db.session.execute(select(CacheStamp.name, CacheStamp.token)).all()) == before


def test_a_new_acting_for_delegation_is_seen_by_the_next_request(app, make_person):
    import datetime as dt

    from core import calendar
    from core.models import Delegation
    from core.services.approvals import principals_of

    director, deputy = make_person(), make_person()
    with app.test_request_context("/"):
        assert principals_of(deputy) == []  # now kept by the worker
    today = calendar.local_today()
    db.session.add(Delegation(principal_id=director.id, delegate_id=deputy.id, rank=1,
                              starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1)))
    db.session.commit()
    with app.test_request_context("/"):
        assert principals_of(deputy) == [director.id]


# --- what the bare signed-in page costs ------------------------------------------------------

# The person (user loader), the stamps, and every badge with the bell's unread count in one query; SQLite adds
# its BEGIN.
BARE_PAGE_QUERY_LIMIT = 4


def test_the_bare_signed_in_page_makes_few_queries_and_rereads_nothing_kept(client, login_as, make_person, grant,
                                                                           make_office):
    make_office()
    clerk = make_person()
    grant("core.roles.manage", to=clerk)
    login_as(clerk)
    assert client.get(BARE_PAGE).status_code == 200  # fills the worker's memory
    with QueryLog(db.engine) as log:
        assert client.get(BARE_PAGE).status_code == 200
    assert log.count <= BARE_PAGE_QUERY_LIMIT, "\n".join(log.statements)
    for kept in ("core_grant", "core_plugin_state", "core_office", "core_role_member", "core_group_membership",
                 "core_delegation"):
        assert not log.touching(kept), f"{kept} is read again although no stamp changed: {log.touching(kept)}"
    assert len(log.touching("core_cache_stamp")) == 1


def test_the_kept_menu_html_follows_the_open_page_the_language_and_the_person(app, client, login_as, make_person,
                                                                             grant):
    """core.web.navbar_menu_html reuses a person's rendered menu only while its sections are the same."""
    clerk = make_person()
    grant("core.roles.manage", to=clerk)
    login_as(clerk)
    roles_link = 'href="/admin/roles"'
    assert roles_link + ' aria-current="page"' not in client.get(BARE_PAGE).get_data(as_text=True)
    assert roles_link + ' aria-current="page"' in client.get(ROLES_PAGE).get_data(as_text=True)
    assert roles_link + ' aria-current="page"' not in client.get(BARE_PAGE).get_data(as_text=True)
    thai = client.get(BARE_PAGE).get_data(as_text=True)
    client.post("/locale", data={"locale": "en"})
    english = client.get(BARE_PAGE).get_data(as_text=True)
    assert "Roles and permissions" in english and "Roles and permissions" not in thai
    other = make_person()  # no grant: the clerk's kept menu is not theirs
    login_as(other)
    assert roles_link not in client.get(BARE_PAGE).get_data(as_text=True)
