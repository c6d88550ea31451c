"""Fixtures of the correspondence tests: the office, its registry clerk, a group, schools and their clerks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(autouse=True)
def _in_english(english_messages):
    """This module's tests read messages by their English ids (core.testing's english_messages)."""


@pytest.fixture
def office(make_office, make_group, make_person, grant):
    """The office (letter code ศธ 04183), its central-registry clerk, a group with its clerk, a reader, an outsider."""
    make_office(letter_code="ศธ 04183")
    planning = make_group(name="กลุ่มนโยบายและแผน")
    crew = SimpleNamespace(
        planning=planning,
        registry_clerk=make_person(first_name="สุดา"),
        group_clerk=make_person(first_name="วันดี", group=planning),
        director=make_person(first_name="ประเสริฐ", position="ผู้อำนวยการ"),
        reader=make_person(first_name="มานะ"),
        outsider=make_person(first_name="มาลี"),
    )
    grant("correspondence.register", to=crew.registry_clerk)
    grant("correspondence.secret", to=crew.registry_clerk)
    grant("correspondence.register", to=crew.group_clerk, scope=planning)
    for person in (crew.director, crew.reader, crew.outsider):
        grant("correspondence.read", to=person)
    return crew


@pytest.fixture
def letter_fields():
    from plugins.correspondence.services import LetterFields

    def make(subject="ขอความอนุเคราะห์ข้อมูลนักเรียน", **values):
        return LetterFields(subject=subject, **values)

    return make
