"""Who sees which notices. Anyone holding notices.read sees every current one; withdrawn ones are seen by nobody."""

from __future__ import annotations

from sqlalchemy import Select

from plugins.notices.models import Notice


def visible(query: Select) -> Select:
    """``query`` of notices narrowed to the ones still standing (withdrawn notices stay in the table, unseen)."""
    return query.where(Notice.withdrawn_at.is_(None))


def is_visible(notice: Notice | None) -> bool:
    return notice is not None and notice.withdrawn_at is None
