"""Notices: the current ones, posting and withdrawing one, finding them by words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.api import db, utcnow
from plugins.notices.models import Notice
from plugins.notices.services import NoticeError
from plugins.notices.services.access import visible


def current_notices():
    """A select() of the notices still standing, pinned first, newest first."""
    # The list shows each notice's group: one query, not one per row.
    return _standing().options(selectinload(Notice.group))


def _standing():
    return visible(select(Notice).order_by(Notice.pinned.desc(), Notice.published_at.desc(), Notice.id.desc()))


def latest(limit: int = 5) -> list[Notice]:
    """The home card's few notices: title and date only, so their groups are not loaded (a second query)."""
    from core.api import cache

    # Kept by the worker (core.cache): building the statement cost the home page more than running it.
    return list(db.session.scalars(cache.cached(("notices.latest", limit), (), lambda: _standing().limit(limit))))


def find(words: str, limit: int) -> list[Notice]:
    """Current notices whose title or text contains ``words`` as typed: % and _ are letters, not wildcards."""
    return list(db.session.scalars(
        current_notices()
        .where(or_(Notice.title.contains(words, autoescape=True), Notice.body.contains(words, autoescape=True)))
        .limit(limit)
    ))


def post(title: str, body: str, author, group_id: int | None = None, pinned: bool = False) -> Notice:
    """Post a notice (flushed: the caller commits)."""
    title = (title or "").strip()
    if not title:
        raise NoticeError(_l("Give the notice a title."))
    notice = Notice(title=title, body=(body or "").strip(), author_id=author.id, group_id=group_id or None,
                    pinned=pinned)
    db.session.add(notice)
    db.session.flush()
    return notice


def withdraw(notice: Notice) -> None:
    """Take a notice down; it stays in the table (flushed: the caller commits)."""
    notice.withdrawn_at = utcnow()
    db.session.flush()
