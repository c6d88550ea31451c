"""Demo letters for `khet demo`: a year of a district office's correspondence, made through the module's services.

The central registry (admin1) registers letters from สพฐ., the province and other agencies and hands each to a
group; it numbers outgoing letters, circulars, orders and certificates, sends circulars to all schools or a
network and letters to picked schools, and most schools receive them within days (some never do). A few
letters are urgent, a few secret (sent only to named people), a few numbers cancelled. Each group keeps its own
registers; each school sends the office letters of its own. Everything happens in date order with explicit
times, so numbers follow dates and restart on 1 January, as in a real register.

``school1_clerk`` always has letters waiting to be received and letters already received.
"""

from __future__ import annotations

import datetime as dt
import bisect
import heapq
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from core.api import (
    DaysOff, Group, Person, School, SchoolNetwork, bangkok_at, be_year, db, demo_name, grant_permission, local_today,
    to_stored, utcnow,
)
from plugins.correspondence import services
from plugins.correspondence.models import Delivery, Letter
from plugins.correspondence.permissions import READ, REGISTER, SECRET, SEND
from plugins.correspondence.services import LetterFields, inbox, numbering, retention, routing, sending
# --- the words of a year of letters (shared with bench/correspondence_seed.py) ------------------

AGENCIES = (  # (who writes to the office, the code printed before their numbers)
    ("สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "ศธ 04002"),
    ("สำนักนโยบายและแผนการศึกษาขั้นพื้นฐาน", "ศธ 04009"),
    ("สำนักการคลังและสินทรัพย์ สพฐ.", "ศธ 04005"),
    ("สำนักวิชาการและมาตรฐานการศึกษา สพฐ.", "ศธ 04010"),
    ("สำนักพัฒนาครูและบุคลากรทางการศึกษาขั้นพื้นฐาน", "ศธ 04014"),
    ("สำนักงาน ก.ค.ศ.", "ศธ 0206.4"),
    ("ศาลากลางจังหวัดชัยนาท", "ชน 0017.3"),
    ("สำนักงานศึกษาธิการจังหวัดชัยนาท", "ศธ 0248"),
    ("สำนักงานสาธารณสุขจังหวัดชัยนาท", "ชน 0032"),
    ("สถาบันทดสอบทางการศึกษาแห่งชาติ (องค์การมหาชน)", "สทศ"),
    ("องค์การบริหารส่วนจังหวัดชัยนาท", "ชน 51000"),
    ("สำนักงาน สกสค. จังหวัดชัยนาท", "ศธ 2103.18"),
)
PROJECTS = ("โรงเรียนคุณภาพประจำตำบล", "อาหารกลางวัน", "ส่งเสริมการอ่าน", "ห้องเรียนกีฬา", "ลดเวลาเรียน เพิ่มเวลารู้",
            "โรงเรียนปลอดบุหรี่", "พัฒนาทักษะภาษาอังกฤษ", "Coding สำหรับนักเรียน", "ธนาคารโรงเรียน", "ลูกเสือต้านภัยยาเสพติด")
TRAININGS = ("การจัดการเรียนรู้เชิงรุก (Active Learning)", "การใช้ระบบ DMC", "การวัดและประเมินผล", "ครูผู้ช่วย",
             "ผู้บริหารสถานศึกษา", "การป้องกันการทุจริต", "ระบบบัญชีภาครัฐ (e-GP)", "ความปลอดภัยในสถานศึกษา")
MEETINGS = ("ผู้บริหารสถานศึกษา ประจำเดือน", "คณะกรรมการเขตพื้นที่การศึกษา", "คณะกรรมการ ก.ต.ป.น.",
            "ประธานเครือข่ายสถานศึกษา", "เจ้าหน้าที่ธุรการโรงเรียน", "คณะทำงานจัดทำแผนปฏิบัติการ")
SUBJECTS = (  # str.format with project, training, meeting, year (BE)
    "ขอให้รายงานผลการดำเนินงานโครงการ{project}",
    "การจัดสรรงบประมาณโครงการ{project} ปีงบประมาณ {year}",
    "แจ้งโอนเงินงบประมาณค่าจัดการเรียนการสอน ปีงบประมาณ {year}",
    "การเบิกจ่ายงบประมาณรายจ่ายประจำปี {year}",
    "ขอเชิญประชุม{meeting}",
    "รายงานการประชุม{meeting}",
    "การอบรมเชิงปฏิบัติการ {training}",
    "ขอเชิญส่งครูเข้ารับการอบรม {training}",
    "การรับนักเรียน ปีการศึกษา {year}",
    "ขอให้ส่งข้อมูลนักเรียนรายบุคคล (DMC) ภาคเรียนที่ 1/{year}",
    "การคัดเลือกนักเรียนรับทุนการศึกษา ประจำปี {year}",
    "การแข่งขันศิลปหัตถกรรมนักเรียน ครั้งที่ 7{project_number}",
    "การป้องกันและแก้ไขปัญหายาเสพติดในสถานศึกษา",
    "การประเมินคุณภาพการศึกษาขั้นพื้นฐาน (O-NET) ปีการศึกษา {year}",
    "รายงานผลการดำเนินงานตามแผนปฏิบัติการ ไตรมาสที่ {quarter}",
    "ขอความร่วมมือประชาสัมพันธ์โครงการ{project}",
    "แต่งตั้งคณะกรรมการดำเนินงานโครงการ{project}",
    "การย้ายข้าราชการครูและบุคลากรทางการศึกษา ประจำปี {year}",
    "การเลื่อนเงินเดือนข้าราชการครู ครั้งที่ {half}/{year}",
    "ขอความอนุเคราะห์ใช้อาคารสถานที่",
    "ส่งแผนปฏิบัติการประจำปีงบประมาณ {year}",
    "การตรวจสอบพัสดุประจำปี {year}",
    "แจ้งวันหยุดราชการและการปฏิบัติงาน",
    "การติดตามนักเรียนออกกลางคัน",
)
URGENCY_WEIGHTS = (("normal", 80), ("urgent", 10), ("very_urgent", 6), ("most_urgent", 4))
CANCEL_REASONS = ("ออกเลขซ้ำกับหนังสือฉบับก่อน", "ยกเลิกการจัดประชุม", "พิมพ์เรื่องผิด ออกเลขใหม่แล้ว")


def letter_subject(rng, year_be: int) -> str:
    """A subject a Thai office writes: budgets, students, meetings, projects, training, reports."""
    return rng.choice(SUBJECTS).format(
        project=rng.choice(PROJECTS), training=rng.choice(TRAININGS), meeting=rng.choice(MEETINGS), year=year_be,
        quarter=rng.randint(1, 4), half=rng.randint(1, 2), project_number=rng.randint(0, 3))


def urgency(rng) -> str:
    return rng.choices([u for u, _w in URGENCY_WEIGHTS], [w for _u, w in URGENCY_WEIGHTS])[0]
ORDER_SUBJECTS = ("แต่งตั้งคณะกรรมการดำเนินงานโครงการ{project}", "ให้ข้าราชการไปราชการ ณ กรุงเทพมหานคร",
                  "มอบหมายให้ปฏิบัติหน้าที่ผู้อำนวยการโรงเรียน", "แต่งตั้งคณะกรรมการจัดซื้อจัดจ้าง",
                  "แต่งตั้งคณะกรรมการตรวจสอบพัสดุประจำปี {year}")
SECRET_SUBJECTS = ("ผลการสอบสวนข้อเท็จจริงกรณีร้องเรียน", "การสืบสวนข้อเท็จจริงข้าราชการครู",
                   "รายงานผลการตรวจสอบภายใน (ลับ)", "ข้อสอบคัดเลือกบุคลากร")
HEAD_OF_OFFICE = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาชัยนาท"
DAYS = 365
ROUTED_DAYS = 60  # incoming letters of the last two months are routed inside the office
OFFICE_OPENS, OFFICE_MINUTES = dt.time(8, 30), 8 * 60


@dataclass
class Office:
    """The people and places the demo year happens between."""

    clerk: Person
    readers: list[Person]  # named on secret letters: the director and the head of the admin group
    groups: list[Group]
    group_clerks: dict[int, Person]
    schools: list[School]
    school_clerks: dict[int, Person]
    networks: list[tuple[SchoolNetwork, list[School]]]
    officers: dict[int, list[Person]] = field(default_factory=dict)  # group id -> its officers (not its clerk)
    lax_school_ids: set[int] = field(default_factory=set)  # schools that often never receive


class Year:
    """The working days of the demo year and the moments in them, stored as naive UTC like every timestamp."""

    def __init__(self, rng, now: dt.datetime):
        self.rng, self.now, today = rng, now, local_today()
        first = today - dt.timedelta(days=DAYS)
        days_off = DaysOff().cover(first, today)
        self.days = [first + dt.timedelta(days=n) for n in range(DAYS + 1)
                     if days_off.is_working_day(first + dt.timedelta(days=n))]

    def moment(self, day: dt.date) -> dt.datetime:
        minutes = self.rng.randrange(OFFICE_MINUTES)
        return to_stored(bangkok_at(day, OFFICE_OPENS) + dt.timedelta(minutes=minutes, seconds=self.rng.randrange(60)))

    def working_days_after(self, day: dt.date, count: int) -> dt.date | None:
        """The working day ``count`` working days after ``day`` (0: ``day`` itself, or the next working day)."""
        index = bisect.bisect_left(self.days, day) + count
        return self.days[index] if index < len(self.days) else None


class Timeline:
    """Things done at given moments, run in time order: the numbers of every register then follow the dates."""

    def __init__(self, now: dt.datetime):
        self.now, self._queue, self._order = now, [], itertools.count()

    def at(self, moment: dt.datetime, action, *args) -> None:
        if moment <= self.now:
            heapq.heappush(self._queue, (moment, next(self._order), action, args))

    def run(self) -> None:
        while self._queue:
            moment, _order, action, args = heapq.heappop(self._queue)
            action(moment, *args)


def _person(username: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.username == username))


