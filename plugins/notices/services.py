"""The rules of notices: what counts as current, who sees what, search."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.db import db, utcnow
from core.plugin_api import SearchResult
from plugins.notices.models import Notice


def current_notices():
    """Notices still standing, pinned first, newest first."""
    # The list shows each notice's group: one query, not one per row.
    return _standing().options(selectinload(Notice.group))


def _standing():
    return (
        select(Notice)
        .where(Notice.withdrawn_at.is_(None))
        .order_by(Notice.pinned.desc(), Notice.published_at.desc(), Notice.id.desc())
    )


def latest(limit: int = 5) -> list[Notice]:
    """The home card's few notices: title and date only, so their groups are not loaded (a second query)."""
    from core import cache

    # Kept by the worker (core.cache): building the statement cost the home page more than running it.
    return list(db.session.scalars(cache.cached(("notices.latest", limit), (), lambda: _standing().limit(limit))))


def post(title: str, body: str, author, group_id: int | None = None, pinned: bool = False) -> Notice:
    notice = Notice(title=title.strip(), body=body.strip(), author_id=author.id, group_id=group_id or None, pinned=pinned)
    db.session.add(notice)
    db.session.commit()
    return notice


def withdraw(notice: Notice) -> None:
    notice.withdrawn_at = utcnow()
    db.session.commit()


def search_results(query: str, limit: int) -> list[SearchResult]:
    pattern = f"%{query}%"
    found = db.session.scalars(
        current_notices().where(or_(Notice.title.like(pattern), Notice.body.like(pattern))).limit(limit)
    )
    return [
        SearchResult(title=n.title, url=url_for("notices.show", notice_id=n.id), summary=n.body[:140], when=n.published_at)
        for n in found
    ]


DEMO_NOTICES = (
    ("ประชาสัมพันธ์การรับสมัครคัดเลือกครูดีเด่น ประจำปี", "ขอให้โรงเรียนส่งรายชื่อภายในวันที่ 30 ของเดือนนี้", True),
    ("แจ้งปิดปรับปรุงระบบเครือข่ายสำนักงาน วันเสาร์นี้", "ระบบอินเทอร์เน็ตของสำนักงานจะใช้งานไม่ได้ เวลา 08.00-12.00 น.", False),
    ("กำหนดการประชุมผู้บริหารสถานศึกษา ประจำเดือน", "ณ ห้องประชุมใหญ่ สำนักงานเขตพื้นที่การศึกษา เวลา 09.00 น.", False),
    ("ขอเชิญร่วมกิจกรรมวันครู", "ขอเชิญข้าราชการครูและบุคลากรทางการศึกษาร่วมกิจกรรม ณ หอประชุมจังหวัด", False),
    ("ประกาศผลการประเมินโรงเรียนปลอดบุหรี่", "รายชื่อโรงเรียนที่ผ่านเกณฑ์ตามเอกสารแนบ", False),
)


def create_demo_notices(rng) -> None:
    from core.models import Group, Person

    groups = db.session.scalars(select(Group)).all()
    author = db.session.scalar(select(Person).where(Person.username == "admin"))
    for title, body, pinned in DEMO_NOTICES:
        db.session.add(Notice(title=title, body=body, pinned=pinned, group_id=rng.choice(groups).id if groups else None,
                              author_id=author.id if author else None))
    db.session.commit()
