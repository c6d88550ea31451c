"""Walk every route of every installed module: declared permissions, sign-in, no server errors, CSRF.

The walk reads ``app.url_map``, so a route added by any module later is walked
without touching this file. It runs on the demo office (``core.demo``), and
fills URL arguments with real rows of the database:

1. arguments listed in FIXED_ARGUMENTS (files, not rows) take the value given there;
2. ``<thing_id>`` takes the primary key of the table named after it: the
   owning module's ``<module>_<thing>`` first, then ``core_<thing>``, then any
   table whose name ends in ``_<thing>`` (``notice_id`` -> ``notices_notice``);
3. any other argument, and an ``_id`` one no table is named after, takes a value
   of a column with the argument's own name, from the owning module's tables
   first, then core's (``plugin_id`` -> ``core_plugin_state.plugin_id``).

When one row can fill several arguments of a rule (a ``letter`` row has a
``register_id`` column for ``/registers/<register_id>/letters/<letter_id>``),
they are filled from the same row, so the URL names records that belong
together. Each rule is walked with the first and the last such row.

A module author whose route cannot be filled gets a failing
``test_every_route_argument_names_a_real_record``: name the argument after its
table, seed a record in the module's ``demo_data`` hook, or add an entry to
FIXED_ARGUMENTS here.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import func, select

from core.db import db
from core.permissions import PUBLIC, declared_permission
from core.plugins import CORE_ID, registry

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
SOURCE_ROOT = Path(__file__).resolve().parent.parent

# Arguments that name files, not rows: endpoint -> {argument: value}.
FIXED_ARGUMENTS = {
    "main.bootstrap_asset": {"filename": "css/bootstrap.min.css"},
    "core.theme_static": {"filename": "khet.css"},
    "correspondence.export_register": {"file_format": "xlsx"},
}


def is_static(endpoint: str) -> bool:
    """Flask's own static file views; the app's guard lets them through without a permission."""
    return endpoint == "static" or endpoint.endswith(".static")


def walked_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if not is_static(rule.endpoint)), key=lambda r: r.rule)


def owner_of(app, rule) -> str:
    blueprint = rule.endpoint.rpartition(".")[0]
    return registry(app).blueprint_owner.get(blueprint, CORE_ID)


# --- filling URL arguments from the database -------------------------------------------


@dataclass
class Source:
    """Where a rule's arguments come from: columns of one table, read from one row."""

    table: object
    columns: dict = field(default_factory=dict)  # argument -> column


def _tables_by_preference(owner: str, stem: str | None):
    """Tables in the order they should be tried for an argument of a route of ``owner``."""
    tables = list(db.metadata.sorted_tables)
    if stem is None:
        return (
            [t for t in tables if t.name.startswith(f"{owner}_")]
            + [t for t in tables if t.name.startswith(f"{CORE_ID}_") and owner != CORE_ID]
        )
    exact = [f"{owner}_{stem}", f"{CORE_ID}_{stem}"]
    named = [t for name in exact for t in tables if t.name == name]
    return named + [t for t in tables if t.name.endswith(f"_{stem}") and t not in named]


def _sources_for(argument: str, arguments: set[str], owner: str) -> list[Source]:
    """Tables named after a ``<thing>_id`` argument (its primary key), then tables with a column of its name."""
    stem = argument[: -len("_id")] if argument.endswith("_id") else None
    candidates = []
    if stem is not None:
        for table in _tables_by_preference(owner, stem):
            keys = list(table.primary_key.columns)
            if len(keys) == 1:
                candidates.append((table, keys[0]))
    for table in _tables_by_preference(owner, None):
        if argument in table.c:
            candidates.append((table, table.c[argument]))
    sources = []
    for table, column in candidates:
        source = Source(table, {argument: column})
        for other in arguments - {argument}:
            if other in table.c:
                source.columns[other] = table.c[other]
        sources.append(source)
    return sources


def _best_source(unfilled: set[str], owner: str) -> Source | None:
    """The source that fills the most of the unfilled arguments, preferring tables named after them."""
    best = None
    for argument in sorted(unfilled):
        for rank, source in enumerate(_sources_for(argument, unfilled, owner)):
            score = (len(source.columns), -rank)
            if best is None or score > best[0]:
                best = (score, source)
    return best[1] if best else None


def _rows(source: Source) -> list[dict]:
    """The first and the last row (by the first column) with every wanted column filled."""
    columns = list(source.columns.values())
    statement = select(*columns).where(*(column.is_not(None) for column in columns))
    rows = []
    for order in (columns[0].asc(), columns[0].desc()):
        row = db.session.execute(statement.order_by(order).limit(1)).first()
        if row is not None:
            values = dict(zip(source.columns, row))
            if values not in rows:
                rows.append(values)
    return rows


