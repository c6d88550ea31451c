"""Routing inside the office and a school: registry → group → director → officers, returns, who may act and read,
"My letters", notifications and the audit of every hop."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.api import AuditEntry, Notification, db, local_today
from plugins.correspondence import services
from plugins.correspondence.models import Assignment, Letter, Route, SecretReader
from plugins.correspondence.services import CorrespondenceError, routing

pytestmark = pytest.mark.khet_plugins("correspondence")


@pytest.fixture
def staff(office, make_person, make_group):
    """The planning group's director and three officers, another group, and a stranger with no rights at all."""
    planning = office.planning
    finance = make_group(name="กลุ่มบริหารงานการเงินและสินทรัพย์")
    return SimpleNamespace(
        director=make_person(first_name="อำนวย", group=planning, director=True),
        officer_a=make_person(first_name="สมชาย", group=planning),
        officer_b=make_person(first_name="สมหญิง", group=planning),
        officer_c=make_person(first_name="สมศรี", group=planning),
        finance=finance,
        finance_officer=make_person(first_name="การเงิน", group=finance),
        stranger=make_person(first_name="คนนอก"),
    )


@pytest.fixture
def incoming(office, letter_fields):
    """A letter the central registry received and registered."""
    return services.register_letter(services.register_for("incoming"), letter_fields(
        "ขอให้รายงานข้อมูลนักเรียนออกกลางคัน", from_text="สพฐ."), office.registry_clerk)


def _post(client, letter, action, **data):
    return client.post(f"/correspondence/letters/{letter.id}/routing/{action}", data=data, follow_redirects=True)


def _hops(letter):
    db.session.expire_all()
    return [(r.action, r.by_id, r.to_person_id, r.to_group_id) for r in routing.routes_of(letter)]


def _events(person):
    return sorted(n.event for n in db.session.scalars(select(Notification).where(Notification.person_id == person.id)))


def _audited(letter, outcome="done"):
    return [row.action for row in db.session.scalars(select(AuditEntry).where(
        AuditEntry.module == "correspondence", AuditEntry.record_id == str(letter.id), AuditEntry.outcome == outcome,
        AuditEntry.action.like("route.%")).order_by(AuditEntry.id))]


def _walk_to_director(office, staff, letter, login_as):
    assert "Forwarded to the group." in _post(login_as(office.registry_clerk), letter, "forward",
                                              group_id=office.planning.id, forward_note="เร่งด่วน").get_data(as_text=True)
    assert "Presented to the director." in _post(login_as(office.group_clerk), letter, "present",
                                                 present_note="เห็นควรมอบงานวิจัย").get_data(as_text=True)


