"""Fifty people at once: the room is given to exactly one of them (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.api import (
    BOOKING_CONFIRMED as CONFIRMED, BOOKING_REFUSED as REFUSED, ApprovalRequest, Person,
    Reservation, db, save_settings,
)
from core.testing import run_in_threads
from plugins.rooms import services
from plugins.rooms.models import Booking, Room
from plugins.rooms.services import RoomError
from plugins.rooms.tests.helpers import NOW, at

pytestmark = [pytest.mark.khet_plugins("rooms"), pytest.mark.slow]

COUNT = 50


def in_threads(work) -> tuple[list, list, list]:
    """Run ``work(n)`` in COUNT threads released together, each with its own session; (done, refusals, errors)."""
    race = run_in_threads(work, COUNT, expected=RoomError, timeout=180)
    return race.results, race.refused, race.errors


def confirmed_reservations() -> int:
    db.session.commit()  # a fresh snapshot sees what the threads committed
    return db.session.scalar(select(func.count()).select_from(Reservation).where(Reservation.status == CONFIRMED))


def test_fifty_approvals_of_overlapping_requests_at_once_confirm_exactly_one(app, people, make_room, details):
    save_settings("rooms", {"max_open_bookings": 100})
    db.session.commit()
    room = make_room(needs_approval=True)
    bookers = [people.booker, people.colleague, people.outsider]
    ids = [
        services.request_booking(room, at(1, 9), at(1, 10, 15 * (n % 4)), bookers[n % 3], details(title=f"คำขอ {n}"),
                                 now=NOW).id
        for n in range(COUNT)
    ]
    approver_id = people.approver.id

    def approve(n):
        record = db.session.get(Booking, ids[n])
        services.decide(record, db.session.get(Person, approver_id), "approve")
        return record.id

    done, refused, errors = in_threads(approve)
    assert errors == []
    assert len(done) == 1 and len(refused) == COUNT - 1
    winner = db.session.get(Booking, done[0])
    assert all(winner.title in str(error) for error in refused)  # each refusal names the meeting in the way
    assert confirmed_reservations() == 1
    statuses = db.session.execute(select(Reservation.status, func.count()).group_by(Reservation.status)).all()
    assert dict(statuses) == {CONFIRMED: 1, REFUSED: COUNT - 1}  # approving one refused the overlapping requests
    requests = db.session.execute(select(ApprovalRequest.status, func.count()).group_by(ApprovalRequest.status)).all()
    assert dict(requests) == {"approved": 1, "refused": COUNT - 1}  # and /approvals agrees


def test_fifty_people_booking_a_free_room_at_once_get_exactly_one_booking(app, make_person, grant, people, make_room, details):
    room_id = make_room(name="ห้องที่ทุกคนอยากได้").id
    bookers = [make_person(first_name=f"ผู้จอง{n}") for n in range(COUNT)]
    for person in bookers:
        grant("rooms.book", to=person)
    booker_ids = [p.id for p in bookers]

    def reserve(n):
        return services.request_booking(db.session.get(Room, room_id), at(2, 13), at(2, 14, 15 * (n % 3)),
                                        db.session.get(Person, booker_ids[n]), details(title=f"จอง {n}"), now=NOW).id

    done, refused, errors = in_threads(reserve)
    assert errors == []
    assert len(done) == 1 and len(refused) == COUNT - 1
    assert confirmed_reservations() == 1
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


ROOMS_FOR_ONE_PERSON = 10


def test_fifty_requests_of_one_person_at_once_stop_at_the_open_bookings_limit(app, people, make_room, details):
    """The limit is decided under a lock of the booker: requests for different rooms (different room locks) too."""
    save_settings("rooms", {"max_open_bookings": 3})
    db.session.commit()
    rooms = [make_room(name=f"ห้อง {n}").id for n in range(ROOMS_FOR_ONE_PERSON)]
    services.request_booking(db.session.get(Room, rooms[0]), at(1, 8), at(1, 9), people.booker,
                             details(title="จองไว้ก่อน"), now=NOW)
    booker_id = people.booker.id

    def reserve(n):
        room = db.session.get(Room, rooms[n % ROOMS_FOR_ONE_PERSON])
        hour = 9 + n // ROOMS_FOR_ONE_PERSON  # no two requests want the same room at the same time
        return services.request_booking(room, at(2, hour), at(2, hour, 30), db.session.get(Person, booker_id),
                                        details(title=f"จอง {n}"), now=NOW).id

    done, refused, errors = in_threads(reserve)
    assert errors == []
    assert len(done) == 2 and len(refused) == COUNT - 2
    assert all("You already hold 3 bookings" in str(error) for error in refused)
    db.session.commit()
    assert services.open_bookings_of(db.session.get(Person, booker_id), NOW) == 3
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 3
