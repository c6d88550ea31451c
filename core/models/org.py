"""The office, its groups, its schools and the people in them."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow


class Office(db.Model):
    """The one Educational Service Area Office this installation serves (a single row)."""

    __tablename__ = "core_office"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    # Printed before every letter number: "ศธ 04183" in "ที่ ศธ 04183/2631".
    letter_code: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    logo_path: Mapped[str | None] = mapped_column(String(255))
    primary_colour: Mapped[str] = mapped_column(String(7), default="#1f4e8c")
    director_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))

    director: Mapped[Person | None] = relationship(foreign_keys=[director_id])

    @classmethod
    def current(cls) -> Office | None:
        return db.session.scalars(select(cls).order_by(cls.id).limit(1)).first()


class Group(db.Model):
    """A group (กลุ่ม) or unit (หน่วย) of the office."""

    __tablename__ = "core_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The deputy director (รอง ผอ.) who oversees this group: the middle step of office approvals.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))

    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id])
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="group", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name

    @property
    def director(self) -> Person | None:
        for membership in self.memberships:
            if membership.is_director and membership.person.active:
                return membership.person
        return None


class SchoolNetwork(db.Model):
    """A network of schools (เครือข่ายสถานศึกษา), usually one or more per district."""

    __tablename__ = "core_school_network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    district: Mapped[str] = mapped_column(String(100), default="")
    # The deputy director who supervises the network's schools.
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))

    schools: Mapped[list[School]] = relationship(back_populates="network")

    def __str__(self) -> str:
        return self.name


SCHOOL_TYPES = ("primary", "extended", "secondary", "special")


class School(db.Model):
    __tablename__ = "core_school"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The 8-10 digit school code of the Office of the Basic Education Commission.
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    district: Mapped[str] = mapped_column(String(100), default="")
    subdistrict: Mapped[str] = mapped_column(String(100), default="")
    network_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_network.id", ondelete="SET NULL"), index=True)
    school_type: Mapped[str] = mapped_column(String(20), default="primary")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    network: Mapped[SchoolNetwork | None] = relationship(back_populates="schools")
    memberships: Mapped[list[SchoolMembership]] = relationship(back_populates="school", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name

    def members_with_role(self, role: str) -> list[Person]:
        return [m.person for m in self.memberships if m.role == role and m.person.active]


school_list_members = db.Table(
    "core_school_list_member",
    db.Column("list_id", ForeignKey("core_school_list.id", ondelete="CASCADE"), primary_key=True),
    db.Column("school_id", ForeignKey("core_school.id", ondelete="CASCADE"), primary_key=True),
)


class SchoolList(db.Model):
    """A named list of schools (small schools, extended-opportunity schools ...)."""

    __tablename__ = "core_school_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    # Shared lists are visible to everyone; private ones only to their owner.
    shared: Mapped[bool] = mapped_column(Boolean, default=True)

    schools: Mapped[list[School]] = relationship(secondary=school_list_members, order_by="School.name")
    owner: Mapped[Person | None] = relationship()

    def __str__(self) -> str:
        return self.name


class Person(UserMixin, db.Model):
    """Anyone Khet knows: office staff, school staff. Those with a username may sign in."""

    __tablename__ = "core_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50), default="")  # นาย นาง นางสาว ดร. ...
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str | None] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Bumped on password change and deactivation: invalidates every open session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    group_memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    school_memberships: Mapped[list[SchoolMembership]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.title}{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive people cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for the cookie: this person and a server-side session (core.security).

        The session this person was loaded with or signed in with (the sign-in view
        starts it); otherwise a new one, committed at once, for scripts and tests
        that sign someone in by writing the cookie. Every id handed out names a row
        that signing out deletes.
        """
        token = getattr(self, "_session_token", None)
        if token:
            return f"{self.id}:{token}"
        from core import security
        from core.db import db, write_transaction

        with write_transaction():
            session_id = security.start_session(self)
            db.session.commit()
        return session_id

    @property
    def groups(self) -> list[Group]:
        return [m.group for m in self.group_memberships]

    @property
    def schools(self) -> list[School]:
        return [m.school for m in self.school_memberships]

    @property
    def primary_group(self) -> Group | None:
        ordered = sorted(self.group_memberships, key=lambda m: (not m.is_primary, m.id or 0))
        return ordered[0].group if ordered else None

    @property
    def primary_school(self) -> School | None:
        return self.school_memberships[0].school if self.school_memberships else None

    def directs_group(self, group: Group) -> bool:
        return any(m.group_id == group.id and m.is_director for m in self.group_memberships)

    def can(self, code: str, scope=None) -> bool:
        from core.permissions import has_permission

        return has_permission(self, code, scope)


class GroupMembership(db.Model):
    __tablename__ = "core_group_membership"
    __table_args__ = (UniqueConstraint("person_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"), index=True)
    is_director: Mapped[bool] = mapped_column(Boolean, default=False)
    # A person may belong to several groups; the primary one is where their work is filed.
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)

    person: Mapped[Person] = relationship(back_populates="group_memberships")
    group: Mapped[Group] = relationship(back_populates="memberships")


SCHOOL_ROLES = ("director", "clerk", "teacher")


class SchoolMembership(db.Model):
    __tablename__ = "core_school_membership"
    __table_args__ = (UniqueConstraint("person_id", "school_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="teacher")

    person: Mapped[Person] = relationship(back_populates="school_memberships")
    school: Mapped[School] = relationship(back_populates="memberships")


class Delegation(db.Model):
    """Acting for an absent superior (รักษาราชการแทน / ปฏิบัติหน้าที่แทน) over a date range.

    ``rank`` is the order of the standing delegation (คนที่ 1, 2, 3): when the
    first delegate is away too, the second acts.
    """

    __tablename__ = "core_delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    principal: Mapped[Person] = relationship(foreign_keys=[principal_id])
    delegate: Mapped[Person] = relationship(foreign_keys=[delegate_id])

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on
