"""What every page template can use: the office, the menu, slots, paging."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from core import calendar
from core.db import db
from core.plugin_api import MENU_SECTIONS
from core.plugins import registry

SECTION_LABELS = {
    "general": _l("General administration"),
    "budget": _l("Budget"),
    "personnel": _l("Personnel"),
    "academic": _l("Academic"),
    "admin": _l("Administration"),
}


def menu_for(user) -> list[tuple[str, object, list]]:
    """[(section, label, [MenuItem...]), ...] of what this person may open, sorted by weight."""
    if not user.is_authenticated:
        return []
    items = [
        item
        for item in registry().collect("menu_items", user=user)
        if item.permission is None or user.can(item.permission)
    ]
    sections = []
    for section in MENU_SECTIONS:
        in_section = sorted((i for i in items if i.section == section), key=lambda i: (i.weight, str(i.label)))
        if in_section:
            sections.append((section, SECTION_LABELS[section], in_section))
    return sections


def template_context() -> dict:
    from core.models import Office

    if "khet_layout" not in g:
        try:
            g.khet_layout = {"office": Office.current(), "menu_sections": menu_for(current_user)}
        except SQLAlchemyError:
            # Error pages render while the database is down; they still need a layout.
            db.session.rollback()
            g.khet_layout = {"office": None, "menu_sections": []}
    return {
        **g.khet_layout,
        "languages": current_app.config["LANGUAGES"],
        "render_card": render_card,
        "module_name": module_name,
        "today": calendar.local_today(),
    }


def render_card(card) -> Markup:
    """A dashboard card's body: its template sees ``card`` and each value of ``card.context`` by name."""
    return Markup(render_template(card.template, **{**card.context, "card": card}))


def module_name(plugin_id: str) -> str:
    """A module's name in the reader's language (its id when it is not installed)."""
    from core.i18n import current_locale

    loaded = registry().plugins.get(plugin_id)
    return loaded.info.display_name(current_locale()) if loaded else plugin_id


def template_slot(slot: str, **context) -> Markup:
    """Concatenate what enabled modules put into a named slot of a template."""
    parts = registry().collect("template_slot", slot=slot, context=context)
    return Markup("").join(Markup(part) for part in parts if part)


def theme_static_url(filename: str) -> str:
    return url_for("core.theme_static", filename=filename)


@dataclass
class Page:
    """One page of a query's results, with what the pagination macro needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def url_for_page(self, number: int) -> str:
        """This page's URL with another page number; every other query argument kept, repeated ones too."""
        args = request.args.to_dict(flat=False)
        args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def paginate(statement, per_page: int | None = None) -> Page:
    """Run a select() one page at a time; the page number comes from ?page=.

    A page number past the end shows the last page (a list shrank since the
    link was made); one that is not a number shows the first.
    """
    per_page = per_page or current_app.config["PER_PAGE"]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    page = min(page, max(1, math.ceil(total / per_page)))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def attach_from_form(files, owner, person, policy, saved_message) -> bool:
    """Add uploaded files to an existing record from a form post.

    All files or none: a refusal rolls back and flashes why each file was
    refused; success commits and flashes ``saved_message``.
    """
    from core.errors import saving
    from core.services import attachments

    with saving(saved_message) as saved:
        attachments.save_uploads(files, owner, person, policy=policy)
    return bool(saved)
