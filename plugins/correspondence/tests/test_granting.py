"""Granting correspondence rights per group through the admin pages, then using them on the correspondence pages.

The rule for a group's registers (``services.may_register``) asks for ``correspondence.register`` within that
group; these tests prove an admin can actually make such a grant, the way an office would, and that it works.
"""

from __future__ import annotations

from sqlalchemy import select

from core.api import db
from core.testing import grants_of
from plugins.correspondence.models import Letter

LETTER = {"subject": "บันทึกข้อความ ขอใช้รถยนต์ส่วนกลาง", "urgency": "normal", "secrecy": "none", "doc_type": "internal",
          "group_id": 0, "officer_id": 0}


def test_an_admin_grants_register_for_one_group_and_that_clerk_then_registers_there(
        office, make_group, make_person, login_as, grant):
    finance = make_group(name="กลุ่มบริหารงานการเงินและสินทรัพย์")
    clerk = make_person(first_name="จันทร์เพ็ญ", group=office.planning)
    admin = make_person(first_name="ผู้ดูแลสิทธิ์")
    grant("core.roles.manage", to=admin)

    client = login_as(clerk)
    assert client.post(f"/correspondence/new/outgoing/group:{office.planning.id}", data=LETTER).status_code == 403

    client = login_as(admin)
    page = client.get(f"/admin/people/{clerk.id}/permissions").get_data(as_text=True)
    assert "Register letters and take letter numbers (correspondence.register) · can be limited" in page
    assert f'value="g:{office.planning.id}"' in page
    response = client.post(f"/admin/people/{clerk.id}/permissions",
                           data={"permission": "correspondence.register", "scope": f"g:{office.planning.id}"})
    assert response.status_code == 302
    (row,) = grants_of(clerk)
    assert (row.permission, row.scope_group_id, row.scope_school_id) == ("correspondence.register", office.planning.id, None)

    client = login_as(clerk)
    response = client.post(f"/correspondence/new/outgoing/group:{office.planning.id}", data=LETTER)
    assert response.status_code == 302
    db.session.expire_all()
    (letter,) = db.session.scalars(select(Letter))
    assert letter.register.scope == f"group:{office.planning.id}" and letter.registered_by_id == clerk.id
    # Within that group only: not the central registry's registers, not another group's.
    assert client.post("/correspondence/new/outgoing/office", data=LETTER).status_code == 403
    assert client.post(f"/correspondence/new/outgoing/group:{finance.id}", data=LETTER).status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(Letter)) == 1


def test_a_permission_that_is_not_scopable_is_refused_per_group_in_thai(office, make_person, login_as, grant):
    admin = make_person(first_name="ผู้ดูแลสิทธิ์", locale="th")
    grant("core.roles.manage", to=admin)
    approver = make_person(first_name="ประเสริฐ", group=office.planning)
    response = login_as(admin).post(
        f"/admin/people/{approver.id}/permissions",
        data={"permission": "rooms.approve", "scope": f"g:{office.planning.id}"}, follow_redirects=True)
    assert "สิทธิ์ rooms.approve ไม่สามารถจำกัดเฉพาะกลุ่มหรือโรงเรียนได้" in response.get_data(as_text=True)
    assert grants_of(approver) == []
