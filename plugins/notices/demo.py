"""Demo notices for `khet demo` (core commits after every module's demo data)."""

from __future__ import annotations

from sqlalchemy import select

from core.api import Group, Person, db
from plugins.notices.models import Notice

DEMO_NOTICES = (
    ("ประชาสัมพันธ์การรับสมัครคัดเลือกครูดีเด่น ประจำปี", "ขอให้โรงเรียนส่งรายชื่อภายในวันที่ 30 ของเดือนนี้", True),
    ("แจ้งปิดปรับปรุงระบบเครือข่ายสำนักงาน วันเสาร์นี้", "ระบบอินเทอร์เน็ตของสำนักงานจะใช้งานไม่ได้ เวลา 08.00-12.00 น.", False),
    ("กำหนดการประชุมผู้บริหารสถานศึกษา ประจำเดือน", "ณ ห้องประชุมใหญ่ สำนักงานเขตพื้นที่การศึกษา เวลา 09.00 น.", False),
    ("ขอเชิญร่วมกิจกรรมวันครู", "ขอเชิญข้าราชการครูและบุคลากรทางการศึกษาร่วมกิจกรรม ณ หอประชุมจังหวัด", False),
    ("ประกาศผลการประเมินโรงเรียนปลอดบุหรี่", "รายชื่อโรงเรียนที่ผ่านเกณฑ์ตามเอกสารแนบ", False),
)


def create_demo_notices(rng) -> None:
    groups = db.session.scalars(select(Group)).all()
    author = db.session.scalar(select(Person).where(Person.username == "admin"))
    for title, body, pinned in DEMO_NOTICES:
        db.session.add(Notice(title=title, body=body, pinned=pinned, group_id=rng.choice(groups).id if groups else None,
                              author_id=author.id if author else None))
    db.session.flush()
