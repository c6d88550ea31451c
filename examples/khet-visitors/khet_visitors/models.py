from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import db, utcnow


class Visit(db.Model):
    """One visitor's stay: arrival, the person they came to see, departure. Times are naive UTC."""

    __tablename__ = "visitors_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    purpose: Mapped[str] = mapped_column(String(500))
    # SET NULL: the log outlives the people in it; a removed host leaves the visit on record.
    host_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"), index=True)
    arrived_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id", ondelete="SET NULL"))

    host = relationship("Person", foreign_keys=[host_id])
    recorded_by = relationship("Person", foreign_keys=[recorded_by_id])

    @property
    def still_here(self) -> bool:
        return self.left_at is None
