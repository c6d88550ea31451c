"""Fixtures of the meeting-rooms tests: people in their roles, rooms, booking details."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(autouse=True)
def _in_english(english_messages):
    """This module's tests read messages by their English ids (core.testing's english_messages)."""


@pytest.fixture
def people(make_group, make_person, grant):
    """A booker and a colleague in one group, the rooms' approver, another approver, an outsider, a room manager."""
    planning, finance = make_group(name="กลุ่มนโยบายและแผน"), make_group(name="กลุ่มการเงิน")
    crew = SimpleNamespace(
        planning=planning,
        finance=finance,
        booker=make_person(first_name="สมชาย", group=planning),
        colleague=make_person(first_name="สมหญิง", group=planning),
        approver=make_person(first_name="ประเสริฐ", group=planning, director=True),
        other_approver=make_person(first_name="วีระ", group=finance, director=True),
        outsider=make_person(first_name="มาลี", group=finance),
        manager=make_person(first_name="กาญจนา", group=finance),
    )
    for group in (planning, finance):
        grant("rooms.book", to=group)
    for person in (crew.approver, crew.other_approver):
        grant("rooms.approve", to=person)
    grant("rooms.manage", to=crew.manager)
    return crew


@pytest.fixture
def make_room(app, people):
    """``make_room(name=..., needs_approval=True, ...)``: a room saved through the service, approver ``people.approver``."""
    from plugins.rooms import services
    from core.api import db
    from plugins.rooms.services import RoomFields

    def make(**values):
        values.setdefault("name", "ห้องประชุมเล็ก")
        values.setdefault("capacity", 12)
        if values.get("needs_approval"):
            values.setdefault("approver", people.approver)
        room = services.save_room(None, RoomFields(**values), people.manager)
        db.session.commit()  # the caller commits
        return room

    return make


@pytest.fixture
def details():
    from plugins.rooms.services import BookingDetails

    def make(title="ประชุมคณะทำงาน", **values):
        return BookingDetails(title=title, **values)

    return make
