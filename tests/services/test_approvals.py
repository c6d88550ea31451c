"""The approval workflow: chains from the org chart and per-person settings, decisions, delegation,
escalation, withdrawal, return and cancellation, the pages, and the cron command."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core import calendar
from core.db import db, utcnow
from core.models import Delegation, SchoolNetwork
from core.services import approvals, audit, holidays
from core.plugin_api import ApprovalKind
from core.services.approvals import ApprovalError, ApprovalEvent, ApprovalRequest, Step
from core.services.notifications import Notification
from core.settings import save_settings

MODULE = "approvaltest"  # a module installed for these tests: requests of disabled or missing modules are not listed
KIND = "test_request"
OUTCOMES: list[tuple[int, str]] = []  # what the module's callback was told


def remember_outcome(request, outcome):
    OUTCOMES.append((request.id, outcome))


GUARDED = "guarded_request"  # a kind whose deciders need a permission


@pytest.fixture(autouse=True)
def _approval_test_module(app):
    """The module MODULE, whose approval_kinds hook declares the kinds these tests submit."""
    from core.testing import installed_module

    kinds = [ApprovalKind(MODULE, KIND, label="Test request", on_outcome=remember_outcome),
             ApprovalKind(MODULE, GUARDED, label="Guarded request", on_outcome=remember_outcome,
                          decide_permission="notices.post")]
    with installed_module(app, MODULE, approval_kinds=lambda: kinds):
        yield


@pytest.fixture(autouse=True)
def _forget_outcomes():
    OUTCOMES.clear()


@pytest.fixture
def org(make_office, make_group, make_school, make_person):
    """Office director; a group with its director, overseeing deputy and a staff member; a school."""
    office = make_office()
    director = make_person(first_name="ผอ.เขต")
    deputy = make_person(first_name="รองผอ.")
    group = make_group()
    head = make_person(first_name="ผอ.กลุ่ม", group=group, director=True)
    staff = make_person(first_name="เจ้าหน้าที่", group=group)
    network_deputy = make_person(first_name="รองผอ.เครือข่าย")
    network = SchoolNetwork(name="เครือข่ายทดสอบ", deputy_id=network_deputy.id)
    db.session.add(network)
    db.session.flush()
    school = make_school(network_id=network.id)
    school_director = make_person(first_name="ผอ.โรงเรียน", school=school, school_role="director")
    teacher = make_person(first_name="ครู", school=school, school_role="teacher")
    office.director_id = director.id
    group.deputy_id = deputy.id
    db.session.commit()
    return SimpleNamespace(
        office=office, director=director, deputy=deputy, group=group, head=head, staff=staff, school=school,
        school_director=school_director, teacher=teacher, network_deputy=network_deputy,
    )


def submit(requester, record_id=1, **options):
    request = approvals.submit(MODULE, KIND, record_id, "ขออนุญาตไปราชการ", requester, **options)
    db.session.commit()
    return request


def approvers(request) -> list:
    return [(step.approver, step.role, step.status) for step in request.steps]


def actions(request) -> list[str]:
    return list(db.session.scalars(
        select(ApprovalEvent.action).where(ApprovalEvent.request_id == request.id).order_by(ApprovalEvent.id)
    ))


def audit_actions(request) -> list[str]:
    return [entry.action for entry in audit.history_of(MODULE, KIND, request.record_id)]


# --- chains ---------------------------------------------------------------------------


def test_staff_request_goes_to_group_director_then_deputy_then_office_director(org):
    request = submit(org.staff)
    assert approvers(request) == [
        (org.head, "approve", "pending"), (org.deputy, "approve", "waiting"), (org.director, "approve", "waiting"),
    ]
    assert [step.label for step in request.steps] == ["group_director", "deputy", "office_director"]


def test_group_directors_own_request_skips_themselves(org):
    request = submit(org.head)
    assert [step.approver for step in request.steps] == [org.deputy, org.director]


def test_intermediate_steps_may_be_advisory(org):
    request = submit(org.staff, intermediate="comment")
    assert [step.role for step in request.steps] == ["comment", "comment", "approve"]


def test_teacher_goes_to_the_school_director(org):
    request = submit(org.teacher)
    assert approvers(request) == [(org.school_director, "approve", "pending")]


def test_school_directors_request_goes_to_network_deputy_then_office_director(org):
    request = submit(org.school_director)
    assert [step.approver for step in request.steps] == [org.network_deputy, org.director]


def test_persons_own_commenter_and_approver_replace_the_org_chart(org):
    approvals.set_chain(org.staff, commenter=org.head, approver=org.deputy)
    db.session.commit()
    request = submit(org.staff)
    assert approvers(request) == [(org.head, "comment", "pending"), (org.deputy, "approve", "waiting")]


def test_module_may_pass_its_own_steps(org):
    request = submit(org.staff, steps=[Step(org.deputy, "comment", "vehicle officer"), Step(org.director)])
    assert approvers(request) == [(org.deputy, "comment", "pending"), (org.director, "approve", "waiting")]


def test_no_approver_anywhere_is_refused_and_nothing_is_written(org):
    org.office.director_id = None
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(ApprovalRequest))
    with pytest.raises(ApprovalError):
        approvals.submit(MODULE, KIND, 1, "ขออนุญาต", org.deputy)  # a deputy's only approver is the director
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ApprovalRequest)) == before


def test_a_record_cannot_wait_for_approval_twice(org):
    submit(org.staff, record_id=7)
    with pytest.raises(ApprovalError):
        approvals.submit(MODULE, KIND, 7, "อีกครั้ง", org.staff)


# --- deciding -------------------------------------------------------------------------


def test_approval_passes_each_step_then_tells_the_module(org):
    request = submit(org.staff)
    for approver in (org.head, org.deputy, org.director):
        approvals.decide(request, approver, "approve", "เห็นควรอนุญาต")
        db.session.commit()
    assert request.status == "approved"
    assert [step.status for step in request.steps] == ["approved"] * 3
    assert OUTCOMES == [(request.id, "approved")]
    assert actions(request) == ["submitted", "approved", "approved", "approved"]
    assert audit_actions(request) == ["approval.submitted"] + ["approval.approved"] * 3
    told = db.session.scalars(select(Notification).where(Notification.person_id == org.staff.id)).all()
    assert [n.event for n in told] == ["approvals.decided"]


def test_each_approver_is_notified_when_their_step_is_reached(org):
    request = submit(org.staff)
    waiting = lambda person: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(Notification)
        .where(Notification.person_id == person.id, Notification.event == "approvals.waiting"))
    assert (waiting(org.head), waiting(org.deputy)) == (1, 0)
    approvals.decide(request, org.head, "approve")
    db.session.commit()
    assert waiting(org.deputy) == 1


def test_refusing_without_a_reason_is_refused_and_nothing_changes(org):
    request = submit(org.staff)
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "refuse", "   ")
    db.session.rollback()
    db.session.refresh(request)
    assert request.status == "pending"
    assert request.steps[0].status == "pending" and request.steps[0].decided_by_id is None
    assert actions(request) == ["submitted"]
    assert audit_actions(request) == ["approval.submitted"]
    assert OUTCOMES == []


def test_refusal_with_a_reason_ends_the_request(org):
    request = submit(org.staff)
    approvals.decide(request, org.head, "approve")
    approvals.decide(request, org.deputy, "refuse", "งบประมาณไม่เพียงพอ")
    db.session.commit()
    assert request.status == "refused"
    assert [step.status for step in request.steps] == ["approved", "refused", "closed"]
    assert request.steps[1].comment == "งบประมาณไม่เพียงพอ"
    assert OUTCOMES == [(request.id, "refused")]


def test_only_the_approver_of_the_current_step_may_decide(org):
    request = submit(org.staff)
    for outsider in (org.deputy, org.director, org.staff, org.teacher):
        with pytest.raises(ApprovalError):
            approvals.decide(request, outsider, "approve")
    db.session.rollback()
    assert request.steps[0].status == "pending"


def test_advisory_step_comments_but_cannot_approve(org):
    request = submit(org.staff, steps=[Step(org.head, "comment"), Step(org.director)])
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "approve")
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "comment", "")
    approvals.decide(request, org.head, "comment", "เห็นควรอนุญาต")
    db.session.commit()
    assert [step.status for step in request.steps] == ["commented", "pending"]


def test_a_decision_on_a_step_that_moved_on_is_refused(org):
    request = submit(org.staff)
    first_step = request.steps[0].id
    approvals.decide(request, org.head, "approve", expected_step_id=first_step)
    db.session.commit()
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.deputy, "approve", expected_step_id=first_step)


# --- delegation -----------------------------------------------------------------------


def delegate(principal, delegate_to, rank=1, days=(-1, 1)):
    today = calendar.local_today()
    db.session.add(Delegation(principal_id=principal.id, delegate_id=delegate_to.id, rank=rank,
                              starts_on=today + dt.timedelta(days=days[0]), ends_on=today + dt.timedelta(days=days[1])))
    db.session.commit()


def test_acting_director_sees_and_decides_on_behalf_of_the_absent_director(org):
    request = submit(org.staff, steps=[Step(org.director)])
    assert db.session.scalars(approvals.waiting_for(org.deputy)).all() == []
    delegate(org.director, org.deputy)
    assert [step.request_id for step in db.session.scalars(approvals.waiting_for(org.deputy))] == [request.id]
    approvals.decide(request, org.deputy, "approve", "อนุญาต")
    db.session.commit()
    step = request.steps[0]
    assert (step.decided_by, step.on_behalf_of, request.status) == (org.deputy, org.director, "approved")
    event = db.session.scalar(select(ApprovalEvent).where(ApprovalEvent.action == "approved"))
    assert (event.actor, event.on_behalf_of) == (org.deputy, org.director)
    assert audit_actions(request)[-1] == "approval.approved"
    assert audit.history_of(MODULE, KIND, request.record_id)[-1].details["on_behalf_of"] == org.director.id


def test_the_second_delegate_acts_when_the_first_is_away_too(org):
    request = submit(org.staff, steps=[Step(org.director)])
    delegate(org.director, org.deputy, rank=1)
    delegate(org.director, org.network_deputy, rank=2)
    delegate(org.deputy, org.head, rank=1)  # the first delegate is away as well
    assert approvals.acting_for(org.director) == org.network_deputy
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.deputy, "approve")
    approvals.decide(request, org.network_deputy, "approve")
    db.session.commit()
    assert request.steps[0].on_behalf_of == org.director


def test_a_delegation_that_ended_gives_no_power(org):
    request = submit(org.staff, steps=[Step(org.director)])
    delegate(org.director, org.deputy, days=(-10, -1))
    assert db.session.scalars(approvals.waiting_for(org.deputy)).all() == []
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.deputy, "approve")


def test_the_director_may_still_decide_while_a_delegate_acts(org):
    request = submit(org.staff, steps=[Step(org.director)])
    delegate(org.director, org.deputy)
    approvals.decide(request, org.director, "approve")
    db.session.commit()
    assert request.steps[0].on_behalf_of is None


# --- escalation -----------------------------------------------------------------------


def test_a_step_is_due_after_the_working_hours_of_the_setting(org):
    save_settings(MODULE, {"approval_escalation_hours": 8})
    db.session.commit()
    request = submit(org.staff)
    step = request.steps[0]
    assert request.escalation_hours == 8
    assert step.due_at == holidays.add_working_hours(step.activated_at, 8)


def test_default_escalation_is_24_working_hours(org):
    request = submit(org.staff)
    assert request.escalation_hours == approvals.DEFAULT_ESCALATION_HOURS == 24


def test_overdue_step_escalates_to_the_next_step_once(org):
    request = submit(org.staff)
    due = request.steps[0].due_at
    assert approvals.escalate_overdue(due - dt.timedelta(minutes=1)) == []
    done = approvals.escalate_overdue(due + dt.timedelta(minutes=1))
    db.session.expire_all()
    assert [e.outcome for e in done] == ["next_step"]
    assert [step.status for step in request.steps] == ["skipped", "pending", "waiting"]
    assert actions(request) == ["submitted", "escalated"]
    assert approvals.escalate_overdue(due + dt.timedelta(minutes=2)) == []  # the new step is not due yet
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "approve")  # too late for the skipped step


def test_overdue_last_step_goes_to_the_modules_configured_person(org, make_person):
    backstop = make_person(username="backstop")
    save_settings(MODULE, {"approval_escalate_to": "backstop"})
    db.session.commit()
    request = submit(org.staff, steps=[Step(org.director)])
    done = approvals.escalate_overdue(request.steps[0].due_at + dt.timedelta(hours=1))
    db.session.expire_all()
    assert [e.outcome for e in done] == ["escalated_to"]
    assert request.steps[0].escalated_to == backstop
    assert [s.request_id for s in db.session.scalars(approvals.waiting_for(backstop))] == [request.id]
    approvals.decide(request, backstop, "approve")
    db.session.commit()
    assert request.status == "approved"


def test_overdue_last_step_without_anyone_further_reminds_the_approver_once(org):
    request = submit(org.staff, steps=[Step(org.director)])
    later = request.steps[0].due_at + dt.timedelta(hours=1)
    assert [e.outcome for e in approvals.escalate_overdue(later)] == ["reminded"]
    assert approvals.escalate_overdue(later + dt.timedelta(days=3)) == []
    told = db.session.scalars(select(Notification.event).where(Notification.person_id == org.director.id)).all()
    assert told == ["approvals.waiting", "approvals.waiting"]  # when the step arrived, and the one reminder
    assert actions(request) == ["submitted", "reminded"]


def test_requests_of_a_disabled_module_neither_escalate_nor_wait(app, org):
    from core.plugins import registry

    request = submit(org.staff, steps=[Step(org.director)])
    registry(app).set_enabled(MODULE, False)
    assert approvals.escalate_overdue(request.steps[0].due_at + dt.timedelta(hours=1)) == []
    assert db.session.scalars(approvals.waiting_for(org.director)).all() == []


def test_cron_command_escalates(app, org):
    request = submit(org.staff)
    request.steps[0].due_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["core", "approvals", "escalate"])
    assert result.exit_code == 0, result.output
    assert "1 step(s) escalated" in result.output
    db.session.expire_all()
    assert request.steps[1].status == "pending"


# --- withdraw, return, cancel -----------------------------------------------------------


def test_requester_withdraws_a_pending_request(org):
    request = submit(org.staff)
    with pytest.raises(ApprovalError):
        approvals.withdraw(request, org.head)  # only the requester
    approvals.withdraw(request, org.staff, "ไม่ไปแล้ว")
    db.session.commit()
    assert request.status == "withdrawn"
    assert {step.status for step in request.steps} == {"closed"}
    assert OUTCOMES == [(request.id, "withdrawn")]
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "approve")
    assert db.session.scalars(approvals.waiting_for(org.head)).all() == []


def test_a_decided_request_cannot_be_withdrawn(org):
    request = submit(org.staff, steps=[Step(org.head)])
    approvals.decide(request, org.head, "approve")
    db.session.commit()
    with pytest.raises(ApprovalError):
        approvals.withdraw(request, org.staff)


def test_returned_request_is_sent_again_from_the_first_step(org):
    request = submit(org.staff)
    approvals.decide(request, org.head, "approve")
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.deputy, "return", "")
    approvals.decide(request, org.deputy, "return", "แนบหนังสือเชิญด้วย")
    db.session.commit()
    assert request.status == "returned" and OUTCOMES == [(request.id, "returned")]
    approvals.resubmit(request, org.staff, "แนบแล้ว")
    db.session.commit()
    assert request.status == "pending"
    assert [step.status for step in request.steps] == ["pending", "waiting", "waiting"]
    assert actions(request) == ["submitted", "approved", "returned", "resubmitted"]


def test_cancelling_an_approved_request_goes_through_the_same_chain(org):
    request = submit(org.staff, steps=[Step(org.head, "comment"), Step(org.director)])
    approvals.decide(request, org.head, "comment", "เห็นควร")
    approvals.decide(request, org.director, "approve")
    db.session.commit()
    with pytest.raises(ApprovalError):
        approvals.request_cancellation(request, org.staff, "")
    cancellation = approvals.request_cancellation(request, org.staff, "ป่วย ไปไม่ได้")
    db.session.commit()
    assert cancellation.cancels == request
    assert approvers(cancellation) == [(org.head, "comment", "pending"), (org.director, "approve", "waiting")]
    with pytest.raises(ApprovalError):
        approvals.request_cancellation(request, org.staff, "อีกครั้ง")  # one under way already
    approvals.decide(cancellation, org.head, "comment", "รับทราบ")
    approvals.decide(cancellation, org.director, "approve")
    db.session.commit()
    assert (cancellation.status, request.status) == ("approved", "cancelled")
    assert OUTCOMES == [(request.id, "approved"), (request.id, "cancelled")]
    assert actions(request)[-2:] == ["cancellation_requested", "cancelled"]


def test_a_refused_cancellation_leaves_the_request_approved(org):
    request = submit(org.staff, steps=[Step(org.director)])
    approvals.decide(request, org.director, "approve")
    cancellation = approvals.request_cancellation(request, org.staff, "เปลี่ยนใจ")
    approvals.decide(cancellation, org.director, "refuse", "ต้องไปตามกำหนด")
    db.session.commit()
    assert (cancellation.status, request.status) == ("refused", "approved")
    assert OUTCOMES == [(request.id, "approved")]


# --- pages ----------------------------------------------------------------------------


def test_waiting_page_lists_requests_of_every_module(login_as, org):
    submit(org.staff, record_id=1)
    other = approvals.submit("core", "other_kind", 5, "คำขอของอีกโมดูล", org.staff)
    db.session.commit()
    page = login_as(org.head).get("/approvals/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ขออนุญาตไปราชการ" in html and other.title in html


def test_acting_delegate_sees_the_directors_request_on_the_waiting_page(login_as, org):
    request = submit(org.staff, steps=[Step(org.director)])
    delegate(org.director, org.deputy)
    html = login_as(org.deputy).get("/approvals/").get_data(as_text=True)
    assert f'data-request="{request.id}"' in html and "data-acting" in html


def test_deciding_through_the_page_records_the_decision(client, login_as, org):
    request = submit(org.staff, steps=[Step(org.head)])
    login_as(org.head)
    assert "data-decision-form" in client.get(f"/approvals/{request.id}").get_data(as_text=True)
    response = client.post(f"/approvals/{request.id}/decide",
                           data={"decision": "approve", "comment": "", "step_id": request.steps[0].id})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == "approved" and request.steps[0].decided_by == org.head
    assert audit.history_of(MODULE, KIND, 1)[-1].remote_addr == "127.0.0.1"


def test_refusing_through_the_page_without_a_reason_shows_an_error_and_changes_nothing(client, login_as, org):
    request = submit(org.staff, steps=[Step(org.head)])
    org.head.locale = "en"
    db.session.commit()
    login_as(org.head)
    response = client.post(f"/approvals/{request.id}/decide",
                           data={"decision": "refuse", "comment": "", "step_id": request.steps[0].id})
    assert response.status_code == 400
    assert "Give the reason for refusing." in response.get_data(as_text=True)
    db.session.expire_all()
    assert request.status == "pending" and actions(request) == ["submitted"]


def test_decision_post_without_csrf_is_refused(client, login_as, org):
    request = submit(org.staff, steps=[Step(org.head)])
    login_as(org.head)
    response = client.post(f"/approvals/{request.id}/decide", data={"decision": "approve"}, csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert request.status == "pending"


def test_someone_else_cannot_see_or_decide_a_request(client, login_as, org):
    request = submit(org.staff, steps=[Step(org.head)])
    login_as(org.teacher)
    assert client.get(f"/approvals/{request.id}").status_code == 404
    assert client.post(f"/approvals/{request.id}/decide", data={"decision": "approve"}).status_code == 404
    db.session.expire_all()
    assert request.status == "pending"


def test_requester_withdraws_through_the_page(client, login_as, org):
    request = submit(org.staff)
    login_as(org.staff)
    assert client.post(f"/approvals/{request.id}/withdraw", data={"reason": "ยกเลิกการเดินทาง"}).status_code == 302
    db.session.expire_all()
    assert request.status == "withdrawn"


def test_timeline_shows_who_decided_on_whose_behalf(client, login_as, org):
    request = submit(org.staff, steps=[Step(org.director)])
    delegate(org.director, org.deputy)
    approvals.decide(request, org.deputy, "approve", "อนุญาตตามเสนอ")
    db.session.commit()
    html = login_as(org.staff).get(f"/approvals/{request.id}").get_data(as_text=True)
    assert 'data-timeline-event="approved"' in html and "data-on-behalf" in html
    assert org.director.full_name in html and "อนุญาตตามเสนอ" in html


def test_dashboard_card_counts_what_waits(client, login_as, org):
    submit(org.staff, record_id=1)
    submit(org.staff, record_id=2)
    html = login_as(org.head).get("/").get_data(as_text=True)
    assert 'data-waiting-count>2<' in html


def test_personal_chain_page_needs_its_permission_and_saves(client, login_as, grant, org, make_person):
    clerk = make_person()
    login_as(clerk)
    assert client.get(f"/approvals/chains/{org.staff.id}").status_code == 403
    grant("core.approvals.manage", to=clerk)
    response = client.post(f"/approvals/chains/{org.staff.id}", data={"commenter": "nobody", "approver": ""})
    assert response.status_code == 400 and approvals.chain_of(org.staff) is None
    gone = make_person(active=False)  # the people picker offers and accepts only active people
    response = client.post(f"/approvals/chains/{org.staff.id}", data={"commenter": str(gone.id), "approver": ""})
    assert response.status_code == 400 and approvals.chain_of(org.staff) is None
    response = client.post(f"/approvals/chains/{org.staff.id}",
                           data={"commenter": str(org.head.id), "approver": str(org.director.id)})
    assert response.status_code == 302
    chain = approvals.chain_of(org.staff)
    assert (chain.commenter, chain.approver) == (org.head, org.director)
    listed = client.get("/approvals/chains").get_data(as_text=True)
    assert f'data-person="{org.staff.id}"' in listed and org.director.full_name in listed
    found = client.get(f"/approvals/chains?q={org.teacher.username}").get_data(as_text=True)
    assert f'data-person="{org.teacher.id}"' in found and f'data-person="{org.staff.id}"' not in found


def test_a_person_cannot_approve_their_own_requests(org):
    with pytest.raises(ApprovalError):
        approvals.set_chain(org.staff, commenter=None, approver=org.staff)


def test_two_deciders_at_the_same_moment_cannot_both_win(app, org):
    """The director and the acting head press the button together: one decision counts, the other is refused."""
    import threading

    from core.models import Person
    from core.testing import run_in_threads

    request = submit(org.staff, steps=[Step(org.director), Step(org.deputy, label="after")])
    delegate(org.director, org.head)
    request_id, people = request.id, (org.director.id, org.head.id)
    # SQLite runs write transactions one after the other; elsewhere both read first, then decide together.
    read_together = None if db.engine.dialect.name == "sqlite" else threading.Barrier(2, timeout=20)

    def press(n):
        person = db.session.get(Person, people[n])
        pending = db.session.get(ApprovalRequest, request_id)
        pending.steps  # noqa: B018  (read first, as the page does: the snapshot is older than the lock)
        if read_together is not None:
            read_together.wait()
        approvals.decide(pending, person, "approve")
        return "decided"

    race = run_in_threads(press, 2, expected=ApprovalError)
    assert race.errors == []  # anything else must show here, not vanish with the thread
    results = race.results + ["refused"] * len(race.refused)
    assert sorted(results) == ["decided", "refused"]
    db.session.commit()  # a fresh snapshot: the threads committed after this session's last read
    assert [step.status for step in request.steps] == ["approved", "pending"]
    assert actions(request) == ["submitted", "approved"]


# --- a kind whose deciders need a permission ------------------------------------------




def test_a_kind_asking_for_a_permission_is_decided_only_by_approvers_holding_it(client, login_as, grant, org):
    request = approvals.submit(MODULE, GUARDED, 7, "ขอประกาศข่าว", org.staff, steps=[Step(org.head)])
    db.session.commit()
    step = request.steps[0]

    # Named, but without notices.post: not waiting for them, no form, the decision refused on the page and the service.
    assert approvals.authority(step, org.head) == (False, None)
    assert step not in db.session.scalars(approvals.waiting_for(org.head)).all()
    login_as(org.head)
    assert "data-decision-form" not in client.get(f"/approvals/{request.id}").get_data(as_text=True)
    response = client.post(f"/approvals/{request.id}/decide", data={"decision": "approve", "step_id": step.id})
    assert response.status_code == 400
    with pytest.raises(ApprovalError):
        approvals.decide(request, org.head, "approve")
    db.session.rollback()
    assert db.session.get(ApprovalRequest, request.id).status == "pending" and OUTCOMES == []

    # With it, the same person decides through the page; other kinds never asked for it.
    grant("notices.post", to=org.head)
    assert approvals.authority(db.session.get(ApprovalRequest, request.id).steps[0], org.head) == (True, None)
    assert [s.id for s in db.session.scalars(approvals.waiting_for(org.head))] == [step.id]
    assert "data-decision-form" in client.get(f"/approvals/{request.id}").get_data(as_text=True)
    response = client.post(f"/approvals/{request.id}/decide", data={"decision": "approve", "step_id": step.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApprovalRequest, request.id).status == "approved"
    assert OUTCOMES == [(request.id, "approved")]


def test_an_acting_delegate_needs_the_kind_s_permission_too(grant, org):
    request = approvals.submit(MODULE, GUARDED, 8, "ขอประกาศข่าว", org.staff, steps=[Step(org.head)])
    db.session.add(Delegation(principal_id=org.head.id, delegate_id=org.deputy.id, starts_on=calendar.local_today(),
                              ends_on=calendar.local_today()))
    db.session.commit()
    grant("notices.post", to=org.head)
    assert approvals.authority(request.steps[0], org.deputy) == (False, None)
    grant("notices.post", to=org.deputy)
    assert approvals.authority(request.steps[0], org.deputy) == (True, org.head)
