from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import db, utcnow


class Notice(db.Model):
    __tablename__ = "notices_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("core_group.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # Withdrawn notices stay in the table (nothing is lost) but no longer show.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    group = relationship("Group")
    author = relationship("Person")
