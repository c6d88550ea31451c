"""The demo office behind `khet demo`: groups, networks, 30 schools, people, roles, and every module's data."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from core import security, seed
from core.db import db
from core.models import (
    Delegation, Group, GroupMembership, Office, Person, Role, School, SchoolList, SchoolMembership, SchoolNetwork,
)
from core.plugins import registry

DEMO_PASSWORD = "demo-2569"
ADMIN_PASSWORD = "demo-admin-2569"

DISTRICTS = ("เมืองชัยนาท", "มโนรมย์", "วัดสิงห์", "สรรพยา", "สรรคบุรี", "หันคา")
SCHOOL_NAMES = (
    "วัดธรรมามูล", "บ้านกุดจอก", "วัดบรมธาตุ", "อนุบาลชัยนาท", "วัดหนองแซง", "บ้านท่าชัย",
    "วัดคุ้งสำเภา", "บ้านหางน้ำหนองแขม", "วัดศรีวโนภาส", "วัดอู่ตะเภา", "บ้านวังหมัน", "วัดบ่อแร่",
    "วัดสิงห์สถิตย์", "บ้านหนองขุ่น", "วัดโพนางดำ", "บ้านบางหลวง", "วัดตะแบกเตี้ย", "วัดดอนกำ",
    "บ้านเนินขาม", "วัดกุดจอก", "บ้านหนองมะโมง", "วัดเขาแก้ว", "บ้านห้วยกรด", "วัดสังฆาราม",
    "บ้านดงคอน", "วัดหัวยาง", "บ้านไร่พัฒนา", "วัดพระแก้ว", "บ้านสะพานหิน", "วัดท่าพระ",
)
FIRST_NAMES = (
    "สมชาย", "สมหญิง", "วิไลวรรณ", "ประเสริฐ", "กาญจนา", "ธนพล", "อรุณี", "สุรชัย", "พรทิพย์", "วีระ",
    "จันทร์เพ็ญ", "อนุชา", "ศิริพร", "ชัยวัฒน์", "นภาพร", "บุญมี", "รัตนา", "เกียรติศักดิ์", "มาลี", "ปิยะ",
)
LAST_NAMES = (
    "ใจดี", "ศรีสุข", "บุญมา", "ทองคำ", "แสงทอง", "พรหมมา", "วงศ์ใหญ่", "สุขสวัสดิ์", "เพชรรัตน์", "มีสุข",
)


def seed_demo(rng: random.Random | None = None, progress: Callable[[str], None] | None = None) -> bool:
    """Create the demo office once; returns False (and changes nothing) when an office exists.

    ``progress`` is told, step by step, what was made and how long it took (`khet demo` prints it: seeding
    a year of letters takes a while, and a silent terminal looks stuck).
    """
    if Office.current() is not None:
        return False
    rng = rng or random.Random(2569)
    tell = progress or (lambda _line: None)
    started = time.perf_counter()
    office = seed.seed_office(
        "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาชัยนาท (สาธิต)", short_name="สพป.ชัยนาท (สาธิต)", letter_code="ศธ 04999"
    )
    office.address = "ถนนพรหมประเสริฐ ตำบลในเมือง อำเภอเมืองชัยนาท จังหวัดชัยนาท 17000"
    password_hash = security.hash_password(DEMO_PASSWORD)  # one hash for all demo people keeps seeding quick

    def person(username, first, last, position, title="นาย", **extra):
        record = Person(
            username=username, title=title, first_name=first, last_name=last, position=position,
            password_hash=password_hash, email=f"{username}@demo.khet.local", **extra,
        )
        db.session.add(record)
        return record

    admin = person("admin", "ผู้ดูแล", "ระบบ", "นักวิชาการคอมพิวเตอร์", is_admin=True)
    admin.password_hash = security.hash_password(ADMIN_PASSWORD)
    director = person("director", "ประเสริฐ", "ศรีสุข", "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา")
    deputies = [
        person(f"deputy{i}", FIRST_NAMES[i + 2], LAST_NAMES[i + 2], "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
               title="นาง" if i % 2 else "นาย")
        for i in range(1, 4)
    ]
    db.session.flush()
    office.director_id = director.id

    groups = db.session.scalars(select(Group).order_by(Group.sort_order)).all()
    staff_count = 0
    for index, group in enumerate(groups):
        group.deputy_id = deputies[index % len(deputies)].id
        head = person(f"{group.code}_head", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), f"ผู้อำนวยการ{group.name}")
        db.session.flush()
        db.session.add(GroupMembership(person_id=head.id, group_id=group.id, is_director=True))
        for n in range(1, 4):
            staff_count += 1
            member = person(
                f"{group.code}{n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
                rng.choice(("นักวิเคราะห์นโยบายและแผนชำนาญการ", "นักจัดการงานทั่วไปชำนาญการ", "เจ้าพนักงานธุรการ",
                            "ศึกษานิเทศก์ชำนาญการพิเศษ", "นักทรัพยากรบุคคลชำนาญการ")),
                title=rng.choice(("นาย", "นาง", "นางสาว")),
            )
            db.session.flush()
            db.session.add(GroupMembership(person_id=member.id, group_id=group.id))
    # A delegation means the principal is away for its dates: the director is at a
    # three-day seminar around the day the demo is made, so deputy no. 1 acts
    # (รักษาราชการแทน), then no. 2, then no. 3 if those are away too.
    today = dt.date.today()
    for rank, deputy in enumerate(deputies, start=1):
        db.session.add(Delegation(
            principal_id=director.id, delegate_id=deputy.id, rank=rank,
            starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=1),
            note="ผู้อำนวยการไปราชการ ประชุมสัมมนา ณ กรุงเทพมหานคร",
        ))

    networks = []
    for district in DISTRICTS:
        network = SchoolNetwork(name=f"เครือข่าย{district}", district=district, deputy_id=rng.choice(deputies).id)
        db.session.add(network)
        networks.append(network)
    db.session.flush()
    schools = []
    for index, name in enumerate(SCHOOL_NAMES):
        network = networks[index % len(networks)]
        school = School(
            code=f"1018{index + 1:06d}", name=f"โรงเรียน{name}", district=network.district, network_id=network.id,
            school_type="extended" if index % 7 == 0 else "primary", phone=f"056-41{index:04d}",
        )
        db.session.add(school)
        schools.append(school)
    db.session.flush()
    for index, school in enumerate(schools, start=1):
        head = person(f"school{index}_director", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
                      f"ผู้อำนวยการ{school.name}")
        clerk = person(f"school{index}_clerk", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), "ครู (ธุรการโรงเรียน)",
                       title=rng.choice(("นาง", "นางสาว")))
        teacher = person(f"school{index}_teacher", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), "ครูชำนาญการ")
        db.session.flush()
        db.session.add_all([
            SchoolMembership(person_id=head.id, school_id=school.id, role="director"),
            SchoolMembership(person_id=clerk.id, school_id=school.id, role="clerk"),
            SchoolMembership(person_id=teacher.id, school_id=school.id, role="teacher"),
        ])
    small = SchoolList(name="โรงเรียนขนาดเล็ก", description="นักเรียนไม่เกิน 120 คน", owner_id=admin.id)
    small.schools = schools[::3]
    extended = SchoolList(name="โรงเรียนขยายโอกาส", owner_id=admin.id)
    extended.schools = [s for s in schools if s.school_type == "extended"]
    db.session.add_all([small, extended])
    administrators = db.session.scalar(select(Role).where(Role.code == "administrators"))
    administrators.members.append(admin)
    db.session.commit()

    tell(_("office: %(groups)s groups, %(schools)s schools, %(people)s people (%(seconds)s s)",
           groups=len(groups), schools=len(schools), people=db.session.scalar(select(func.count()).select_from(Person)),
           seconds=_seconds_since(started)))

    reg = registry()
    for plugin_id in reg.module_ids:
        reg.set_enabled(plugin_id, True)
    started = time.perf_counter()
    from core.services.holidays import import_sample
    import_sample()  # the shipped BE 2570 holidays: working days and Admin > Holidays look like a real office's
    _seed_workflow()
    tell(_("holidays, approvals, notifications and audit rows (%(seconds)s s)", seconds=_seconds_since(started)))
    # Each module seeds its own data, in the order the hook calls them; one that fails stops the demo with its error.
    enabled = reg.enabled_ids()
    for plugin_id in [impl.plugin_name for impl in reg.pm.hook.demo_data.get_hookimpls()]:
        if plugin_id not in enabled:
            continue
        started, before = time.perf_counter(), _rows_of(reg, plugin_id)
        reg.call_one(plugin_id, "demo_data", office=office, rng=rng)
        db.session.commit()
        added = format(_rows_of(reg, plugin_id) - before, ",")
        tell(_("%(module)s: %(rows)s rows (%(seconds)s s)", module=plugin_id, rows=added, seconds=_seconds_since(started)))
    return True


def _rows_of(reg, plugin_id: str) -> int:
    """Rows in the module's own tables (for the progress lines)."""
    tables = [db.metadata.tables[name] for name in reg.plugins[plugin_id].tables if name in db.metadata.tables]
    return sum(db.session.scalar(select(func.count()).select_from(table)) for table in tables)


