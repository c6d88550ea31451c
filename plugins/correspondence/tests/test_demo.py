"""The demo office's correspondence (`khet demo`): a year of letters, made in date order, that the README's logins can use."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from core.api import Person, School, db, local_today, to_local
from core.testing import demo_passwords, password_matches
from plugins.correspondence.models import Assignment, Delivery, Letter, Register, Route, SecretReader

pytestmark = pytest.mark.khet_plugins("correspondence")

ADMIN_PASSWORD, DEMO_PASSWORD = demo_passwords()


@pytest.fixture
def demo(app, demo_database):
    """The demo office, seeded once per test session and copied into this test's database."""
    return {p.username: p for p in db.session.scalars(select(Person).where(Person.username.in_(
        ["admin", "admin1", "admin_head", "director", "school1_clerk", "school2_clerk"])))}


def _lines(**where) -> list[Letter]:
    statement = select(Letter).join(Register, Register.id == Letter.register_id)
    for column, value in where.items():
        statement = statement.where(getattr(Register, column) == value)
    return list(db.session.scalars(statement))


def test_the_demo_is_a_year_of_letters_in_date_order_with_receipts_and_secret_letters(demo):
    """One test for the whole year: the demo takes seconds to build, so it is built once for these checks."""
    _a_year_numbered_in_date_order()
    _circulars_reach_the_schools_most_receive_within_days_some_never()
    _secret_letters_are_named_and_sent_only_to_named_people(demo)
    _letters_are_routed_to_groups_and_officers_some_overdue()


def _a_year_numbered_in_date_order():
    letters = _lines()
    times = [letter.registered_at for letter in letters]
    assert max(times) - min(times) > dt.timedelta(days=300)
    by_register_year = defaultdict(list)
    for letter in letters:
        by_register_year[(letter.register_id, letter.year)].append(letter)
    for lines in by_register_year.values():  # 1, 2, 3 ... in the order they were registered
        lines.sort(key=lambda line: line.number)
        assert [line.number for line in lines] == list(range(1, len(lines) + 1))
        assert [line.registered_at for line in lines] == sorted(line.registered_at for line in lines)

    incoming = _lines(kind="incoming", scope="office")
    assert len(incoming) > 150
    assert len({line.from_text for line in incoming}) >= 8  # สพฐ., the province and other agencies
    returned = set(db.session.scalars(select(Route.letter_id).where(Route.action == "return")))
    assert all(line.group_id for line in incoming if line.id not in returned)  # each handed to a group, unless sent back
    subjects = " ".join(line.subject for line in letters)
    for topic in ("งบประมาณ", "นักเรียน", "ประชุม", "โครงการ", "อบรม", "รายงานผล"):
        assert topic in subjects
    assert {line.urgency for line in letters} >= {"normal", "urgent", "very_urgent", "most_urgent"}
    assert len(_lines(kind="order", scope="office")) >= 5 and len(_lines(kind="certificate", scope="office")) >= 1
    cancelled = [line for line in letters if line.cancelled]
    assert cancelled and all(line.cancel_reason for line in cancelled)
    assert any(line.register.group_id for line in letters)  # the groups keep their own registers
    assert any(line.register.kind == "outgoing" and line.register.school_id for line in letters)  # schools write too


def _circulars_reach_the_schools_most_receive_within_days_some_never():
    schools = db.session.scalar(select(func.count()).select_from(School).where(School.active.is_(True)))
    circulars = _lines(kind="circular", scope="office")
    per_letter = dict(db.session.execute(select(Delivery.letter_id, func.count()).where(
        Delivery.letter_id.in_([c.id for c in circulars])).group_by(Delivery.letter_id)).all())
    assert schools == 30
    assert any(count == schools for count in per_letter.values())  # to all schools
    assert any(1 < count < schools for count in per_letter.values())  # to a network
    deliveries = db.session.scalars(select(Delivery).where(Delivery.school_id.is_not(None))).all()
    received = [d for d in deliveries if d.received_at]
    assert 0.7 < len(received) / len(deliveries) < 0.98
    assert all(d.received_at > d.sent_at and d.incoming_letter_id for d in received)
    assert sum(d.received_at - d.sent_at < dt.timedelta(days=8) for d in received) > 0.9 * len(received)
    lines = {line.id: line for line in _lines(kind="incoming")}
    assert all(lines[d.incoming_letter_id].register.school_id == d.school_id for d in received)


def _secret_letters_are_named_and_sent_only_to_named_people(demo):
    secret = _lines(kind="secret")
    assert secret
    for letter in secret:
        readers = set(db.session.scalars(select(SecretReader.person_id).where(SecretReader.letter_id == letter.id)))
        assert {demo["director"].id, demo["admin_head"].id} <= readers
        sent_to = db.session.scalars(select(Delivery).where(Delivery.letter_id == letter.id)).all()
        assert all(d.person_id in readers and d.school_id is None and d.group_id is None for d in sent_to)
    assert db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.letter_id.in_([s.id for s in secret]))) > 0


def _letters_are_routed_to_groups_and_officers_some_overdue():
    hops = set(db.session.scalars(select(Route.action).distinct()))
    assert {"forward", "present", "assign", "acknowledge", "done"} <= hops
    assignments = db.session.scalars(select(Assignment)).all()
    assert any(a.done_at for a in assignments)
    assert any(a.done_at is None and a.due_on and a.due_on < local_today() for a in assignments)  # overdue
    assert all(a.due_on is None or a.due_on >= to_local(a.assigned_at).date() for a in assignments)


def test_the_readme_logins_find_letters(demo, login_as):
    assert password_matches(demo["admin"], ADMIN_PASSWORD)
    for username in ("director", "admin_head", "admin1", "school1_clerk"):
        assert password_matches(demo[username], DEMO_PASSWORD)

    school_id = demo["school1_clerk"].school_memberships[0].school_id
    waiting = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.school_id == school_id, Delivery.received_at.is_(None)))
    received = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.school_id == school_id, Delivery.received_at.is_not(None)))
    assert waiting >= 3 and received >= 10
    inbox = login_as(demo["school1_clerk"]).get("/correspondence/inbox")
    assert inbox.status_code == 200
    assert len(re.findall(r'href="/correspondence/deliveries/\d+"', inbox.get_data(as_text=True))) >= 3

    registry = login_as(demo["admin1"])
    central_incoming = db.session.scalar(select(Register.id).where(Register.kind == "incoming", Register.scope == "office"))
    page = registry.get(f"/correspondence/registers/{central_incoming}")
    assert page.status_code == 200 and "ศธ 04" in page.get_data(as_text=True)
    secret_letter = _lines(kind="secret")[0]
    assert login_as(demo["director"]).get(f"/correspondence/letters/{secret_letter.id}").status_code == 200
    assert login_as(demo["school1_clerk"]).get(f"/correspondence/letters/{secret_letter.id}").status_code == 403
