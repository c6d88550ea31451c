"""Tables of the correspondence module: registers and their letters, corrections, deliveries, secret readers,
routing, letter codes, saved recipient lists and destruction lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import db, utcnow


class Register(db.Model):
    """One register (ทะเบียน) of one kind, kept by the office's central registry, a group or a school.

    ``scope`` is the numbering scope of core.services.numbers: "office", "group:<id>" or "school:<id>".
    The register's numbers restart each calendar year; the year is not part of the register.
    """

    __tablename__ = "correspondence_register"
    __table_args__ = (UniqueConstraint("kind", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # see services.KINDS
    scope: Mapped[str] = mapped_column(String(30), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("core_school.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    group = relationship("Group")
    school = relationship("School")


class Letter(db.Model):
    """One line of a register: a letter received, sent, a circular, an order or a certificate.

    The number is taken from core.services.numbers in the same transaction as the row; a cancelled
    letter keeps its number (and its row) with the reason.
    """

    __tablename__ = "correspondence_letter"
    __table_args__ = (UniqueConstraint("register_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("correspondence_register.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # BE calendar year of the number
    number: Mapped[int] = mapped_column(Integer)
    issued_number_id: Mapped[int] = mapped_column(ForeignKey("core_issued_number.id", ondelete="RESTRICT"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    sender_ref: Mapped[str] = mapped_column(String(100), default="")  # ที่: the number printed on the letter received
    letter_date: Mapped[dt.date | None] = mapped_column(Date)  # ลงวันที่
    from_text: Mapped[str] = mapped_column(String(255), default="")  # จาก
    to_text: Mapped[str] = mapped_column(String(255), default="")  # ถึง
    subject: Mapped[str] = mapped_column(String(500))  # เรื่อง
    action: Mapped[str] = mapped_column(Text, default="")  # การปฏิบัติ
    remarks: Mapped[str] = mapped_column(Text, default="")  # หมายเหตุ
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    secrecy: Mapped[str] = mapped_column(String(20), default="none")
    doc_type: Mapped[str] = mapped_column(String(20), default="external")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="SET NULL"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"), index=True)
    # A letter received through Khet points at the outgoing letter it came from.
    source_letter_id: Mapped[int | None] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="SET NULL"), index=True)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # How long the letter is kept (อายุการเก็บ): years, or None for permanently. No column default: the ORM would
    # put it in place of an explicit None; services.LetterFields gives the regulation's ten years.
    retention_years: Mapped[int | None] = mapped_column(Integer)
    # A destroyed letter keeps its register line and loses its files.
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    destruction_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("correspondence_destruction_list.id", ondelete="SET NULL"), index=True)

    register: Mapped[Register] = relationship(lazy="joined")
    group = relationship("Group")
    officer = relationship("Person", foreign_keys=[officer_id])
    registered_by = relationship("Person", foreign_keys=[registered_by_id])
    cancelled_by = relationship("Person", foreign_keys=[cancelled_by_id])
    source_letter = relationship("Letter", remote_side=[id])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_secret(self) -> bool:
        return self.secrecy != "none"


class Correction(db.Model):
    """A correction of a register line: the values before and after, who corrected it and when."""

    __tablename__ = "correspondence_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    corrected_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    changes: Mapped[dict] = mapped_column(JSON)  # {field: [before, after]}

    corrected_by = relationship("Person")


class Delivery(db.Model):
    """One recipient of a letter sent through Khet: a school, a group or a person, and when it was received."""

    __tablename__ = "correspondence_delivery"
    # Each inbox lists its own deliveries newest first; the sender's receipt page reads one letter's.
    __table_args__ = (
        Index("ix_correspondence_delivery_school_sent", "school_id", "sent_at"),
        Index("ix_correspondence_delivery_group_sent", "group_id", "sent_at"),
        Index("ix_correspondence_delivery_person_sent", "person_id", "sent_at"),
        Index("ix_correspondence_delivery_letter_received", "letter_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("core_school.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    # The line the receipt made in the recipient's incoming register.
    incoming_letter_id: Mapped[int | None] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="SET NULL"))
    # The last reminder sent to a recipient who had not received it, and how many were sent.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    letter = relationship("Letter", foreign_keys=[letter_id])
    school = relationship("School")
    group = relationship("Group")
    person = relationship("Person", foreign_keys=[person_id])
    received_by = relationship("Person", foreign_keys=[received_by_id])


class SecretReader(db.Model):
    """A person named to read a secret letter, or one a named reader forwarded it to."""

    __tablename__ = "correspondence_secret_reader"
    __table_args__ = (UniqueConstraint("letter_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    named_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    named_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    person = relationship("Person", foreign_keys=[person_id])


class Route(db.Model):
    """One hop of a letter inside the office or a school: forwarded, presented, assigned, acknowledged, done, returned.

    The timeline of a letter is its routes in order; nothing here is ever updated or deleted.
    """

    __tablename__ = "correspondence_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # see services.routing.ACTIONS
    by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    to_group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="SET NULL"))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"), index=True)
    instruction: Mapped[str] = mapped_column(Text, default="")  # การสั่งการ, or the reason of a return
    due_on: Mapped[dt.date | None] = mapped_column(Date)

    by = relationship("Person", foreign_keys=[by_id])
    to_group = relationship("Group")
    to_person = relationship("Person", foreign_keys=[to_person_id])


class Assignment(db.Model):
    """An officer given a letter to act on, with the instruction, a due date, and where their work stands."""

    __tablename__ = "correspondence_assignment"
    __table_args__ = (Index("ix_correspondence_assignment_officer_open", "officer_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    instruction: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    done_note: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    return_reason: Mapped[str] = mapped_column(Text, default="")

    letter = relationship("Letter")
    officer = relationship("Person", foreign_keys=[officer_id])
    assigned_by = relationship("Person", foreign_keys=[assigned_by_id])


class LetterCode(db.Model):
    """The letter code (รหัสหนังสือ, "ศธ 04183.012") printed before the numbers of a school's or a group's letters.

    The office's own code is ``Office.letter_code``; a place without a row here uses it.
    """

    __tablename__ = "correspondence_letter_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(30), unique=True)  # "school:<id>" or "group:<id>"
    code: Mapped[str] = mapped_column(String(50))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))


class RecipientList(db.Model):
    """A saved mix of recipients (schools, networks, lists, groups, people) that a sender reuses, shared or private."""

    __tablename__ = "correspondence_recipient_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    members: Mapped[dict] = mapped_column(JSON)  # the fields of services.sending.Recipients
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    owner = relationship("Person")


class DestructionList(db.Model):
    """A yearly list of letters past their retention (บัญชีหนังสือขอทำลาย) and the committee's decision on it."""

    __tablename__ = "correspondence_destruction_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(30), index=True)  # whose registers: "office", "group:<id>", "school:<id>"
    year: Mapped[int] = mapped_column(Integer)  # BE year the list is made in
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    committee: Mapped[str] = mapped_column(Text, default="")  # the members of the destruction committee
    decision: Mapped[str] = mapped_column(String(20), default="pending")  # pending, approved, rejected
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    created_by = relationship("Person", foreign_keys=[created_by_id])
    decided_by = relationship("Person", foreign_keys=[decided_by_id])


class DestructionItem(db.Model):
    """A letter on a destruction list; the committee may keep some (``keep``) and destroy the rest."""

    __tablename__ = "correspondence_destruction_item"
    __table_args__ = (UniqueConstraint("list_id", "letter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("correspondence_destruction_list.id", ondelete="CASCADE"), index=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    keep: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    letter = relationship("Letter")
