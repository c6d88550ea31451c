"""Fixtures of the visitor log's tests, on top of Khet's own (app, client, login_as, make_person, grant ...)."""

from __future__ import annotations

import pytest

from khet_visitors.permissions import RECORD, VIEW


@pytest.fixture
def host(make_group, make_person):
    return make_person(first_name="สมศรี", last_name="ใจงาม", group=make_group())


@pytest.fixture
def receptionist(make_person, grant):
    person = make_person(first_name="มาลี", username="frontdesk", locale="en")  # reads messages in English
    grant(RECORD, to=person)
    grant(VIEW, to=person)
    return person