@dataclass
class Filled:
    rule: object
    samples: list[dict]  # argument values, one dict per URL to walk
    unresolved: set[str]  # arguments no fixed value or table could fill

    def urls(self, app) -> list[str]:
        adapter = app.url_map.bind("localhost")
        return [adapter.build(self.rule.endpoint, values, force_external=False) for values in self.samples]


def fill(app, rule) -> Filled:
    """Argument values for ``rule`` from the database (see the module docstring)."""
    fixed = dict(FIXED_ARGUMENTS.get(rule.endpoint, {}))
    unfilled = set(rule.arguments) - set(fixed)
    samples = [fixed]
    owner = owner_of(app, rule)
    while unfilled:
        source = _best_source(unfilled, owner)
        rows = _rows(source) if source else []
        if not rows:
            break
        if len(samples) == 1:
            samples = [{**samples[0], **row} for row in rows]
        else:  # first row with the first sample, last with the last; a single row serves both
            samples = [{**sample, **rows[min(i, len(rows) - 1)]} for i, sample in enumerate(samples)]
        unfilled -= set(source.columns)
    unresolved = set(unfilled)
    if unresolved:
        placeholders = {name: _placeholder(rule, name) for name in unresolved}
        samples = [{**sample, **placeholders} for sample in samples]
    return Filled(rule, [{k: v for k, v in sample.items() if k in rule.arguments} for sample in samples], unresolved)


def _placeholder(rule, argument):
    converter = type(rule._converters[argument]).__name__
    return 0 if converter in {"IntegerConverter", "FloatConverter"} else "x"


# --- one request, checked -------------------------------------------------------------


def request_outcome(client, method: str, url: str, **kwargs):
    """(status, location) of one request, or (None, error) when the view raised."""
    try:
        response = getattr(client, method)(url, **kwargs)
    except Exception:  # the test app propagates exceptions: record them as failures, keep walking
        db.session.rollback()
        return None, traceback.format_exc(limit=-3).strip().splitlines()[-1]
    return response.status_code, response.headers.get("Location", "")


def sign_in_path(app) -> str:
    with app.test_request_context():
        return url_for("auth.login")


class _MenuLinks(HTMLParser):
    """The href of every link marked data-menu-item."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "data-menu-item" in attributes:
            self.links.append(attributes["href"])


def menu_links(html: str) -> list[str]:
    parser = _MenuLinks()
    parser.feed(html)
    return parser.links


# --- the tests ---------------------------------------------------------------------------


def test_every_first_party_module_is_installed_and_walked(app):
    """A module folder missing from the khet.plugins entry points would escape the walk."""
    folders = {p.name for p in (SOURCE_ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()}
    installed = set(registry(app).plugins)
    assert folders <= installed, (
        f"modules in plugins/ that are not installed: {sorted(folders - installed)} "
        "(add them to [project.entry-points.\"khet.plugins\"] and run `pip install -e .`)"
    )


def test_every_view_declares_its_permission(app):
    offenders = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in walked_rules(app)
        if declared_permission(app.view_functions[rule.endpoint]) is None
    ]
    assert not offenders, "views without @require(...): " + ", ".join(offenders)


def test_every_route_argument_names_a_real_record(app, demo):
    unresolved = [
        f"{rule.rule}: {', '.join(sorted(filled.unresolved))}"
        for rule in walked_rules(app)
        if (filled := fill(app, rule)).unresolved
    ]
    assert not unresolved, (
        "route arguments the demo database cannot fill (see the docstring of tests/test_routes.py):\n"
        + "\n".join(unresolved)
    )


def test_anonymous_visitors_are_sent_to_sign_in(app, client, demo):
    login = sign_in_path(app)
    failures = []
    for rule in walked_rules(app):
        if "GET" not in rule.methods:
            continue
        public = declared_permission(app.view_functions[rule.endpoint]) == PUBLIC
        for url in fill(app, rule).urls(app):
            status, location = request_outcome(client, "get", url)
            if status is None or status >= 500:
                failures.append(f"GET {url}: {status or location}")
            elif public:
                if status == 302 and urlsplit(location).path == login:
                    failures.append(f"GET {url}: a public page sent the visitor to sign in")
            elif status != 302 or urlsplit(location).path != login:
                failures.append(f"GET {url}: {status} {location} instead of a redirect to {login}")
    assert not failures, "\n".join(failures)


def test_no_page_fails_and_every_menu_item_opens_for(demo_username, app, client, demo, login_as):
    """Signed in as each kind of demo user, every page answers without a server error,
    and every menu item the person is offered opens for them (no 403, 404 or error)."""
    login_as(demo[demo_username])
    login = sign_in_path(app)
    failures, walked = [], 0
    for rule in walked_rules(app):
        if "GET" not in rule.methods:
            continue
        for url in fill(app, rule).urls(app):
            walked += 1
            status, location = request_outcome(client, "get", url)
            if status is None or status >= 500:
                failures.append(f"GET {url}: {location if status is None else status}")
            elif status == 302 and urlsplit(location).path == login:
                failures.append(f"GET {url}: sent a signed-in person back to sign in")
    home = client.get("/")
    assert home.status_code == 200, f"home answered {home.status_code}"
    for url in menu_links(home.get_data(as_text=True)):
        status, location = request_outcome(client, "get", url)
        if status != 200:
            failures.append(f"menu item {url}: {location if status is None else status}")
    assert not failures, f"as {demo_username}:\n" + "\n".join(failures)
    assert walked, "the walk found no pages"


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables}


def test_state_changes_without_a_csrf_token_are_refused_and_change_nothing(app, client, demo, login_as):
    """Even the administrator's browser cannot be made to change anything by a forged form."""
    login_as(demo["admin"])
    before = _row_counts()
    failures, walked = [], 0
    for rule in walked_rules(app):
        for method in sorted(rule.methods & UNSAFE_METHODS):
            for url in fill(app, rule).urls(app):
                walked += 1
                status, location = request_outcome(client, method.lower(), url, data={"confirm": "1"}, **({"csrf": False} if method == "POST" else {}))
                if status != 400:
                    failures.append(f"{method} {url}: {location if status is None else status} instead of 400")
    db.session.expire_all()
    changed = {name: (count, after) for name, count in before.items() if (after := _row_counts()[name]) != count}
    assert not failures, "\n".join(failures)
    assert not changed, f"tables changed by refused requests (before, after): {changed}"
    assert walked, "no route accepts POST"


