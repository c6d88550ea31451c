"""The approval flow test shown in docs/services/approvals.md ("Testing an approval flow"), kept running."""

import pytest

from core.api import approvals, db, Office
from core.plugin_api import ApprovalKind  # the docs import it from core.api once core.api exports it
from core.testing import installed_module

DECIDED = []


@pytest.fixture
def leave_kind(app):
    kinds = [ApprovalKind("leavetest", "leave", label="Leave", on_outcome=lambda request, outcome: DECIDED.append(outcome))]
    with installed_module(app, "leavetest", approval_kinds=lambda: kinds):
        yield


def test_a_group_request_goes_to_the_group_director_then_the_office_director(
        leave_kind, make_office, make_group, make_person):
    make_office()
    director = make_person()
    Office.current().director_id = director.id
    group = make_group()
    head = make_person(group=group, director=True)
    clerk = make_person(group=group)

    request = approvals.submit("leavetest", "leave", 1, "ขอลาพักผ่อน 2 วัน", clerk, steps="org")
    db.session.commit()
    assert [step.approver for step in request.steps] == [head, director]

    with pytest.raises(approvals.ApprovalError):  # the office director's turn has not come
        approvals.decide(request, director, "approve")
    db.session.rollback()

    approvals.decide(request, head, "approve")
    approvals.decide(request, director, "approve")
    db.session.commit()
    assert request.status == "approved"
    assert DECIDED == ["approved"]
