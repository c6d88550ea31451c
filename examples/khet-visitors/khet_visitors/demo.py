"""Demo visits for `khet demo`: a morning at the front desk (core commits after every module's demo data)."""

from __future__ import annotations

import datetime as dt

from core.api import db, utcnow
from khet_visitors.models import Visit
from khet_visitors.services import office_staff

DEMO_VISITORS = (
    ("นายสมศักดิ์ ทองดี", "โรงเรียนวัดธรรมามูล", "ส่งเอกสารขอรับการประเมินวิทยฐานะ"),
    ("นางสาวพิมพ์ชนก แก้วมณี", "บริษัท ไทยซอฟต์ จำกัด", "นำเสนอระบบห้องสมุดอิเล็กทรอนิกส์"),
    ("นายวิชัย ศรีประเสริฐ", "องค์การบริหารส่วนจังหวัดชัยนาท", "ประสานงานโครงการอาหารกลางวัน"),
    ("นางอรทัย บุญเรือง", "ผู้ปกครองนักเรียน", "ขอคำแนะนำเรื่องการย้ายโรงเรียนของบุตร"),
    ("ร.ต.อ.ธีระ มั่นคง", "สถานีตำรวจภูธรเมืองชัยนาท", "ประสานงานโครงการโรงเรียนปลอดยาเสพติด"),
    ("นายกิตติพงษ์ ใจกล้า", "โรงเรียนบ้านกุดจอก", "ยื่นแบบขอเบิกค่าเช่าบ้าน"),
)


def create_demo_visits(rng, now: dt.datetime | None = None) -> None:
    """A morning at the front desk: visitors spread over the last hours, the earlier ones gone."""
    now = now or utcnow()
    hosts = office_staff()
    if not hosts:
        return
    for minutes_ago, (name, organisation, purpose) in zip((300, 240, 170, 95, 40, 10), DEMO_VISITORS):
        arrived = now - dt.timedelta(minutes=minutes_ago)
        db.session.add(Visit(
            visitor_name=name, organisation=organisation, purpose=purpose, host_id=rng.choice(hosts).id,
            arrived_at=arrived, left_at=arrived + dt.timedelta(minutes=50) if minutes_ago > 60 else None,
        ))
    db.session.flush()
