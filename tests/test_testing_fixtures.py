"""Khet's pytest plugin itself: the grant fixture keeps the admin pages' rules, a database snapshot comes back whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from core.db import db
from core.models import Grant, Person
from core.org_services import OrgError
from core.testing import DatabaseSnapshot


def test_grant_refuses_what_the_admin_page_refuses(make_person, make_group, grant):
    person, group = make_person(), make_group()
    with pytest.raises(OrgError, match="ไม่สามารถจำกัดเฉพาะกลุ่มหรือโรงเรียนได้") as refused:  # tests speak Thai
        grant("rooms.approve", to=person, scope=group)
    assert refused.value.field == "scope"
    with pytest.raises(OrgError) as refused:
        grant("rooms.misspelled", to=person)
    assert refused.value.field == "permission"
    grant("correspondence.register", to=person, scope=group)
    with pytest.raises(OrgError) as refused:
        grant("correspondence.register", to=person, scope=group)
    assert refused.value.field == "permission"
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1


@pytest.mark.khet_plugins("notices")
def test_grant_refuses_a_code_of_a_disabled_module(make_person, grant):
    with pytest.raises(OrgError, match="rooms.book"):
        grant("rooms.book", to=make_person())


def _rows() -> dict[str, list]:
    return {table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
            for table in db.metadata.sorted_tables if table.name.startswith(("person", "grant", "group", "school"))}


def test_a_snapshot_restores_every_row_and_new_rows_get_fresh_ids(app, make_person, make_group, make_school, grant):
    group = make_group()
    people = [make_person(group=group, school=make_school(), school_role="clerk") for _ in range(3)]
    grant("correspondence.register", to=people[0], scope=group)
    before, highest = _rows(), max(p.id for p in people)
    snapshot = DatabaseSnapshot.take(app)
    db.session.remove()

    make_person()  # a row the snapshot does not have: restoring removes it
    if db.engine.dialect.name == "postgresql":  # as in a fresh database: the sequence knows nothing of the rows
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{Person.__tablename__}', 'id'), 1, false)"))
        db.session.commit()
    snapshot.restore()

    db.session.remove()
    assert _rows() == before
    newcomer = Person(username="after_restore", first_name="ใหม่", last_name="หลังกู้คืน")
    db.session.add(newcomer)
    db.session.commit()
    assert newcomer.id > highest  # the next id follows the restored ones (on PostgreSQL, the sequences were moved)
