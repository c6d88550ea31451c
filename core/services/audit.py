"""The audit log: an append-only record of who did what to which record, when, and from where.

Module authors call one function::

    from core.services import audit
    audit.record("approve", "leave", "leave", leave.id, current_user, "อนุมัติใบลา",
                 details={"days": 3}, remote_addr=request.remote_addr)

The row joins the caller's transaction: if the action is rolled back, so is
its audit row, because nothing happened. Reading a secret record and being
refused are logged too (``outcome="refused"``); commit before ``abort(403)``
so the refusal is kept. Nothing in Khet updates or deletes audit rows, and on
PostgreSQL a trigger refuses UPDATE and DELETE outright. The person's name is
copied into the row so the log still reads right after people change or leave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db, utcnow

OUTCOMES = ("done", "refused")


class AuditError(ValueError):
    """The caller passed something an audit row cannot hold."""


class AuditEntry(db.Model):
    """One audited action. Never updated, never deleted."""

    __tablename__ = "core_audit_log"
    __table_args__ = (Index("ix_core_audit_log_record", "module", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64))
    module: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(64), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    # No foreign key: the log must outlive the person row and never be touched by a cascade.
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    person_name: Mapped[str] = mapped_column(String(255), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="done")
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")


def record(
    action: str,
    module: str,
    record_type: str = "",
    record_id=None,
    person=None,
    summary: str = "",
    details: dict | None = None,
    remote_addr: str | None = None,
    outcome: str = "done",
) -> AuditEntry:
    """Append one audit row to the current transaction and return it.

    ``person`` is a Person or None (the system, e.g. a cron job); ``details``
    any JSON-able dict; ``outcome`` is "done" or "refused".
    """
    if not action or not module:
        raise AuditError("an audit row needs an action and a module")
    if outcome not in OUTCOMES:
        raise AuditError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    entry = AuditEntry(
        action=action[:64],
        module=module[:64],
        record_type=(record_type or "")[:64],
        record_id="" if record_id is None else str(record_id)[:64],
        person_id=getattr(person, "id", None),
        person_name=(str(person) if person is not None else "")[:255],
        outcome=outcome,
        summary=(summary or "")[:500],
        details=details or None,
        remote_addr=(remote_addr or "")[:64],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class AuditQuery:
    """What the audit search page filters by; every field is optional."""

    person: str = ""  # a person id, or part of their name as recorded
    module: str = ""
    record_type: str = ""
    record_id: str = ""
    action: str = ""
    outcome: str = ""
    date_from: dt.date | None = None  # inclusive, in UTC days as stored
    date_to: dt.date | None = None  # inclusive


def search(query: AuditQuery):
    """A select() of the matching rows, newest first, for core.web.paginate()."""
    statement = select(AuditEntry)
    person = query.person.strip()
    if person:
        if person.isdigit():
            statement = statement.where(AuditEntry.person_id == int(person))
        else:
            statement = statement.where(AuditEntry.person_name.like(f"%{_escape_like(person)}%", escape="\\"))
    for column, value in (
        (AuditEntry.module, query.module),
        (AuditEntry.record_type, query.record_type),
        (AuditEntry.record_id, query.record_id),
        (AuditEntry.action, query.action),
        (AuditEntry.outcome, query.outcome),
    ):
        if value and value.strip():
            statement = statement.where(column == value.strip())
    if query.date_from:
        statement = statement.where(AuditEntry.at >= dt.datetime.combine(query.date_from, dt.time()))
    if query.date_to:
        statement = statement.where(AuditEntry.at < dt.datetime.combine(query.date_to + dt.timedelta(days=1), dt.time()))
    return statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def history_of(module: str, record_type: str, record_id) -> list[AuditEntry]:
    """Every audit row of one record, oldest first: for a module's own "history" panel."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.module == module, AuditEntry.record_type == record_type,
                   AuditEntry.record_id == str(record_id))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def known_modules() -> list[str]:
    """Module ids that appear in the log, for the search form's choice list."""
    return list(db.session.scalars(select(AuditEntry.module).distinct().order_by(AuditEntry.module)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = ["AuditEntry", "AuditError", "AuditQuery", "OUTCOMES", "history_of", "known_modules", "record", "search"]


def action_label(module: str, action: str):
    """What the audit log shows for an action: its label in the reader's language, else the code itself.

    The module's own labels (its ``audit_actions`` hook) come first; core's fill
    in the actions core records under a module's id (``approval.approved`` of a
    room booking, ``download_attachment`` of a letter's file).
    """
    from core.db import per_request
    from core.plugins import registry

    def labels_of(owner: str) -> dict:
        return per_request(f"core_audit_labels:{owner}", lambda: dict(registry().call_one(owner, "audit_actions") or {}))

    return labels_of(module).get(action) or labels_of("core").get(action) or action