# --- issue 17: headers on every page, control characters refused everywhere -----------------


def test_every_html_page_sends_the_security_headers(app, client, demo, login_as):
    """Content-Security-Policy, X-Frame-Options, nosniff and Referrer-Policy on every HTML answer of the walk."""
    from tests.test_hardening_web import assert_security_headers

    failures, html_pages = [], 0
    for signed_in in (False, True):
        if signed_in:
            login_as(demo["admin"])
        for rule in walked_rules(app):
            if "GET" not in rule.methods:
                continue
            for url in fill(app, rule).urls(app):
                response = client.get(url)
                if response.mimetype != "text/html":
                    if response.headers.get("X-Content-Type-Options") != "nosniff":
                        failures.append(f"GET {url}: {response.mimetype} without nosniff")
                    continue
                html_pages += 1
                try:
                    assert_security_headers(response)
                except AssertionError as error:
                    failures.append(f"GET {url}: {error}")
    assert not failures, "\n".join(failures)
    assert html_pages, "the walk found no HTML pages"


CONTROL_CHARACTER_VALUES = ["\x00", "ab\x00cd", "\x1b[2J", "\x08"]


def test_control_characters_in_any_query_or_form_are_refused_and_change_nothing(app, client, demo, login_as):
    """A NUL once gave psycopg.DataError (HTTP 500) on PostgreSQL in eleven places; now every route says 400 first."""
    login_as(demo["admin"])
    before = _row_counts()
    failures, walked = [], 0
    for rule in walked_rules(app):
        for url in fill(app, rule).urls(app):
            for method in ["GET"] * ("GET" in rule.methods) + sorted(rule.methods & UNSAFE_METHODS):
                for value in CONTROL_CHARACTER_VALUES:
                    walked += 1
                    if method == "GET":
                        status, location = request_outcome(client, "get", url, query_string={"q": value, "sender": value, "page": "1"})
                    else:
                        status, location = request_outcome(client, method.lower(), url, data={"title": value, "confirm": "1", "q": value})
                    if status != 400:
                        failures.append(f"{method} {url} with {value!r}: {location if status is None else status} instead of 400")
    db.session.expire_all()
    changed = {name: (count, after) for name, count in before.items() if (after := _row_counts()[name]) != count}
    assert not failures, "\n".join(failures[:40])
    assert not changed, f"tables changed by refused requests (before, after): {changed}"
    assert walked
