"""Demo letters for `khet demo`: a few lines in each register of the central registry, a group's register and a school's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.calendar import local_today
from core.db import db, utcnow
from core.models import Grant, Group, Person, School
from plugins.correspondence import services
from plugins.correspondence.services import LetterFields, inbox, sending

INCOMING = (
    ("ศธ 04002/ว 1520", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "การประชุมผู้บริหารสถานศึกษา ประจำปี", "most_urgent"),
    ("ชน 0017.3/ว 245", "ศาลากลางจังหวัดชัยนาท", "ขอเชิญร่วมพิธีวันพ่อแห่งชาติ", "normal"),
    ("ศธ 04009/1877", "สำนักนโยบายและแผนการศึกษาขั้นพื้นฐาน", "ขอให้รายงานข้อมูลนักเรียนรายบุคคล", "urgent"),
    ("ศธ 0206.4/ว 77", "สำนักงาน ก.ค.ศ.", "หลักเกณฑ์การย้ายข้าราชการครู", "normal"),
)
OUTGOING = (
    ("outgoing", "สำนักงานศึกษาธิการจังหวัดชัยนาท", "ส่งรายงานผลการดำเนินงานไตรมาสที่ 1", "normal"),
    ("outgoing", "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "ขออนุมัติโครงการพัฒนาครู", "urgent"),
    ("circular", "ผู้อำนวยการโรงเรียนทุกโรง", "การประชุมผู้บริหารสถานศึกษา ประจำเดือน", "very_urgent"),
    ("circular", "ผู้อำนวยการโรงเรียนทุกโรง", "แจ้งปฏิทินการสอบ O-NET", "normal"),
    ("order", "ข้าราชการในสังกัด", "แต่งตั้งคณะกรรมการจัดซื้อจัดจ้าง", "normal"),
    ("certificate", "นางสาวสมศรี ใจดี", "รับรองการปฏิบัติงาน", "normal"),
)


def _person(username: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.username == username))


def create_demo_letters(rng) -> None:
    clerk, head, director = _person("admin1") or _person("admin"), _person("admin_head"), _person("director")
    if clerk is None:
        return
    groups = {g.code: g for g in db.session.scalars(select(Group))}
    db.session.add(Grant(permission="correspondence.register", person_id=clerk.id))
    db.session.add(Grant(permission="correspondence.secret", person_id=clerk.id))
    db.session.add(Grant(permission="correspondence.send", person_id=clerk.id))
    for group in groups.values():
        db.session.add(Grant(permission="correspondence.read", group_id=group.id))
    db.session.commit()

    now = utcnow()
    today = local_today()
    for days_ago, (ref, sender, subject, urgency) in zip((6, 4, 2, 1), INCOMING):
        services.register_letter(services.register_for("incoming"), LetterFields(
            subject=subject, sender_ref=ref, letter_date=today - dt.timedelta(days=days_ago + 2), from_text=sender,
            to_text="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา", urgency=urgency, group_id=rng.choice(list(groups.values())).id,
            action="เสนอ ผอ.สพป. เพื่อโปรดทราบ"), clerk, now=now - dt.timedelta(days=days_ago))
    sent = []
    for kind, to_text, subject, urgency in OUTGOING:
        sent.append(services.register_letter(services.register_for(kind), LetterFields(
            subject=subject, to_text=to_text, from_text="สพป.ชัยนาท (สาธิต)", urgency=urgency, letter_date=today,
            doc_type="directive" if kind == "order" else "external"), clerk, now=now))
    circular = next(letter for letter in sent if letter.register.kind == "circular")
    sending.send_letter(circular, sending.Recipients(all_schools=True), clerk)
    for delivery in sending.deliveries_of(circular)[:2]:
        school_clerk = next((m.person for m in delivery.school.memberships if m.role == "clerk"), None)
        if school_clerk is not None:
            inbox.receive(delivery, school_clerk)
    cancelled = services.register_letter(services.register_for("outgoing"), LetterFields(
        subject="ขอความอนุเคราะห์ใช้สถานที่", to_text="โรงเรียนชัยนาทพิทยาคม"), clerk, now=now)
    services.cancel_letter(cancelled, "ออกเลขซ้ำกับหนังสือฉบับก่อน", clerk)
    services.register_letter(services.register_for("secret"), LetterFields(
        subject="ผลการสอบสวนข้อเท็จจริงกรณีร้องเรียน", from_text="สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
        sender_ref="ศธ 04010/ลับ 12", secrecy="secret", urgency="urgent"), clerk, now=now,
        readers=[p for p in (director, head) if p is not None])
    if "policy" in groups:
        services.register_letter(services.register_for("incoming", group=groups["policy"]), LetterFields(
            subject="ขอให้รายงานข้อมูลนักเรียนรายบุคคล", from_text="กลุ่มอำนวยการ", sender_ref="3"), clerk, now=now)
    school = db.session.scalar(select(School).order_by(School.id))
    school_clerk = _person("school1_clerk")
    if school is not None and school_clerk is not None:
        services.register_letter(services.register_for("outgoing", school=school), LetterFields(
            subject="ขอส่งแผนปฏิบัติการประจำปี", to_text="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา"), school_clerk, now=now)