def test_registry_to_group_to_director_to_two_officers_who_acknowledge_and_report_done(
        office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    due = local_today() + dt.timedelta(days=7)
    director = login_as(staff.director)
    page = _post(director, incoming, "assign", officer_ids=[staff.officer_a.id, staff.officer_b.id],
                 instruction="ดำเนินการรวบรวมข้อมูลและรายงานภายในกำหนด", due_on=due.isoformat())
    assert "Assigned." in page.get_data(as_text=True)

    for officer in (staff.officer_a, staff.officer_b):
        client = login_as(officer)
        assert "Acknowledged." in _post(client, incoming, "acknowledge").get_data(as_text=True)
        assert "Reported done." in _post(client, incoming, "done", done_note="ส่งรายงานแล้ว").get_data(
            as_text=True)

    assert _hops(incoming) == [
        ("forward", office.registry_clerk.id, None, office.planning.id),
        ("present", office.group_clerk.id, staff.director.id, office.planning.id),
        ("assign", staff.director.id, staff.officer_a.id, None),
        ("assign", staff.director.id, staff.officer_b.id, None),
        ("acknowledge", staff.officer_a.id, staff.director.id, None),
        ("done", staff.officer_a.id, staff.director.id, None),
        ("acknowledge", staff.officer_b.id, staff.director.id, None),
        ("done", staff.officer_b.id, staff.director.id, None),
    ]
    letter = db.session.get(Letter, incoming.id)
    assert letter.group_id == office.planning.id
    assert letter.officer_id == staff.officer_a.id  # the register's responsible officer: the first one assigned
    assignments = routing.assignments_of(letter)
    assert [(a.officer_id, a.instruction, a.due_on, a.done_note) for a in assignments] == [
        (staff.officer_a.id, "ดำเนินการรวบรวมข้อมูลและรายงานภายในกำหนด", due, "ส่งรายงานแล้ว"),
        (staff.officer_b.id, "ดำเนินการรวบรวมข้อมูลและรายงานภายในกำหนด", due, "ส่งรายงานแล้ว")]
    assert all(a.acknowledged_at and a.done_at for a in assignments)
    assert _audited(letter) == ["route.forward", "route.present", "route.assign", "route.assign", "route.acknowledge",
                                "route.done", "route.acknowledge", "route.done"]

    # The timeline on the letter page: every hop with who, what and the officers' status; the letter is done.
    page = login_as(office.group_clerk).get(f"/correspondence/letters/{incoming.id}").get_data(as_text=True)
    assert page.count('data-hop="') == 8 and page.count('data-assignment-status="done"') == 2
    assert "ดำเนินการรวบรวมข้อมูลและรายงานภายในกำหนด" in page and staff.officer_b.full_name in page
    assert 'data-routing-status>Done<' in page


def test_each_person_handed_the_letter_is_notified(office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    _post(login_as(staff.director), incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ดำเนินการ")
    _post(login_as(staff.officer_a), incoming, "return", reason="ไม่ใช่งานในความรับผิดชอบ")

    assert _events(office.group_clerk) == ["correspondence.letter_forwarded"]
    assert _events(staff.director) == ["correspondence.letter_presented", "correspondence.letter_returned"]
    assert _events(staff.officer_a) == ["correspondence.letter_assigned"]
    assert _events(staff.officer_b) == [] and _events(office.outsider) == []
    assigned = db.session.scalar(select(Notification).where(Notification.person_id == staff.officer_a.id))
    assert assigned.link == f"/correspondence/letters/{incoming.id}" and "ขอให้รายงานข้อมูล" in assigned.title


def test_an_officer_returns_the_letter_with_a_reason_and_the_director_assigns_someone_else(
        office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    _post(login_as(staff.director), incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ดำเนินการ")
    officer = login_as(staff.officer_a)

    page = _post(officer, incoming, "return", reason="   ")
    assert "Write why the letter is returned." in page.get_data(as_text=True)
    assert [hop[0] for hop in _hops(incoming)][-1] == "assign"
    assert db.session.scalar(select(Assignment)).returned_at is None

    _post(officer, incoming, "return", reason="ไม่ใช่งานในความรับผิดชอบ")
    (assignment,) = routing.assignments_of(incoming)
    assert assignment.returned_at is not None and assignment.return_reason == "ไม่ใช่งานในความรับผิดชอบ"
    assert _hops(incoming)[-1] == ("return", staff.officer_a.id, staff.director.id, None)
    # Back with the director, who sees it waiting again and gives it to another officer.
    assert [hop.letter_id for hop in db.session.scalars(routing.waiting_for_my_instruction(staff.director))] == [incoming.id]
    assert "Write why" not in _post(officer, incoming, "done", done_note="x").get_data(as_text=True)
    assert routing.assignments_of(incoming)[0].done_at is None  # a returned assignment cannot be reported done
    _post(login_as(staff.director), incoming, "assign", officer_ids=[staff.officer_c.id], instruction="ดำเนินการแทน")
    assert db.session.scalars(routing.waiting_for_my_instruction(staff.director)).all() == []
    assert routing.open_assignment_of(staff.officer_c, incoming) is not None


def test_a_misrouted_letter_goes_back_up_the_chain_and_is_forwarded_to_the_right_group(
        office, staff, incoming, login_as, grant):
    _walk_to_director(office, staff, incoming, login_as)
    page = _post(login_as(staff.director), incoming, "return", reason="เป็นงานของกลุ่มการเงิน")
    assert "Returned." in page.get_data(as_text=True)
    assert _hops(incoming)[-1] == ("return", staff.director.id, office.group_clerk.id, office.planning.id)
    assert [h.letter_id for h in db.session.scalars(routing.waiting_to_be_presented(office.group_clerk))] == [incoming.id]

    _post(login_as(office.group_clerk), incoming, "return", reason="เป็นงานของกลุ่มการเงิน")
    assert _hops(incoming)[-1] == ("return", office.group_clerk.id, office.registry_clerk.id, None)
    assert db.session.get(Letter, incoming.id).group_id is None
    assert [h.letter_id for h in db.session.scalars(routing.returned_to(office.registry_clerk))] == [incoming.id]
    assert "correspondence.letter_returned" in _events(office.registry_clerk)

    finance_clerk = staff.finance_officer
    grant("correspondence.register", to=finance_clerk, scope=staff.finance)
    _post(login_as(office.registry_clerk), incoming, "forward", group_id=staff.finance.id)
    assert db.session.get(Letter, incoming.id).group_id == staff.finance.id
    assert routing.position_of(incoming).stage == "group"
    assert db.session.scalars(routing.returned_to(office.registry_clerk)).all() == []
    # The first group's clerk still opens the letter they handled, but can no longer act on it.
    clerk = login_as(office.group_clerk)
    assert clerk.get(f"/correspondence/letters/{incoming.id}").status_code == 200
    assert "not waiting for you to present it" in _post(clerk, incoming, "present").get_data(as_text=True)


def test_the_director_cannot_return_while_officers_are_at_work(office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    director = login_as(staff.director)
    _post(director, incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ดำเนินการ")
    page = _post(director, incoming, "return", reason="ผิดกลุ่ม")
    assert "Officers are still working on this letter" in page.get_data(as_text=True)
    assert _hops(incoming)[-1][0] == "assign"


def test_someone_not_on_the_route_can_neither_read_nor_act(office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    stranger = login_as(staff.stranger)
    assert stranger.get(f"/correspondence/letters/{incoming.id}").status_code == 403
    for action, data in (("forward", {"group_id": office.planning.id}), ("present", {}),
                         ("assign", {"officer_ids": [staff.stranger.id], "instruction": "ทำ"}), ("acknowledge", {}),
                         ("done", {"done_note": "เสร็จ"}), ("return", {"reason": "ไม่รับ"})):
        response = stranger.post(f"/correspondence/letters/{incoming.id}/routing/{action}", data=data)
        assert response.status_code == 403, action
    # Reading the registers (office.outsider holds correspondence.read) opens the letter, but gives no part in it.
    reader = login_as(office.outsider)
    assert reader.get(f"/correspondence/letters/{incoming.id}").status_code == 200
    assert reader.post(f"/correspondence/letters/{incoming.id}/routing/assign",
                       data={"officer_ids": [staff.officer_a.id], "instruction": "ทำ"}).status_code == 403
    assert [hop[0] for hop in _hops(incoming)] == ["forward", "present"]
    assert db.session.scalars(select(Assignment)).all() == []


def test_everyone_the_letter_was_routed_to_may_open_it(office, staff, incoming, login_as):
    for person in (office.group_clerk, staff.director, staff.officer_a):  # before it reaches them: no
        assert login_as(person).get(f"/correspondence/letters/{incoming.id}").status_code == 403, person.first_name
    _walk_to_director(office, staff, incoming, login_as)
    _post(login_as(staff.director), incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ดำเนินการ")
    for person in (office.group_clerk, staff.director, staff.officer_a):
        assert login_as(person).get(f"/correspondence/letters/{incoming.id}").status_code == 200, person.first_name
    assert login_as(staff.officer_b).get(f"/correspondence/letters/{incoming.id}").status_code == 403


def test_only_the_group_staff_can_be_assigned_and_an_instruction_is_required(office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    director = login_as(staff.director)
    page = _post(director, incoming, "assign", officer_ids=[staff.finance_officer.id], instruction="ดำเนินการ")
    assert "is not on the staff this letter can be assigned to" in page.get_data(as_text=True)
    page = _post(director, incoming, "assign", officer_ids=[staff.officer_a.id], instruction=" ")
    assert "Write the instruction for the officers." in page.get_data(as_text=True)
    yesterday = local_today() - dt.timedelta(days=1)
    page = _post(director, incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ทำ",
                 due_on=yesterday.isoformat())
    assert "The due date cannot be in the past." in page.get_data(as_text=True)
    assert db.session.scalars(select(Assignment)).all() == [] and [h[0] for h in _hops(incoming)][-1] == "present"


@pytest.fixture
def secret_letter(office, letter_fields):
    return services.register_letter(services.register_for("secret"), letter_fields(
        "ผลการสอบสวนวินัย", secrecy="secret"), office.registry_clerk)


def _refusals(letter):
    return [(row.action, row.person_id) for row in db.session.scalars(select(AuditEntry).where(
        AuditEntry.record_id == str(letter.id), AuditEntry.outcome == "refused").order_by(AuditEntry.id))]


def test_a_secret_letter_goes_straight_to_the_director_and_names_everyone_it_is_routed_to(
        office, staff, secret_letter, login_as):
    _post(login_as(office.registry_clerk), secret_letter, "forward", group_id=office.planning.id)
    assert _hops(secret_letter) == [("forward", office.registry_clerk.id, staff.director.id, office.planning.id)]
    _post(login_as(staff.director), secret_letter, "assign", officer_ids=[staff.officer_a.id], instruction="สอบข้อเท็จจริง")
    named = set(db.session.scalars(select(SecretReader.person_id).where(SecretReader.letter_id == secret_letter.id)))
    assert named == {staff.director.id, staff.officer_a.id}
    assert login_as(staff.officer_a).get(f"/correspondence/letters/{secret_letter.id}").status_code == 200
    (assigned,) = db.session.scalars(select(Notification).where(Notification.person_id == staff.officer_a.id))
    assert "ผลการสอบสวน" not in assigned.title  # a secret subject stays out of messages that may leave by email

    # The group's clerk is not named: they can neither open it nor act, and each attempt is in the audit log.
    clerk = login_as(office.group_clerk)
    assert clerk.get(f"/correspondence/letters/{secret_letter.id}").status_code == 403
    assert clerk.post(f"/correspondence/letters/{secret_letter.id}/routing/present").status_code == 403
    assert login_as(staff.officer_b).post(f"/correspondence/letters/{secret_letter.id}/routing/assign", data={
        "officer_ids": [staff.officer_b.id], "instruction": "ขอดู"}).status_code == 403
    assert _refusals(secret_letter) == [("view", office.group_clerk.id), ("route.present", office.group_clerk.id),
                                        ("route.assign", staff.officer_b.id)]
    assert set(db.session.scalars(select(SecretReader.person_id).where(
        SecretReader.letter_id == secret_letter.id))) == named


def test_a_registry_clerk_not_named_on_a_secret_letter_cannot_forward_it(
        office, staff, secret_letter, login_as, make_person, grant):
    other_clerk = make_person(first_name="สารบรรณ")
    grant("correspondence.register", to=other_clerk)
    grant("correspondence.secret", to=other_clerk)
    response = login_as(other_clerk).post(f"/correspondence/letters/{secret_letter.id}/routing/forward",
                                          data={"group_id": office.planning.id})
    assert response.status_code == 403
    assert _hops(secret_letter) == []
    assert _refusals(secret_letter) == [("route.forward", other_clerk.id)]


def test_my_letters_lists_open_overdue_and_done_assignments_by_the_bangkok_day(
        office, staff, letter_fields, login_as, monkeypatch):
    today = local_today()
    letters = {}
    for name, due in (("due_today", today), ("no_due_date", None), ("finished", today)):
        letter = services.register_letter(services.register_for("incoming"), letter_fields(f"หนังสือ {name}"),
                                          office.registry_clerk)
        routing.forward(letter, office.planning, office.registry_clerk)
        routing.present(letter, office.group_clerk)
        routing.assign(letter, [staff.officer_a], staff.director, instruction="ดำเนินการ", due_on=due)
        letters[name] = letter
    routing.report_done(letters["finished"], staff.officer_a, note="เรียบร้อย")

    def listed(show, day):
        return [a.letter_id for a in db.session.scalars(routing.assigned_to(staff.officer_a, show, day))]

    assert listed("overdue", today) == []  # due today is not overdue yet
    tomorrow = today + dt.timedelta(days=1)
    assert listed("overdue", tomorrow) == [letters["due_today"].id]
    assert listed("open", tomorrow) == [letters["due_today"].id, letters["no_due_date"].id]
    assert listed("done", tomorrow) == [letters["finished"].id]

    monkeypatch.setattr("plugins.correspondence.views.routing.local_today", lambda: tomorrow)
    client = login_as(staff.officer_a)
    page = client.get("/correspondence/mine?show=overdue").get_data(as_text=True)
    assert "หนังสือ due_today" in page and "หนังสือ no_due_date" not in page and "หนังสือ finished" not in page
    assert 'data-count="overdue">1<' in page and 'data-count="open">2<' in page and 'data-count="done">1<' in page
    page = client.get("/correspondence/mine?show=done").get_data(as_text=True)
    assert "หนังสือ finished" in page and "หนังสือ due_today" not in page


def test_my_letters_shows_the_director_what_waits_for_an_instruction(office, staff, incoming, login_as):
    _walk_to_director(office, staff, incoming, login_as)
    page = login_as(staff.director).get("/correspondence/mine").get_data(as_text=True)
    assert 'data-list="to-instruct"' in page and incoming.subject in page
    assert incoming.subject not in login_as(staff.officer_a).get("/correspondence/mine").get_data(as_text=True)
    routing.assign(incoming, [staff.officer_a], staff.director, instruction="ดำเนินการ")
    assert 'data-list="to-instruct"' not in login_as(staff.director).get("/correspondence/mine").get_data(as_text=True)
    assert incoming.subject in login_as(staff.officer_a).get("/correspondence/mine").get_data(as_text=True)
    assert routing.waiting_count(staff.officer_a) == 1 and routing.waiting_count(staff.director) == 0


def test_a_school_clerk_assigns_the_school_teachers_directly(office, make_school, make_person, letter_fields, login_as):
    clerk = make_person(first_name="ธุรการโรงเรียน")
    school = make_school(name="โรงเรียนบ้านหนองบัว", clerks=[clerk])
    teacher = make_person(first_name="ครูสมปอง", school=school)
    other_teacher = make_person(first_name="ครูต่างโรงเรียน", school=make_school())
    letter = services.register_letter(services.register_for("incoming", school=school),
                                      letter_fields("แจ้งการอบรมครู"), clerk)
    client = login_as(clerk)
    page = client.get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)
    assert 'data-routing-form="assign"' in page and 'data-routing-form="forward"' not in page
    assert "is not on the staff" in _post(client, letter, "assign", officer_ids=[other_teacher.id],
                                          instruction="เข้าร่วมอบรม").get_data(as_text=True)
    _post(client, letter, "assign", officer_ids=[teacher.id], instruction="เข้าร่วมอบรม")
    assert _hops(letter) == [("assign", clerk.id, teacher.id, None)]
    assert login_as(teacher).get(f"/correspondence/letters/{letter.id}").status_code == 200
    _post(login_as(teacher), letter, "return", reason="ติดราชการวันดังกล่าว")
    assert _hops(letter)[-1] == ("return", teacher.id, clerk.id, None)
    assert [h.letter_id for h in db.session.scalars(routing.returned_to(clerk))] == [letter.id]
    assert routing.position_of(letter).stage == "school" and routing.position_of(letter).open_officer_ids == set()


def test_a_cancelled_letter_is_not_routed(office, staff, incoming):
    services.cancel_letter(incoming, "ลงทะเบียนซ้ำ", office.registry_clerk)
    with pytest.raises(CorrespondenceError, match="cancelled"):
        routing.forward(incoming, office.planning, office.registry_clerk)
    db.session.rollback()
    assert db.session.scalars(select(Route)).all() == []


def test_a_letter_of_the_group_own_register_starts_with_its_clerk(office, staff, letter_fields, login_as):
    letter = services.register_letter(services.register_for("incoming", group=office.planning),
                                      letter_fields("หนังสือถึงกลุ่มโดยตรง"), office.group_clerk)
    clerk = login_as(office.group_clerk)
    page = clerk.get(f"/correspondence/letters/{letter.id}").get_data(as_text=True)
    assert 'data-routing-form="present"' in page and 'data-routing-form="return"' not in page
    assert "nothing for you to return" in _post(clerk, letter, "return", reason="ผิดกลุ่ม").get_data(as_text=True)
    _post(clerk, letter, "present")
    assert _hops(letter) == [("present", office.group_clerk.id, staff.director.id, office.planning.id)]


def test_on_the_directors_page_return_looks_unlike_assign_and_asks_for_the_reason_in_place(
        office, staff, incoming, login_as):
    """Issue 16: "มอบหมาย" and "ส่งคืน" were identical buttons side by side; returning is now a red, separate
    control that opens its reason field in place, and the assign button stays the page's primary one."""
    import re

    _walk_to_director(office, staff, incoming, login_as)
    director = login_as(staff.director)
    page = director.get(f"/correspondence/letters/{incoming.id}").get_data(as_text=True)
    assign = re.search(r'data-routing-form="assign".*?</form>', page, re.S).group(0)
    assert re.search(r'<button type="submit" class="btn btn-primary">Assign</button>', assign)
    back = re.search(r'data-routing-form="return".*?</form>', page, re.S).group(0)
    assert "<details" in back and 'class="btn btn-sm btn-outline-danger" data-return-open' in back
    assert 'name="reason"' in back and "btn-danger" in back and "btn-primary" not in back
    assert "Return the letter" in back

    page = _post(director, incoming, "return", reason="").get_data(as_text=True)
    assert "Returned." not in page
    assert routing.position_of(incoming).stage == "director"


def test_someone_acting_for_the_absent_director_under_a_delegation_opens_assigns_and_returns(
        office, staff, incoming, login_as, make_person):
    """Issue 16: the stand-in for an absent group director (core Delegation) could neither open the letter presented
    to the director nor assign it. Under a delegation covering today they do both, and it waits for them on
    "My letters"; once the delegation has ended they are refused again."""
    from core.testing import make_delegation

    deputy = make_person(first_name="รักษาการ", group=office.planning)
    today = local_today()
    delegation = make_delegation(staff.director, deputy, today, today + dt.timedelta(days=3))
    _walk_to_director(office, staff, incoming, login_as)

    stand_in = login_as(deputy)
    assert stand_in.get(f"/correspondence/letters/{incoming.id}").status_code == 200
    assert f'data-letter="{incoming.id}"' in stand_in.get("/correspondence/mine").get_data(as_text=True)
    assert routing.choices_for(deputy, incoming).assignable
    page = _post(stand_in, incoming, "assign", officer_ids=[staff.officer_a.id], instruction="ดำเนินการแทน ผอ.กลุ่ม")
    assert "Assigned." in page.get_data(as_text=True)
    assert _hops(incoming)[-1] == ("assign", deputy.id, staff.officer_a.id, None)

    delegation.starts_on = delegation.ends_on = today - dt.timedelta(days=1)  # over: the deputy is no one's stand-in
    db.session.commit()
    other = services.register_letter(services.register_for("incoming"), services.LetterFields(subject="อีกเรื่อง"),
                                     office.registry_clerk)
    _walk_to_director(office, staff, other, login_as)
    assert login_as(deputy).get(f"/correspondence/letters/{other.id}").status_code == 403
    with pytest.raises(CorrespondenceError):
        routing.assign(other, [staff.officer_a], deputy, instruction="ไม่ได้รับมอบ")
