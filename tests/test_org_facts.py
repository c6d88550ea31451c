"""The org facts a module's service asks core (core.api): who directs the office, a group,
a school; who oversees a group or a network; which schools a network has; where a person works."""

from __future__ import annotations

import pytest

from core import api
from core.db import db
from core.models import Office, SchoolNetwork


def test_the_org_facts_are_public_api():
    for name in ("office_director", "group_director", "group_deputy", "network_deputy",
                 "school_director", "network_schools", "group_of", "school_of"):
        assert name in api.__all__
        assert callable(getattr(api, name))


def test_office_director_is_the_active_director_of_the_office(app, make_office, make_person):
    assert api.office_director() is None  # no office yet
    make_office()
    assert api.office_director() is None  # an office without a director
    director = make_person(position="ผู้อำนวยการ สพป.")
    Office.current().director_id = director.id
    db.session.commit()
    assert api.office_director() == director
    director.active = False
    db.session.commit()
    assert api.office_director() is None


def test_group_director_and_deputy(app, make_group, make_person):
    deputy = make_person()
    group = make_group(deputy_id=deputy.id)
    make_person(group=group)
    assert api.group_director(group) is None
    head = make_person(group=group, director=True)
    db.session.expire(group)
    assert api.group_director(group) == head
    assert api.group_deputy(group) == deputy
    head.active = deputy.active = False
    db.session.commit()
    assert api.group_director(group) is None
    assert api.group_deputy(group) is None


def test_school_director_and_the_schools_of_a_network(app, make_school, make_person):
    deputy = make_person()
    network = SchoolNetwork(name="เครือข่ายทดสอบ", deputy_id=deputy.id)
    db.session.add(network)
    db.session.commit()
    b_school = make_school(name="โรงเรียนบ้านข", network_id=network.id)
    a_school = make_school(name="โรงเรียนบ้านก", network_id=network.id)
    closed = make_school(name="โรงเรียนบ้านค", network_id=network.id, active=False)
    make_school(name="โรงเรียนอื่น")
    assert api.network_schools(network) == [a_school, b_school]
    assert api.network_schools(network, include_inactive=True) == [a_school, b_school, closed]
    assert api.network_deputy(network) == deputy

    make_person(school=a_school, school_role="teacher")
    assert api.school_director(a_school) is None
    principal = make_person(school=a_school, school_role="director")
    db.session.expire(a_school)
    assert api.school_director(a_school) == principal


@pytest.mark.parametrize("where", ["group", "school"])
def test_where_a_person_works(app, make_group, make_school, make_person, where):
    group, school = make_group(), make_school()
    person = make_person(**{where: group if where == "group" else school})
    assert api.group_of(person) == (group if where == "group" else None)
    assert api.school_of(person) == (school if where == "school" else None)
