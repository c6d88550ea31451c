"""What every page template can use: the office, the menu, slots, paging."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.exc import SQLAlchemyError

from core import cache, calendar
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


@dataclass(frozen=True)
class MenuEntry:
    """One menu link as the layout shows it: label translated and URL built once, not on every page."""

    label: str
    endpoint: str
    url: str
    badge: int | None = None
    active: bool = False  # the page being shown
    # MenuItem.badge when it is a function of the person, called per request: an int, or a select() of a count
    count_badge: Callable | None = None


@dataclass(frozen=True)
class OfficeView:
    """What the layout shows of the office; a plain copy a worker can keep between requests."""

    name: str
    short_name: str
    logo_path: str | None
    primary_colour: str


def menu_for(user) -> list[tuple[str, str, list[MenuEntry]]]:
    """[(section, label, [MenuEntry...]), ...] of what this person may open, sorted by weight.

    Which links a person sees changes only with modules and grants: a worker keeps each person's
    menu until the "modules" or "access" stamp changes (core.cache). Only the badges are counted
    on every request.
    """
    if not user.is_authenticated:
        return []
    from core.i18n import current_locale

    key = ("menu", user.id, str(current_locale()), request.script_root)
    sections = cache.cached(key, (cache.MODULES, cache.ACCESS), lambda: _build_menu(user))
    shown = _count_badges([entry for _s, _l, entries in sections for entry in entries], user)
    for _section, _label, entries in sections:
        for entry in entries:
            if entry.endpoint == request.endpoint:
                shown[entry] = replace(shown.get(entry, entry), active=True)
    return [(section, label, [shown.get(entry, entry) for entry in entries]) for section, label, entries in sections]


def _count_badges(entries: list[MenuEntry], user) -> dict[MenuEntry, MenuEntry]:
    """The entries whose badge is counted per request, with today's count; every count in one query.

    The bell's unread count joins the same query, since every signed-in page shows it.
    """
    from core.services import notifications

    counted = {}
    queries = {}
    for entry in entries:
        if entry.count_badge is None:
            continue
        value = entry.count_badge(user)
        if isinstance(value, Select):
            queries[entry] = value
        else:
            counted[entry] = replace(entry, badge=value or None)
    bell = "khet_unread_notifications" not in g
    if bell:
        queries["bell"] = notifications.unread_count_query(user)
    if queries:
        # The badges' statements are kept by their owners; keeping the one that asks them all too spares
        # SQLAlchemy building it and its cache key on every page. It is rebuilt when a badge's owner
        # hands over a new statement (one that builds it on every call): one kept entry per person.
        asked = tuple(queries.values())
        kept = cache.cached(("menu_badges", user.id), (cache.MODULES, cache.ACCESS), lambda: [((), None)])
        kept_for, statement = kept[0]
        if len(kept_for) != len(asked) or any(a is not b for a, b in zip(kept_for, asked)):
            statement = select(*(query.scalar_subquery() for query in asked))
            kept[0] = (asked, statement)
        row = db.session.execute(statement).one()
        for entry, value in zip(queries, row):
            if entry == "bell":
                g.khet_unread_notifications = value or 0
            else:
                counted[entry] = replace(entry, badge=value or None)
    return counted


def _build_menu(user) -> tuple:
    items = [
        item
        for item in registry().collect("menu_items", user=user)
        if item.permission is None or user.can(item.permission)
    ]
    sections = []
    for section in MENU_SECTIONS:
        in_section = sorted((i for i in items if i.section == section), key=lambda i: (i.weight, str(i.label)))
        if in_section:
            entries = tuple(
                MenuEntry(
                    label=str(item.label), endpoint=item.endpoint, url=url_for(item.endpoint, **item.url_kwargs),
                    badge=None if callable(item.badge) else item.badge,
                    count_badge=item.badge if callable(item.badge) else None,
                )
                for item in in_section
            )
            sections.append((section, str(SECTION_LABELS[section]), entries))
    return tuple(sections)


def current_office() -> OfficeView | None:
    """The office as the layout shows it; a worker keeps it until the "office" stamp changes."""
    from core.models import Office

    def read():
        office = Office.current()
        if office is None:
            return None
        return OfficeView(name=office.name, short_name=office.short_name or "", logo_path=office.logo_path,
                          primary_colour=office.primary_colour or "")

    return cache.cached("office", (cache.OFFICE,), read)


def template_context() -> dict:
    if "khet_layout" not in g:
        try:
            g.khet_layout = {"office": current_office(), "menu_sections": menu_for(current_user)}
        except SQLAlchemyError:
            # Error pages render while the database is down; they still need a layout.
            db.session.rollback()
            g.khet_layout = {"office": None, "menu_sections": []}
    return {
        **g.khet_layout,
        "languages": current_app.config["LANGUAGES"],
        "render_card": render_card,
        "navbar_menu_html": navbar_menu_html,
        "module_name": module_name,
        "today": calendar.local_today(),
    }


def navbar_menu_html() -> Markup:
    """The menu's HTML (``_navbar_menu.html``), rendered again only when what it shows changes.

    Rendering some thirty escaped links cost every signed-in page more than finding them. The HTML is a
    pure function of the menu's sections (labels, links, badges, which one is open), so a worker keeps one
    copy per person together with the sections it was rendered from and reuses it while they are equal:
    no stamp is needed, a changed badge or grant changes the sections themselves.
    """
    sections = g.khet_layout["menu_sections"] if "khet_layout" in g else []
    shown = tuple((section, label, tuple((e.label, e.url, e.badge, e.active) for e in entries))
                  for section, label, entries in sections)
    user_id = current_user.id if current_user.is_authenticated else None  # one copy per person, not per session
    key = ("navbar_menu_html", user_id)
    return cache.process_cache().get(key, shown, lambda: Markup(
        current_app.jinja_env.get_template("_navbar_menu.html").render(menu_sections=sections)))


@pass_context
def render_card(context, card) -> Markup:
    """A dashboard card's body: its template sees ``card``, each value of ``card.context`` by name, and what
    the page's template sees (``current_user``, ``csrf_token``...).

    The card is rendered in the page's own context rather than through ``render_template``, which ran
    every context processor again for each card.
    """
    template = current_app.jinja_env.get_template(card.template)
    return Markup(template.render({**context.get_all(), **card.context, "card": card}))


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