def _clerk_of(school: School) -> Person | None:
    return next((m.person for m in school.memberships if m.role == "clerk"), None)


def _grant_rights(clerk: Person, groups: list[Group], group_clerks: dict[int, Person]) -> None:
    """The central registry keeps every register and sends; each group's first officer keeps the group's registers.

    Granted through the service the admin pages use, so the demo's scoped grants are ones an admin can make.
    """
    for permission in (REGISTER, SECRET, SEND):
        grant_permission(permission, person=clerk)
    for group in groups:
        grant_permission(READ, group=group)
        group_clerk = group_clerks.get(group.id)
        if group_clerk is not None:
            grant_permission(REGISTER, person=group_clerk, scope=group)
            grant_permission(SEND, person=group_clerk, scope=group)
    db.session.commit()


def _office(rng) -> Office | None:
    clerk = _person("admin1") or _person("admin")
    if clerk is None:
        return None
    groups = list(db.session.scalars(select(Group).where(Group.active.is_(True)).order_by(Group.sort_order)))
    group_clerks = {g.id: p for g in groups if (p := _person(f"{g.code}1")) is not None and p.id != clerk.id}
    schools = list(db.session.scalars(select(School).where(School.active.is_(True)).order_by(School.id)))
    networks = [(n, [s for s in schools if s.network_id == n.id])
                for n in db.session.scalars(select(SchoolNetwork).order_by(SchoolNetwork.id))]
    school_clerks = {s.id: c for s in schools if (c := _clerk_of(s)) is not None}
    lax = {s.id for s in rng.sample(schools[1:], min(3, max(0, len(schools) - 1)))}
    return Office(clerk=clerk, readers=[p for p in (_person("director"), _person("admin_head")) if p is not None],
                  groups=groups, group_clerks=group_clerks, schools=schools, school_clerks=school_clerks,
                  networks=[(n, members) for n, members in networks if members], lax_school_ids=lax,
                  officers={g.id: [p for n in (2, 3) if (p := _person(f"{g.code}{n}")) is not None] for g in groups})


