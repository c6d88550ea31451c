from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, LargeBinary, Numeric, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class Record(db.Model):
    __tablename__ = "typesample_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[dt.date | None] = mapped_column(Date)
    at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    clock: Mapped[dt.time | None] = mapped_column(Time)
    flag: Mapped[bool] = mapped_column(Boolean, default=False)
    document: Mapped[dict | list | None] = mapped_column(JSON)
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Numeric(12, 2))
    # A record may point at a later one: restore must fill these in after every row is in.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("typesample_record.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(100), server_default="")  # added by the second revision


class Tag(db.Model):
    """A table with a two-column primary key and no generated id."""

    __tablename__ = "typesample_tag"

    record_id: Mapped[int] = mapped_column(ForeignKey("typesample_record.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
