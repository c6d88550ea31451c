"""Demo meeting rooms for `khet demo`: five rooms, a month of bookings around today, requests waiting, a weekly meeting."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from sqlalchemy import select

from core.api import Group, Person, attachments, calendar, db, grant_permission, utcnow
from plugins.rooms import PLUGIN_ID, services
from plugins.rooms.models import FeedToken
from plugins.rooms.permissions import APPROVE, BOOK, MANAGE, VIEW_STATS
from plugins.rooms.services import BookingDetails, RoomError, RoomFields

MEETINGS = (
    "ประชุมคณะกรรมการติดตามและประเมินผล", "ประชุมชี้แจงการจัดทำแผนปฏิบัติการ", "ประชุมผู้บริหารสถานศึกษา",
    "อบรมการใช้งานระบบสารบรรณอิเล็กทรอนิกส์", "ประชุมคณะกรรมการจัดซื้อจัดจ้าง", "ประชุมเตรียมการสอบ O-NET",
    "ประชุมคณะทำงานนิเทศการศึกษา", "ประชุมพิจารณาย้ายครู", "สัมภาษณ์คัดเลือกพนักงานราชการ", "ประชุมกลุ่มเครือข่ายโรงเรียน",
)


def _people(*usernames) -> list[Person]:
    found = {p.username: p for p in db.session.scalars(select(Person).where(Person.username.in_(usernames)))}
    return [found[name] for name in usernames if name in found]


def create_demo_rooms(rng) -> None:
    groups = {g.code: g for g in db.session.scalars(select(Group))}
    admin, head, officer = (_people("admin", "admin_head", "admin2") + [None, None, None])[:3]
    if admin is None or head is None:
        return
    for group in groups.values():
        grant_permission(BOOK, group=group)
    grant_permission(APPROVE, person=head)
    for username in ("director", "admin_head"):
        for person in _people(username):
            grant_permission(VIEW_STATS, person=person)
    if officer is not None:
        grant_permission(MANAGE, person=officer)
    db.session.commit()

    rooms = [
        services.save_room(None, RoomFields(
            name="ห้องประชุมใหญ่ ชั้น 3", building="อาคารสำนักงาน", floor="ชั้น 3", capacity=80,
            equipment=["projector", "microphones", "sound_system", "video_conference"], needs_approval=True, approver=head,
            notes="กุญแจอยู่ที่ห้องธุรการ ชั้น 1 โทร 1101 · ชุดเครื่องเสียงติดต่อกลุ่ม ICT โทร 1402",
            opens_at=dt.time(8, 0), closes_at=dt.time(18, 0), sort_order=1), admin),
        services.save_room(None, RoomFields(
            name="ห้องประชุมเล็ก 1", building="อาคารสำนักงาน", floor="ชั้น 2", capacity=12, equipment=["tv", "whiteboard"],
            notes="เปิดแอร์ก่อนประชุม 15 นาที", sort_order=2), admin),
        services.save_room(None, RoomFields(
            name="ห้องประชุมเล็ก 2", building="อาคารสำนักงาน", floor="ชั้น 2", capacity=10, equipment=["tv"], sort_order=3), admin),
        services.save_room(None, RoomFields(
            name="ห้องประชุม VDO Conference", building="อาคาร ICT", floor="ชั้น 1", capacity=25,
            equipment=["video_conference", "projector", "microphones"], needs_approval=True, approver=head, restricted=True,
            group_ids=[groups[c].id for c in ("admin", "ict", "policy", "supervision") if c in groups],
            notes="ใช้สำหรับประชุมทางไกลกับ สพฐ. เป็นหลัก", sort_order=4), admin),
        services.save_room(None, RoomFields(
            name="หอประชุมศูนย์การเรียนรู้", building="อาคารศูนย์การเรียนรู้", capacity=150,
            equipment=["projector", "microphones", "sound_system"], needs_approval=True, approver=head, open_on_days_off=True,
            opens_at=dt.time(7, 0), closes_at=dt.time(20, 0), sort_order=5), admin),
    ]
    bookers = [p for p in db.session.scalars(select(Person).where(Person.username.like("%\\_head", escape="\\")))]
    bookers += _people(*[f"{code}{n}" for code in ("admin", "policy", "ict", "supervision", "personnel") for n in (1, 2, 3)])
    bookers = [p for p in bookers if p.id != head.id]
    today = calendar.local_today()
    now = utcnow()

    # Who may book each room does not change while the demo books: asked once per room, not once per booking
    # (it was most of the rooms demo's time).
    bookers_of = {room.id: [p for p in bookers if services.may_book(p, room)] for room in rooms}
    for offset in range(-14, 21):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(1, 3)):
            room = rng.choice(rooms)
            person = rng.choice(bookers_of[room.id])
            hour = rng.choice((9, 10, 13, 14))
            start = services.at(day, dt.time(hour, rng.choice((0, 30))))
            end = start + dt.timedelta(minutes=rng.choice((60, 90, 120)))
            details = BookingDetails(title=rng.choice(MEETINGS), chair=rng.choice(("ผอ.สพป.", "รอง ผอ.สพป.", "ผอ.กลุ่ม")),
                                     attendees=rng.randint(4, room.capacity), purpose="ตามหนังสือสั่งการ",
                                     group_ids=[person.primary_group.id] if person.primary_group else [])
            if services.utc(start) <= now:
                services.record_past_booking(room, start, end, person, details)
                continue
            try:
                record = services.request_booking(room, start, end, person, details)
            except RoomError:
                continue  # the demo's dice chose a taken time
            if record.status == "pending" and rng.random() < 0.5:
                try:
                    services.decide(record, head, "approve")
                except RoomError:
                    pass

    monday = today + dt.timedelta(days=7 - today.weekday())
    services.request_series(
        rooms[1], services.at(monday, dt.time(9, 0)), services.at(monday, dt.time(10, 30)), head,
        BookingDetails(title="ประชุมประจำสัปดาห์ กลุ่มอำนวยการ", chair="ผอ.กลุ่มอำนวยการ", attendees=10,
                       group_ids=[groups["admin"].id] if "admin" in groups else []),
        "weekly", until=monday + dt.timedelta(weeks=7), on_conflict="skip",
    )
    closed_from = monday + dt.timedelta(days=2)
    services.block_room(rooms[2], services.at(closed_from, dt.time(8, 0)), services.at(closed_from + dt.timedelta(days=1), dt.time(18, 0)),
                        "ปิดปรับปรุงเครื่องปรับอากาศ", admin, cancel_bookings=True)
    for room, colour in zip(rooms[:2], ((31, 78, 140), (25, 135, 84))):
        attachments.save_uploads([(f"{room.name}.png", io.BytesIO(_png(64, 40, colour)))], (PLUGIN_ID, "room", room.id), admin,
                                 policy=_photo_policy())
    services.new_feed_token(admin)
    db.session.add(FeedToken(person_id=head.id, token="demo-revoked-feed-token", revoked_at=now))
    db.session.commit()


def _photo_policy():
    from plugins.rooms.views import PHOTO_POLICY

    return PHOTO_POLICY


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG: a stand-in for a photo of the room."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
