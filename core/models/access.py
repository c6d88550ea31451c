"""Roles, permission grants and sign-in throttling."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.models.org import Person

role_members = db.Table(
    "core_role_member",
    db.Column("role_id", ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True),
    db.Column("person_id", ForeignKey("core_person.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    """A named bundle of permissions (central registry clerk, room officer ...)."""

    __tablename__ = "core_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[Person]] = relationship(secondary=role_members, backref="roles", order_by="Person.first_name")

    def __str__(self) -> str:
        return self.name


class Grant(db.Model):
    """One permission code granted to a role, a group or a person, optionally only within a group or school."""

    __tablename__ = "core_grant"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN role_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN person_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_grantee",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permission: Mapped[str] = mapped_column(String(100), index=True)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("core_role.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    scope_group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"))
    scope_school_id: Mapped[int | None] = mapped_column(ForeignKey("core_school.id", ondelete="CASCADE"))

    role = relationship("Role")
    group = relationship("Group", foreign_keys=[group_id])
    person = relationship("Person", foreign_keys=[person_id])
    scope_group = relationship("Group", foreign_keys=[scope_group_id])
    scope_school = relationship("School", foreign_keys=[scope_school_id])

    @property
    def grantee(self):
        return self.role or self.group or self.person

    @property
    def scope(self):
        return self.scope_group or self.scope_school


class LoginFailure(db.Model):
    """A failed sign-in; recent rows per username and per address decide lock-outs.

    Kept in the database, not in process memory, so every worker of a
    multi-process deployment sees the same count.
    """

    __tablename__ = "core_login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class SignInSession(db.Model):
    """One signed-in browser, so that signing out ends it on the server and not only in that browser.

    The session cookie carries ``<person id>:<token>``; only the token's SHA-256
    is stored, so a copy of the database cannot be replayed as cookies. Deleting
    the row ends the session wherever its cookie was copied to.
    """

    __tablename__ = "core_sign_in_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