def _seconds_since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}"


def _seed_workflow() -> None:
    """Approvals at three stages (one decided by the acting director), the notifications they sent, audit rows."""
    from core.db import utcnow
    from core.services import approvals, audit, notifications

    people = {p.username: p for p in db.session.scalars(select(Person).where(Person.username.in_(
        ["admin", "admin1", "admin2", "admin3", "admin_head", "deputy1", "director", "school1_clerk"])))}
    now = utcnow().replace(microsecond=0)

    def ago(hours: float) -> dt.datetime:
        return now - dt.timedelta(hours=hours)

    travel = approvals.submit(
        "core", "demo", 1, "ขออนุญาตไปราชการ ประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติราชการ ณ สพฐ. กรุงเทพมหานคร",
        people["admin1"], intermediate="comment", now=ago(50), remote_addr="192.168.10.21")
    approvals.decide(travel, people["admin_head"], "comment", "เห็นควรอนุญาต เป็นประโยชน์ต่อราชการ", now=ago(47))
    approvals.decide(travel, people["deputy1"], "comment", "เห็นควรอนุญาต", now=ago(30))
    # The director's standing delegation covers today: deputy no. 1 decides on the director's behalf.
    approvals.decide(travel, people["deputy1"], "approve", "อนุญาต", now=ago(26))

    approvals.submit("core", "demo", 2, "ขออนุญาตใช้รถยนต์ส่วนกลาง ไปนิเทศโรงเรียนในเครือข่ายมโนรมย์",
                     people["admin2"], intermediate="comment", now=ago(3), remote_addr="192.168.10.22")
    leave = approvals.submit("core", "demo", 3, "ขอลาพักผ่อน 3 วันทำการ", people["admin3"], now=ago(20),
                             remote_addr="192.168.10.23")
    approvals.decide(leave, people["admin_head"], "approve", now=ago(19))
    approvals.decide(leave, people["deputy1"], "approve", "ควรอนุญาต", now=ago(2))

    notifications.notify(people["school1_clerk"], "core.demo", "มีหนังสือราชการเข้าใหม่ ที่ ศธ 04999/ว 125 เรื่อง การประชุมผู้บริหารสถานศึกษา",
                         link=notifications.link_to("main.home"), body="กรุณาลงทะเบียนรับภายในวันนี้")
    audit.record("view", "core", "demo_secret_letter", 1, people["director"], "เปิดอ่านหนังสือลับ เรื่อง การสอบข้อเท็จจริง",
                 remote_addr="192.168.10.5")
    audit.record("view", "core", "demo_secret_letter", 1, people["admin2"], "พยายามเปิดหนังสือลับ เรื่อง การสอบข้อเท็จจริง",
                 remote_addr="192.168.10.22", outcome="refused")
    audit.record("export", "core", "person", "", people["admin"], "ส่งออกรายชื่อบุคลากรเป็น Excel", remote_addr="192.168.10.2")
    db.session.commit()
