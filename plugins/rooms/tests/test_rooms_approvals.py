"""Who may decide a room request: the room's approver holding rooms.approve, on this module's pages and on
core's /approvals pages alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.api import (
    BOOKING_CONFIRMED as CONFIRMED, BOOKING_PENDING as PENDING, BOOKING_REFUSED as REFUSED, approvals, db,
)
from plugins.rooms import services
from plugins.rooms.models import Booking
from plugins.rooms.services import RoomError, RoomFields
from core.testing import revoke_grants
from plugins.rooms.tests.helpers import NOW, at

pytestmark = pytest.mark.khet_plugins("rooms")


@pytest.fixture
def waiting(people, make_room, details):
    """A pending request for a room needing approval, and its approval request."""
    room = make_room(needs_approval=True)
    record = services.request_booking(room, at(1, 9), at(1, 10), people.booker, details(title="ขอใช้ห้อง"), now=NOW)
    return record, services.approval_of(record)


def status_of(record) -> str:
    db.session.expire_all()
    return db.session.get(Booking, record.id).status


def revoke_approve_grant(person) -> None:
    revoke_grants("rooms.approve", person)


def decide_on_core_page(client, request, decision="approve", comment=""):
    return client.post(f"/approvals/{request.id}/decide",
                       data={"decision": decision, "comment": comment, "step_id": request.steps[0].id})


def test_the_room_s_approver_decides_through_core_s_approvals_page(people, login_as, waiting):
    record, request = waiting
    client = login_as(people.approver)
    assert f"/approvals/{request.id}" in client.get("/approvals/").get_data(as_text=True)
    assert "data-decision-form" in client.get(f"/approvals/{request.id}").get_data(as_text=True)
    assert decide_on_core_page(client, request).status_code == 302
    assert status_of(record) == CONFIRMED  # the rooms module was told and confirmed the time


def test_the_room_s_approver_refuses_through_core_s_approvals_page(people, login_as, waiting):
    record, request = waiting
    assert decide_on_core_page(login_as(people.approver), request, "refuse", "ห้องใช้จัดสอบ").status_code == 302
    assert status_of(record) == REFUSED


def test_a_named_approver_who_lost_rooms_approve_can_decide_on_neither_path(people, login_as, waiting):
    record, request = waiting
    revoke_approve_grant(people.approver)
    client = login_as(people.approver)

    # Core's pages: not listed as waiting, no decision form, a forged decision refused.
    assert f"/approvals/{request.id}" not in client.get("/approvals/").get_data(as_text=True)
    assert "data-decision-form" not in client.get(f"/approvals/{request.id}").get_data(as_text=True)
    response = decide_on_core_page(client, request)
    assert response.status_code == 400 and "You may not decide this request." in response.get_data(as_text=True)
    assert status_of(record) == PENDING

    # This module's pages: no buttons, the decision refused.
    assert f'data-decide="{record.id}"' not in client.get(f"/rooms/bookings/{record.id}").get_data(as_text=True)
    assert client.post(f"/rooms/bookings/{record.id}/decide", data={"decision": "approve"}).status_code == 403
    assert status_of(record) == PENDING

    # And the service, whichever way it is reached.
    step = db.session.get(approvals.ApprovalRequest, request.id).current_step
    assert approvals.authority(step, people.approver) == (False, None)
    with pytest.raises(RoomError, match="You may not decide this request."):
        services.decide(db.session.get(Booking, record.id), people.approver, "approve")
    assert status_of(record) == PENDING


def test_holding_rooms_approve_is_not_enough_without_being_the_room_s_approver(people, login_as, waiting):
    record, request = waiting
    client = login_as(people.other_approver)
    assert client.get(f"/approvals/{request.id}").status_code == 404  # not in the chain: not even shown
    assert client.post(f"/approvals/{request.id}/decide", data={"decision": "approve"}).status_code == 404
    assert status_of(record) == PENDING


def test_a_room_cannot_name_an_approver_who_may_not_approve(people):
    with pytest.raises(RoomError, match="may not approve room bookings"):
        services.save_room(None, RoomFields(name="ห้องใหญ่", needs_approval=True, approver=people.colleague),
                           people.manager)
    assert services.save_room(None, RoomFields(name="ห้องใหญ่", needs_approval=True, approver=people.approver),
                              people.manager).approver_id == people.approver.id
    assert db.session.scalar(select(Booking)) is None


def test_the_menu_badge_counts_what_the_waiting_page_lists(people, waiting, login_as):
    """The badge is one SQL count (waiting_count_query); it must agree with waiting_count's rows."""
    record, _request = waiting
    assert db.session.scalar(services.waiting_count_query(people.approver)) == services.waiting_count(people.approver) == 1
    page = login_as(people.approver).get("/account/password").get_data(as_text=True)
    assert 'href="/rooms/waiting"' in page and '<span class="badge text-bg-danger ms-2">1</span>' in page
    services.cancel_booking(record, people.booker, now=NOW)
    db.session.commit()
    assert db.session.scalar(services.waiting_count_query(people.approver)) == services.waiting_count(people.approver)


def test_the_menu_badge_counts_a_recurring_request_once(people, make_room, details):
    import datetime as dt

    room = make_room(needs_approval=True)
    services.request_series(room, at(1, 9), at(1, 10), people.booker, details(title="ประชุมประจำสัปดาห์"),
                            "weekly", until=dt.date(2027, 3, 29), now=NOW)
    assert db.session.scalar(services.waiting_count_query(people.approver)) == services.waiting_count(people.approver) == 1


def test_a_new_approver_of_the_room_takes_over_the_waiting_requests_on_both_paths(people, login_as, waiting):
    """Chosen: requests follow the room's approver. The one who lost the code (or was replaced) keeps none."""
    record, request = waiting
    revoke_approve_grant(people.approver)
    manage = login_as(people.manager).get("/rooms/manage").get_data(as_text=True)
    assert "data-approver-cannot-decide" in manage  # the manager is shown why the room's requests are stuck
    room = db.session.get(Booking, record.id).room
    services.save_room(room, RoomFields(name=room.name, capacity=room.capacity, needs_approval=True,
                                        approver=people.other_approver), people.manager)
    db.session.commit()
    step = db.session.get(approvals.ApprovalRequest, request.id).current_step
    assert step.approver_id == people.other_approver.id
    assert [w.booking.id for w in services.waiting_for(people.other_approver)] == [record.id]
    assert services.waiting_for(people.approver) == []
    client = login_as(people.other_approver)
    assert f"/approvals/{request.id}" in client.get("/approvals/").get_data(as_text=True)
    assert decide_on_core_page(client, request).status_code == 302
    assert status_of(record) == CONFIRMED


def test_the_scheduled_job_moves_requests_left_with_a_former_approver(people, waiting):
    record, request = waiting
    room = db.session.get(Booking, record.id).room
    room.approver_id = people.other_approver.id  # changed behind the service's back (an import, an old version)
    db.session.commit()
    assert services.close_stale_requests(NOW) == 0
    db.session.commit()
    assert db.session.get(approvals.ApprovalRequest, request.id).current_step.approver_id == people.other_approver.id
