"""Fixtures of the notices tests: a reader and a poster, and a way to put a notice up without the pages."""

from __future__ import annotations

import pytest

from core.api import db
from plugins.notices.models import Notice
from plugins.notices.permissions import POST, READ


@pytest.fixture
def reader(make_person, grant):
    person = make_person()
    grant(READ, to=person)
    return person


@pytest.fixture
def poster(make_person, grant):
    person = make_person()
    grant(READ, to=person)
    grant(POST, to=person)
    return person


@pytest.fixture
def make_notice():
    def make(title: str, body: str = "") -> Notice:
        notice = Notice(title=title, body=body)
        db.session.add(notice)
        db.session.commit()
        return notice

    return make
