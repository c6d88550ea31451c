"""What a new office starts with: its ten standard groups and the built-in roles."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.models import Group, Office, Role

# The groups of an Educational Service Area Office (ระเบียบกระทรวงศึกษาธิการ); editable after init.
STANDARD_GROUPS = (
    ("admin", "กลุ่มอำนวยการ", "อำนวยการ"),
    ("policy", "กลุ่มนโยบายและแผน", "นโยบายและแผน"),
    ("finance", "กลุ่มบริหารงานการเงินและสินทรัพย์", "การเงินและสินทรัพย์"),
    ("personnel", "กลุ่มบริหารงานบุคคล", "บริหารงานบุคคล"),
    ("teacher_dev", "กลุ่มพัฒนาครูและบุคลากรทางการศึกษา", "พัฒนาครูฯ"),
    ("promotion", "กลุ่มส่งเสริมการจัดการศึกษา", "ส่งเสริมการจัดการศึกษา"),
    ("supervision", "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา", "นิเทศ ติดตามฯ"),
    ("ict", "กลุ่มส่งเสริมการศึกษาทางไกล เทคโนโลยีสารสนเทศและการสื่อสาร", "ICT"),
    ("legal", "กลุ่มกฎหมายและคดี", "กฎหมายและคดี"),
    ("audit", "หน่วยตรวจสอบภายใน", "ตรวจสอบภายใน"),
)

BUILTIN_ROLES = (
    ("administrators", "ผู้ดูแลระบบ", ("core.admin", "core.org.manage", "core.people.manage", "core.roles.manage")),
    ("hr_officers", "เจ้าหน้าที่บุคคล", ("core.people.manage",)),
)


def seed_office(name: str, short_name: str = "", letter_code: str = "") -> Office:
    """Create the office, its standard groups and built-in roles, once; later calls change nothing."""
    from core import org_services

    office = Office.current()
    if office is None:
        office = Office(name=name, short_name=short_name, letter_code=letter_code)
        db.session.add(office)
    existing = set(db.session.scalars(select(Group.code)))
    for order, (code, group_name, short) in enumerate(STANDARD_GROUPS, start=1):
        if code not in existing:
            db.session.add(Group(code=code, name=group_name, short_name=short, sort_order=order))
    for code, role_name, permissions in BUILTIN_ROLES:
        if db.session.scalar(select(Role).where(Role.code == code)) is None:
            role = Role(code=code, name=role_name)
            db.session.add(role)
            db.session.flush()
            for permission in permissions:  # through the admin pages' service, as every grant
                org_services.grant_permission(permission, role=role)
    db.session.commit()
    return office