class DemoYear:
    """Plans the year's letters on a timeline, then runs it."""

    def __init__(self, rng, office: Office, now: dt.datetime):
        self.rng, self.office = rng, office
        self.year, self.timeline = Year(rng, now), Timeline(now)

    # --- what is written --------------------------------------------------------

    def _subject(self, moment: dt.datetime) -> str:
        return letter_subject(self.rng, be_year(moment.year))

    def _register(self, kind: str, moment: dt.datetime, values: LetterFields, by: Person, readers=(), **place) -> Letter:
        return services.register_letter(services.register_for(kind, **place), values, by, now=moment, readers=readers)

    def incoming(self, moment: dt.datetime) -> None:
        """A letter from สพฐ., the province or another agency, handed to a group."""
        agency, code = self.rng.choice(AGENCIES)
        group = self.rng.choice(self.office.groups)
        circular = "ว " if self.rng.random() < 0.4 else ""
        letter = self._register("incoming", moment, LetterFields(
            subject=self._subject(moment), sender_ref=f"{code}/{circular}{self.rng.randint(100, 4999)}",
            letter_date=(moment - dt.timedelta(days=self.rng.randint(1, 6))).date(), from_text=agency,
            to_text=HEAD_OF_OFFICE, urgency=urgency(self.rng), group_id=group.id,
            action=f"เสนอ ผอ.สพป. เพื่อโปรดทราบ มอบ{group.short_name or group.name}ดำเนินการ"), self.office.clerk)
        if moment > self.timeline.now - dt.timedelta(days=ROUTED_DAYS) and self.rng.random() < 0.5:
            self._route(letter, group, moment)

    def outgoing(self, moment: dt.datetime) -> None:
        """A letter to an agency or to one to three schools (sent to those through Khet); now and then a number is cancelled."""
        to_schools = self.rng.random() < 0.25
        picked = self.rng.sample(self.office.schools, self.rng.randint(1, 3)) if to_schools else []
        to_text = ", ".join(f"ผู้อำนวยการ{s.name}" for s in picked) if picked else \
            f"ผู้อำนวยการ{self.rng.choice(AGENCIES)[0]}"
        letter = self._register("outgoing", moment, LetterFields(
            subject=self._subject(moment), letter_date=moment.date(), from_text=HEAD_OF_OFFICE, to_text=to_text[:255],
            urgency=urgency(self.rng), group_id=self.rng.choice(self.office.groups).id), self.office.clerk)
        if picked:
            self._send(letter, moment, sending.Recipients(school_ids=[s.id for s in picked]))
        elif self.rng.random() < 0.06:
            services.cancel_letter(letter, self.rng.choice(CANCEL_REASONS), self.office.clerk)

    def circular(self, moment: dt.datetime, to_all: bool | None = None, urgent: str | None = None) -> None:
        """A circular (ว) to every school or one network's, sent through Khet."""
        to_all = self.rng.random() < 0.6 if to_all is None else to_all
        network, members = self.rng.choice(self.office.networks) if self.office.networks else (None, [])
        to_all = to_all or network is None
        letter = self._register("circular", moment, LetterFields(
            subject=self._subject(moment), letter_date=moment.date(), from_text=HEAD_OF_OFFICE,
            to_text="ผู้อำนวยการโรงเรียนในสังกัดทุกโรง" if to_all else f"ผู้อำนวยการโรงเรียนใน{network.name}",
            urgency=urgent or urgency(self.rng), group_id=self.rng.choice(self.office.groups).id), self.office.clerk)
        self._send(letter, moment, sending.Recipients(all_schools=True) if to_all
                   else sending.Recipients(network_ids=[network.id]))

    def order(self, moment: dt.datetime) -> None:
        subject = self.rng.choice(ORDER_SUBJECTS).format(project=self.rng.choice(PROJECTS), year=be_year(moment.year))
        self._register("order", moment, LetterFields(
            subject=subject, letter_date=moment.date(), from_text=HEAD_OF_OFFICE, to_text="ข้าราชการในสังกัด",
            doc_type="directive"), self.office.clerk)

    def certificate(self, moment: dt.datetime) -> None:
        self._register("certificate", moment, LetterFields(
            subject=self.rng.choice(("รับรองการปฏิบัติงาน", "รับรองเงินเดือน", "รับรองการเป็นข้าราชการครู")),
            letter_date=moment.date(), from_text=HEAD_OF_OFFICE,
            to_text=f"{self.rng.choice(('นาย', 'นาง', 'นางสาว'))}{' '.join(demo_name(self.rng))}"),
            self.office.clerk)

    def secret(self, moment: dt.datetime, sent: bool) -> None:
        """A secret letter, readable only by the people named; some are sent to the director by name."""
        agency, code = self.rng.choice(AGENCIES[:6])
        letter = self._register("secret", moment, LetterFields(
            subject=self.rng.choice(SECRET_SUBJECTS), sender_ref=f"{code}/ลับ {self.rng.randint(1, 99)}",
            letter_date=(moment - dt.timedelta(days=2)).date(), from_text=agency, to_text=HEAD_OF_OFFICE,
            secrecy=self.rng.choice(("confidential", "secret", "secret", "top_secret")),
            urgency=self.rng.choice(("urgent", "very_urgent", "normal"))), self.office.clerk,
            readers=self.office.readers)
        if sent and self.office.readers:
            sending.send_letter(letter, sending.Recipients(person_ids=[self.office.readers[0].id]), self.office.clerk,
                                now=moment + dt.timedelta(minutes=10))

    def group_letter(self, moment: dt.datetime, group: Group, kind: str) -> None:
        """A group's own register: memos from other groups in, the group's letters out."""
        clerk = self.office.group_clerks[group.id]
        other = self.rng.choice([g for g in self.office.groups if g.id != group.id] or [group])
        self._register(kind, moment, LetterFields(
            subject=self._subject(moment), letter_date=moment.date(), doc_type="internal",
            from_text=other.name if kind == "incoming" else group.name,
            to_text=group.name if kind == "incoming" else f"ผู้อำนวยการ{other.name}",
            sender_ref=str(self.rng.randint(1, 400)) if kind == "incoming" else ""), clerk, group=group)

    def school_letter(self, moment: dt.datetime, school: School) -> None:
        """A school writes to the office (its own outgoing register) and sends it to the admin group through Khet."""
        clerk = self.office.school_clerks[school.id]
        letter = self._register("outgoing", moment, LetterFields(
            subject=self.rng.choice(("ขอส่งแผนปฏิบัติการประจำปีงบประมาณ {year}", "รายงานข้อมูลนักเรียน ภาคเรียนที่ {half}/{year}",
                                     "ขออนุญาตพานักเรียนไปทัศนศึกษา", "รายงานผลการใช้จ่ายงบประมาณ ไตรมาสที่ {half}",
                                     "ขอส่งรายชื่อนักเรียนเข้าร่วมการแข่งขันทักษะวิชาการ")).format(
                year=be_year(moment.year), half=self.rng.randint(1, 2)),
            letter_date=moment.date(), from_text=f"ผู้อำนวยการ{school.name}", to_text=HEAD_OF_OFFICE), clerk, school=school)
        admin_group = self.office.groups[0]
        deliveries = sending.send_letter(letter, sending.Recipients(group_ids=[admin_group.id]), clerk,
                                         now=moment + dt.timedelta(minutes=5))
        for delivery in deliveries:
            day = self.year.working_days_after(moment.date(), self.rng.randint(0, 2))
            if day is not None:
                self.timeline.at(max(self.year.moment(day), moment + dt.timedelta(hours=1)), self._receive,
                                 delivery.id, self.office.clerk.id)

    # --- sending and receiving -------------------------------------------------------

    def _send(self, letter, moment: dt.datetime, recipients: sending.Recipients) -> None:
        sent_at = moment + dt.timedelta(minutes=self.rng.randint(5, 40))
        for delivery in sending.send_letter(letter, recipients, self.office.clerk, now=sent_at):
            received = self._receipt_moment(delivery.school_id, sent_at)
            clerk = self.office.school_clerks.get(delivery.school_id)
            if received is not None and clerk is not None:
                self.timeline.at(received, self._receive, delivery.id, clerk.id)

    def _receipt_moment(self, school_id: int, sent_at: dt.datetime) -> dt.datetime | None:
        """Most schools receive the same day or within a few working days; a few schools often never do.

        The first school (school1_clerk's) has not yet received what came in the last two days.
        """
        if school_id == self.office.schools[0].id and sent_at > self.timeline.now - dt.timedelta(days=2):
            return None
        if self.rng.random() < (0.4 if school_id in self.office.lax_school_ids else 0.04):
            return None
        delay = self.rng.choices((0, 1, 2, 3, 6), (55, 25, 10, 6, 4))[0]
        day = self.year.working_days_after(sent_at.date(), delay)
        if day is None:
            return None
        return max(self.year.moment(day), sent_at + dt.timedelta(minutes=self.rng.randint(10, 180)))

    def _receive(self, moment: dt.datetime, delivery_id: int, clerk_id: int) -> None:
        delivery = db.session.get(Delivery, delivery_id)
        inbox.receive(delivery, db.session.get(Person, clerk_id), now=moment)

    # --- routing inside the office ------------------------------------------------------

    def _route(self, letter: Letter, group: Group, moment: dt.datetime) -> None:
        """Forward to the group, present to its director, assign officers, who acknowledge and report done, each a
        few working hours or days after the last; the letters of the last days are still on their way."""
        clerk = self.office.group_clerks.get(group.id)
        if clerk is None or group.director is None or not self.office.officers.get(group.id):
            return
        steps = [self._forward, self._present, self._assign, self._acknowledge, self._done]
        when = moment + dt.timedelta(minutes=self.rng.randint(20, 90))
        self.timeline.at(when, self._step, letter.id, group.id, steps)

    def _step(self, moment: dt.datetime, letter_id: int, group_id: int, steps: list) -> None:
        letter, group = db.session.get(Letter, letter_id), db.session.get(Group, group_id)
        if steps[0](moment, letter, group) and len(steps) > 1:
            day = self.year.working_days_after(moment.date(), self.rng.choice((0, 1, 1, 2, 4)))
            if day is not None:
                self.timeline.at(max(self.year.moment(day), moment + dt.timedelta(minutes=30)), self._step,
                                 letter_id, group_id, steps[1:])

    def _forward(self, moment, letter, group) -> bool:
        routing.forward(letter, group, self.office.clerk, note="เพื่อโปรดพิจารณาดำเนินการ", now=moment)
        return True

    def _present(self, moment, letter, group) -> bool:
        if self.rng.random() < 0.08:  # now and then the group sends it back: not its work
            routing.return_letter(letter, self.office.group_clerks[group.id], now=moment,
                                  reason="เรื่องนี้อยู่ในความรับผิดชอบของกลุ่มอื่น")
            return False
        routing.present(letter, self.office.group_clerks[group.id], note="เรียน ผอ.กลุ่ม เพื่อโปรดสั่งการ", now=moment)
        return True

    def _assign(self, moment, letter, group) -> bool:
        officers = self.rng.sample(self.office.officers[group.id], self.rng.choice((1, 1, 2)))
        due = self.year.working_days_after(moment.date(), self.rng.choice((3, 5, 7, 10)))
        instruction = self.rng.choice(("ดำเนินการตามระเบียบ แล้วรายงานให้ทราบ", "จัดทำหนังสือแจ้งโรงเรียนในสังกัด",
                                       "ประสานงานและสรุปข้อมูลเสนอ", "ทราบ มอบผู้เกี่ยวข้องดำเนินการ"))
        routing.assign(letter, officers, group.director, instruction=instruction, due_on=due, now=moment)
        return True

    def _acknowledge(self, moment, letter, group) -> bool:
        for assignment in routing.assignments_of(letter):
            if assignment.done_at is None and assignment.returned_at is None and self.rng.random() < 0.85:
                routing.acknowledge(letter, assignment.officer, now=moment)
        return True

    def _done(self, moment, letter, group) -> bool:
        for assignment in routing.assignments_of(letter):
            if assignment.acknowledged_at is not None and assignment.done_at is None and self.rng.random() < 0.7:
                routing.report_done(letter, assignment.officer, note="ดำเนินการแล้ว แจ้งโรงเรียนตามหนังสือที่ส่งไป",
                                    now=moment)
        return False

    # --- the year --------------------------------------------------------------------

    def plan(self) -> None:
        at, rng = self.timeline.at, self.rng
        for day in self.year.days:
            for _n in range(rng.choice((0, 1, 1, 1, 2))):
                at(self.year.moment(day), self.incoming)
            if rng.random() < 0.55:
                at(self.year.moment(day), self.outgoing)
            if rng.random() < 0.2:
                at(self.year.moment(day), self.circular)
            if rng.random() < 0.08:
                at(self.year.moment(day), self.order)
            if rng.random() < 0.03:
                at(self.year.moment(day), self.certificate)
            if rng.random() < 0.035:
                at(self.year.moment(day), self.secret, rng.random() < 0.5)
            for group in self.office.groups:
                if group.id in self.office.group_clerks and rng.random() < 0.04:
                    at(self.year.moment(day), self.group_letter, group, rng.choice(("incoming", "incoming", "outgoing")))
            if rng.random() < 0.4 and self.office.school_clerks:
                school = rng.choice([s for s in self.office.schools if s.id in self.office.school_clerks])
                at(self.year.moment(day), self.school_letter, school)
        self._plan_this_week()

    def _plan_this_week(self) -> None:
        """What a clerk finds on the first visit: urgent circulars of the last days, not all received yet."""
        now = self.timeline.now
        self.timeline.at(now - dt.timedelta(days=1, hours=2), self.circular, True, "very_urgent")
        self.timeline.at(now - dt.timedelta(hours=3), self.circular, True, "most_urgent")
        self.timeline.at(now - dt.timedelta(hours=2), self.circular, True, "normal")
        self.timeline.at(now - dt.timedelta(hours=1), self.secret, True)

    def run(self) -> None:
        self.timeline.run()


