"""Registers and their numbers: consecutive per register and year, never reused, cancelled numbers kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.api import audit, db, numbers
from core.testing import run_in_threads
from plugins.correspondence import services
from plugins.correspondence.models import Correction, Letter, Register
from plugins.correspondence.services import CorrespondenceError

pytestmark = pytest.mark.khet_plugins("correspondence")

JAN_2026 = dt.datetime(2026, 1, 5, 3, 0)  # 5 January 2569, 10:00 in Bangkok
DEC_2026 = dt.datetime(2026, 12, 31, 3, 0)  # 31 December 2569
JAN_2027 = dt.datetime(2027, 1, 1, 3, 0)  # 1 January 2570


def test_second_clerk_gets_the_next_number(office, letter_fields):
    register = services.register_for("outgoing")
    first = services.register_letter(register, letter_fields(), office.registry_clerk, now=JAN_2026)
    second = services.register_letter(register, letter_fields("เชิญประชุม"), office.group_clerk, now=JAN_2026)
    assert (first.number, second.number) == (1, 2)
    assert (first.year, second.year) == (2569, 2569)
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 2


def test_each_register_and_scope_numbers_on_its_own(office, letter_fields):
    outgoing, circular = services.register_for("outgoing"), services.register_for("circular")
    group_outgoing = services.register_for("outgoing", group=office.planning)
    numbers_taken = [services.register_letter(r, letter_fields(), office.registry_clerk, now=JAN_2026).number
                     for r in (outgoing, circular, group_outgoing, outgoing)]
    assert numbers_taken == [1, 1, 1, 2]
    assert services.register_for("outgoing").id == outgoing.id  # asked again: the same register
    assert db.session.scalar(select(func.count()).select_from(Register)) == 3


def test_numbers_restart_on_the_first_of_january(office, letter_fields):
    register = services.register_for("incoming")
    for _ in range(3):
        services.register_letter(register, letter_fields(), office.registry_clerk, now=DEC_2026)
    new_year = services.register_letter(register, letter_fields(), office.registry_clerk, now=JAN_2027)
    assert (new_year.number, new_year.year) == (1, 2570)


def test_printed_numbers_carry_the_office_code(office, letter_fields):
    def first_of(kind):
        return services.register_letter(services.register_for(kind), letter_fields(), office.registry_clerk, now=JAN_2026)

    assert services.printed_number(first_of("outgoing")) == "ศธ 04183/1"
    assert services.printed_number(first_of("circular")) == "ศธ 04183/ว 1"
    assert services.printed_number(first_of("order")) == "1/2569"
    assert services.printed_number(first_of("incoming")) == "1"


def test_cancelled_number_stays_in_the_register_and_is_not_given_again(office, letter_fields):
    register = services.register_for("outgoing")
    letter = services.register_letter(register, letter_fields(), office.registry_clerk, now=JAN_2026)
    services.cancel_letter(letter, "ออกเลขซ้ำ", office.registry_clerk)
    following = services.register_letter(register, letter_fields(), office.registry_clerk, now=JAN_2026)
    db.session.expire_all()
    kept = db.session.get(Letter, letter.id)
    assert kept.cancelled and kept.cancel_reason == "ออกเลขซ้ำ" and kept.number == 1
    assert following.number == 2
    issued = db.session.get(numbers.IssuedNumber, kept.issued_number_id)
    assert issued.cancelled and issued.cancel_reason == "ออกเลขซ้ำ"
    assert [e.action for e in audit.history_of("correspondence", "letter", letter.id)] == ["register", "cancel"]


def test_cancel_needs_a_reason_and_happens_once(office, letter_fields):
    letter = services.register_letter(services.register_for("outgoing"), letter_fields(), office.registry_clerk, now=JAN_2026)
    with pytest.raises(CorrespondenceError, match="why"):
        services.cancel_letter(letter, "  ", office.registry_clerk)
    db.session.rollback()
    assert not db.session.get(Letter, letter.id).cancelled
    services.cancel_letter(letter, "ยกเลิก", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="already"):
        services.cancel_letter(letter, "อีกครั้ง", office.registry_clerk)


def test_refused_line_takes_no_number(office, letter_fields):
    register = services.register_for("incoming")
    with pytest.raises(CorrespondenceError, match="subject"):
        services.register_letter(register, letter_fields(" "), office.registry_clerk, now=JAN_2026)
    with pytest.raises(CorrespondenceError, match="secret register"):
        services.register_letter(register, letter_fields(secrecy="secret"), office.registry_clerk, now=JAN_2026)
    db.session.rollback()
    assert services.register_letter(register, letter_fields(), office.registry_clerk, now=JAN_2026).number == 1


def test_correction_keeps_what_the_line_said_before(office, letter_fields):
    letter = services.register_letter(services.register_for("incoming"), letter_fields(from_text="สพฐ."),
                                      office.registry_clerk, now=JAN_2026)
    changed = services.fields_of(letter)
    changed.from_text, changed.urgency = "สำนักงานศึกษาธิการจังหวัด", "urgent"
    services.correct_letter(letter, changed, office.registry_clerk)
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert (letter.from_text, letter.urgency, letter.number) == ("สำนักงานศึกษาธิการจังหวัด", "urgent", 1)
    (correction,) = db.session.scalars(select(Correction).where(Correction.letter_id == letter.id))
    assert correction.changes == {"from_text": ["สพฐ.", "สำนักงานศึกษาธิการจังหวัด"], "urgency": ["normal", "urgent"]}
    assert correction.corrected_by_id == office.registry_clerk.id


@pytest.mark.slow
def test_twenty_clerks_registering_at_once_get_distinct_consecutive_numbers(app, office, letter_fields):
    register_id = services.register_for("incoming").id
    db.session.commit()
    clerk_id = office.registry_clerk.id
    count = 20

    def register(n):
        letter = services.register_letter(db.session.get(Register, register_id), letter_fields(f"หนังสือที่ {n}"),
                                          db.session.get(services.Person, clerk_id), now=JAN_2026)
        return letter.number

    race = run_in_threads(register, count)
    taken, errors = race.results, race.errors
    assert errors == []
    assert sorted(taken) == list(range(1, count + 1))
    db.session.commit()
    stored = db.session.scalars(select(Letter.number).where(Letter.register_id == register_id).order_by(Letter.number))
    assert list(stored) == list(range(1, count + 1))
