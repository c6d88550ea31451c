"""Tables of the correspondence module: registers, the letters in them, their corrections, deliveries and secret readers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow


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

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("core_school.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    # The line the receipt made in the recipient's incoming register.
    incoming_letter_id: Mapped[int | None] = mapped_column(ForeignKey("correspondence_letter.id", ondelete="SET NULL"))

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