def create_demo_letters(rng) -> None:
    office = _office(rng)
    if office is None:
        return
    _grant_rights(office.clerk, office.groups, office.group_clerks)
    year = DemoYear(rng, office, utcnow().replace(microsecond=0))
    year.plan()
    year.run()
    _schools_own_codes(office)
    _old_register_due_for_destruction(rng, office)


def _schools_own_codes(office: Office) -> None:
    """The first schools print their own code (the office's code and the school's number), the rest the office's."""
    office_code = services.letter_code_of("office")
    if not office_code:
        return
    for number, school in enumerate(office.schools[:5], start=1):
        numbering.set_letter_code(services.scope_of(school=school), f"{office_code}.{number:03d}", office.clerk)


def _old_register_due_for_destruction(rng, office: Office) -> None:
    """Lines of the register of 2557, carried over from paper, now past their ten years: this year's list waits for
    the committee. Two are kept permanently and never listed."""
    register = services.register_for("incoming")
    first = dt.datetime(2014, 1, 6, 2, 0)  # 6 January 2557, 09:00 in Bangkok
    for number in range(12):
        moment = first + dt.timedelta(days=number * 29)
        agency, code = AGENCIES[number % len(AGENCIES)]
        letter = services.register_letter(register, LetterFields(
            subject=letter_subject(rng, be_year(moment.year)), sender_ref=f"{code}/{rng.randint(100, 9999)}",
            letter_date=moment.date() - dt.timedelta(days=2), from_text=agency, to_text="ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา",
            group_id=office.groups[number % len(office.groups)].id), office.clerk, now=moment)
        if number in (3, 8):
            retention.set_retention(letter, None, office.clerk)
    retention.make_list("office", office.clerk)
