"""The office the benchmarks run against: the demo office, topped up to a realistic size.

A real office has 100-300 schools and a few hundred staff; the demo has 30
schools and about fifty staff. The extra rows are added here, by the bench,
so that list pages and look-ups meet a realistic amount of data.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from core import security
from core.db import db, utcnow
from core.demo import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES, SCHOOL_NAMES, seed_demo
from core.models import Group, GroupMembership, Person, School, SchoolMembership, SchoolNetwork
from core.plugins import registry

SCHOOLS = 300
OFFICE_STAFF = 200
NOTICES = 1000
STAFF_POSITIONS = (
    "นักวิเคราะห์นโยบายและแผนชำนาญการ", "นักจัดการงานทั่วไปชำนาญการ", "เจ้าพนักงานธุรการ",
    "ศึกษานิเทศก์ชำนาญการพิเศษ", "นักทรัพยากรบุคคลชำนาญการ", "นักวิชาการเงินและบัญชีชำนาญการ",
)


def seed_bench_office(
    schools: int = SCHOOLS, office_staff: int = OFFICE_STAFF, notices: int = NOTICES, rng: random.Random | None = None
) -> dict:
    """Seed the demo (every installed module enabled), then top it up; returns the resulting counts."""
    rng = rng or random.Random(2569)
    seed_demo(rng)
    password_hash = security.hash_password(DEMO_PASSWORD)  # one hash for everyone keeps seeding quick
    _top_up_schools(schools, rng, password_hash)
    _top_up_office_staff(office_staff, rng, password_hash)
    if "notices" in registry().enabled_ids():
        _top_up_notices(notices, rng)
    db.session.commit()
    return {
        "schools": db.session.scalar(select(func.count()).select_from(School)),
        "office_staff": _office_staff_count(),
        "people": db.session.scalar(select(func.count()).select_from(Person)),
        "modules_enabled": sorted(registry().enabled_ids() - {"core"}),
    }


def _person(username: str, position: str, rng: random.Random, password_hash: str) -> Person:
    person = Person(
        username=username, title=rng.choice(("นาย", "นาง", "นางสาว")), first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES), position=position, password_hash=password_hash,
        email=f"{username}@bench.khet.local",
    )
    db.session.add(person)
    return person


def _top_up_schools(total: int, rng: random.Random, password_hash: str) -> None:
    """Add schools, each with a director and a clerk, until there are ``total``."""
    networks = db.session.scalars(select(SchoolNetwork).order_by(SchoolNetwork.id)).all()
    have = db.session.scalar(select(func.count()).select_from(School))
    for number in range(have + 1, total + 1):
        network = networks[number % len(networks)] if networks else None
        school = School(
            code=f"1019{number:06d}", name=f"โรงเรียน{rng.choice(SCHOOL_NAMES)} {number}",
            district=network.district if network else "", network_id=network.id if network else None,
            school_type="extended" if number % 7 == 0 else "primary", phone=f"056-42{number:04d}",
        )
        director = _person(f"bench_school{number}_director", f"ผู้อำนวยการ{school.name}", rng, password_hash)
        clerk = _person(f"bench_school{number}_clerk", "ครู (ธุรการโรงเรียน)", rng, password_hash)
        db.session.add(school)
        db.session.flush()
        db.session.add_all([
            SchoolMembership(person_id=director.id, school_id=school.id, role="director"),
            SchoolMembership(person_id=clerk.id, school_id=school.id, role="clerk"),
        ])


def _office_staff_count() -> int:
    return db.session.scalar(select(func.count(func.distinct(GroupMembership.person_id))))


def _top_up_office_staff(total: int, rng: random.Random, password_hash: str) -> None:
    """Add members to the office's groups in turn until ``total`` people belong to a group."""
    groups = db.session.scalars(select(Group).order_by(Group.sort_order)).all()
    missing = total - _office_staff_count()
    for number in range(1, missing + 1):
        member = _person(f"bench_staff{number}", rng.choice(STAFF_POSITIONS), rng, password_hash)
        db.session.flush()
        db.session.add(GroupMembership(person_id=member.id, group_id=groups[number % len(groups)].id))


def _top_up_notices(total: int, rng: random.Random) -> None:
    """About three notices a working day for a year: what the notices list pages through."""
    from plugins.notices.models import Notice

    groups = db.session.scalars(select(Group.id)).all()
    author = db.session.scalar(select(Person.id).where(Person.username == "admin"))
    have = db.session.scalar(select(func.count()).select_from(Notice))
    now = utcnow()
    db.session.add_all([
        Notice(
            title=f"ประกาศที่ {number}: แจ้งโรงเรียนในสังกัดเรื่องการส่งข้อมูล", body="รายละเอียดตามเอกสารแนบ " * 20,
            group_id=rng.choice(groups), author_id=author, published_at=now - dt.timedelta(hours=3 * number),
        )
        for number in range(have + 1, total + 1)
    ])
