"""Who may see which visits: the whole log for holders of visitors.view, nothing for anyone else."""

from __future__ import annotations

from sqlalchemy import Select, false

from core.api import has_permission
from khet_visitors.permissions import VIEW


def visible_to(query: Select, person) -> Select:
    """``query`` of visits narrowed to what ``person`` may see."""
    return query if has_permission(person, VIEW) else query.where(false())
