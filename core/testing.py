"""Khet's pytest plugin: fixtures for core, first-party and third-party module tests.

Installed with Khet (entry point ``pytest11``), so a module's tests can use:

``app``            the app, migrated once per test session; all installed modules
                   enabled, or only those named by ``@pytest.mark.khet_plugins("rooms")``
``client``         a test client that signs every POST with a valid CSRF token
                   (pass ``csrf=False`` to send none, as an attacker would)
``login_as``       ``login_as(person)`` signs the client in and returns it
``make_person``, ``make_group``, ``make_school``, ``make_office``, ``grant``
                   factories that commit and return the new record (``grant`` through the
                   admin pages' service, so it refuses what an admin could not grant)
``demo_database``  the demo office of `khet demo`, seeded once per run and copied in per test
``english_messages`` pages and messages in English, to read them by their message ids

and ``run_in_threads(fn, n)``, a race of ``n`` threads released together.

The database is SQLite in a temporary folder, or a throwaway database on the
server named by ``KHET_TEST_DATABASE_URL`` (PostgreSQL or MariaDB). Every row
written by a test is deleted after it, so tests can commit and use threads.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Integer, create_engine, text
from sqlalchemy.engine import make_url

_counter = itertools.count(1)


def pytest_configure(config):
    # Registered here so that a third-party module's own test suite knows the marker too.
    config.addinivalue_line("markers", "khet_plugins(*ids): enable exactly these Khet modules for the test")


# --- the database ----------------------------------------------------------------


def _server_database(url: str):
    """Create a throwaway database on the server of ``url``; return its URL and a drop function."""
    from core.config import normalise_database_url

    server_url = make_url(normalise_database_url(url))
    name = f"khet_test_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if server_url.get_backend_name() == "mysql":
            connection.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        else:
            connection.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))

    def drop():
        with admin.connect() as connection:
            if server_url.get_backend_name() == "postgresql":
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                    {"n": name},
                )
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            else:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()

    return server_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def khet_database_url(tmp_path_factory):
    """The URL of the test session's own empty database."""
    server = os.environ.get("KHET_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'khet-test.db'}"
        return
    url, drop = _server_database(server)
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def khet_app_config(khet_database_url) -> dict[str, Any]:
    """Settings of the test app; override this fixture to change them for a whole test session."""
    return {
        "TESTING": True,
        "DATABASE_URL": khet_database_url,
        "SECRET_KEY": "test-secret-key-" + secrets.token_hex(8),
        "LOGIN_MAX_FAILURES": 5,
        "MAIL_SERVER": None,
    }


@pytest.fixture(scope="session")
def app(khet_app_config, tmp_path_factory):
    """The Khet app of this test session, its database migrated to head."""
    from core import migrate
    from core.app import create_app

    app = create_app(config=khet_app_config, instance_path=tmp_path_factory.mktemp("instance"))
    migrate.upgrade_all(app)
    yield app
    with app.app_context():
        from core.db import db

        db.session.remove()
        db.engine.dispose()


def wipe_database(app) -> None:
    """Delete every row of every table (alembic version tables are not in the metadata)."""
    from core.db import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            tables = list(reversed(_tables_in(connection)))
            mysql = connection.dialect.name == "mysql"
            if mysql:
                connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            if connection.dialect.name == "postgresql":
                # Tests may empty what the app may not: silence append-only triggers (the audit log's).
                connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(table.delete())
            if mysql:
                connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))


class DatabaseSnapshot:
    """Every row of every table, and the upload folder's files, kept to be put back into a test database.

    Built for the demo office: seeding it takes half a minute to minutes (a year of letters), putting its
    rows back about half a second, so the demo is seeded once per test run and restored for each test that
    asks for it. Rows are copied table by table with multi-row INSERTs, the same way on SQLite, PostgreSQL
    and MariaDB (measured: restoring 9,700 rows takes 0.45 s, 0.5 s and 0.5 s; seeding them 18 s, 30 s
    and 37 s on an idle machine). A snapshot holds plain values, so it pickles: xdist workers share one.
    """

    def __init__(self, rows: dict[str, list[dict]], files: dict[str, bytes], app=None):
        self.rows, self.files, self.app = rows, files, app

    @classmethod
    def take(cls, app) -> DatabaseSnapshot:
        from core.db import db

        with app.app_context():
            db.session.remove()
            with db.engine.connect() as connection:
                rows = {
                    table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                    for table in _tables_in(connection)
                }
        uploads = Path(app.config["UPLOAD_FOLDER"])
        files = {
            path.relative_to(uploads).as_posix(): path.read_bytes() for path in uploads.rglob("*") if path.is_file()
        } if uploads.exists() else {}
        return cls(rows, files, app)

    def __getstate__(self):
        return {"rows": self.rows, "files": self.files, "app": None}

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def restore(self, app=None) -> None:
        """Replace the rows of ``app``'s database (the snapshot's own by default) with the snapshot's; put its files back.

        Another app may be an installation with other modules: tables the snapshot does not know are left empty.
        """
        from core.db import db
        from core.plugins import registry

        app = app or self.app
        wipe_database(app)
        with app.app_context():
            with db.engine.begin() as connection:
                dialect = connection.dialect.name
                if dialect == "mysql":
                    connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                elif dialect == "postgresql":
                    # Rows go in table by table; a row may point to a later row of its own table (or the audit
                    # log's append-only trigger would object): checks wait, as in wipe_database.
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                else:
                    connection.execute(text("PRAGMA defer_foreign_keys = ON"))
                for table in _tables_in(connection):
                    rows = self.rows.get(table.name)
                    if rows:
                        connection.execute(table.insert(), rows)
                if dialect == "mysql":
                    connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
                elif dialect == "postgresql":
                    _sequences_past_the_rows(connection, self.rows)
            registry(app).forget_cached_state()
        uploads = Path(app.config["UPLOAD_FOLDER"])
        for relative, content in self.files.items():
            path = uploads / relative
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)


def _sequences_past_the_rows(connection, rows) -> None:
    """PostgreSQL: a sequence does not move when rows come with their ids; move it, or the next INSERT collides.

    (MariaDB's AUTO_INCREMENT and SQLite's rowid follow the highest id by themselves.)
    """
    from core.db import db

    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if not rows.get(table.name) or len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        highest = max(row[key[0].name] for row in rows[table.name])
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), GREATEST(:highest, "
                 "(SELECT COALESCE(MAX(last_value), 1) FROM pg_sequences "
                 " WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(:table, :column))))"),
            {"table": table.name, "column": key[0].name, "highest": highest},
        )


@pytest.fixture(scope="session")
def khet_demo_snapshot(app, tmp_path_factory):
    """The demo office of `khet demo`, seeded once per test run; see ``demo_database``.

    Under xdist the first worker to need it seeds it and leaves it pickled beside the workers' temporary
    folders; the others wait for that file instead of seeding their own (each seeding is a core busy for
    half a minute or more).
    """
    import pickle
    import time

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return _seed_demo_snapshot(app)
    shared = tmp_path_factory.getbasetemp().parent
    stored, claim, failed = shared / "khet-demo.pickle", shared / "khet-demo.claim", shared / "khet-demo.failed"
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + 1800
        while not stored.exists() and not failed.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        if stored.exists():
            snapshot = pickle.loads(stored.read_bytes())
            snapshot.app = app
            return snapshot
        return _seed_demo_snapshot(app)  # the worker that claimed it failed or hung: this one seeds its own
    try:
        snapshot = _seed_demo_snapshot(app)
    except BaseException:
        failed.touch()
        raise
    partial = shared / f"khet-demo.{worker}.part"
    partial.write_bytes(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(stored)  # whole or absent: the waiting workers never read half a file
    return snapshot


def _seed_demo_snapshot(app) -> DatabaseSnapshot:
    """Seed the demo into the (emptied) session database, take its snapshot, and empty the database again."""
    from core.db import db
    from core.demo import seed_demo

    wipe_database(app)
    with app.app_context():
        assert seed_demo(), "the test database already had an office"
        db.session.remove()
    snapshot = DatabaseSnapshot.take(app)
    wipe_database(app)
    return snapshot


@pytest.fixture
def demo_database(app, khet_demo_snapshot):
    """This test's database holds the demo office (every module enabled), copied from the session's snapshot.

    Ask for it before fixtures that add rows: it replaces every row. Cleaned after the test like any other.
    """
    from core.db import db

    from core.plugins import registry

    db.session.rollback()
    db.session.remove()
    khet_demo_snapshot.restore()
    registry(app).forget_cached_state()  # this test's context may remember the modules it had before
    return khet_demo_snapshot


def _tables_in(connection) -> list:
    """The metadata's tables that this database has, in dependency order.

    A test may add a module's tables to the shared metadata for an installation of its own
    (tests/test_backup.py's type sample); the session database never had them.
    """
    from sqlalchemy import inspect

    from core.db import db

    present = set(inspect(connection).get_table_names())
    return [table for table in db.metadata.sorted_tables if table.name in present]


def enable_plugins(app, plugin_ids) -> None:
    from core.db import db
    from core.models import PluginState
    from core.plugins import registry

    reg = registry(app)
    wanted = set(reg.module_ids if plugin_ids is None else plugin_ids)
    unknown = wanted - set(reg.module_ids)
    if unknown:
        raise pytest.UsageError(f"khet_plugins names modules that are not installed: {sorted(unknown)}")
    for plugin_id in reg.module_ids:
        db.session.merge(PluginState(plugin_id=plugin_id, enabled=plugin_id in wanted))
    db.session.commit()


@pytest.fixture(autouse=True)
def _khet_database_per_test(request):
    """For tests that use the app: an app context, chosen modules enabled, and a clean database after."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    marker = request.node.get_closest_marker("khet_plugins")
    with app.app_context():
        enable_plugins(app, marker.args if marker else None)
        try:
            yield
        finally:
            from core.db import db

            db.session.rollback()
    wipe_database(app)


# --- the client ------------------------------------------------------------------


class KhetTestClient(FlaskClient):
    """A test client whose POSTs carry a valid CSRF token, like a browser's would."""

    def _csrf_token(self) -> str:
        from flask_wtf.csrf import generate_csrf

        with self.application.test_request_context():
            from flask import g, session

            g.pop("csrf_token", None)  # another client's token may linger in a shared app context

            with self.session_transaction() as stored:
                session.update(stored)
                token = generate_csrf()
                stored["csrf_token"] = session["csrf_token"]
        return token

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.get("data")
            token = self._csrf_token()
            if data is None:
                kwargs["data"] = {"csrf_token": token}
            elif isinstance(data, dict):
                kwargs["data"] = {**data, "csrf_token": token}
            else:
                kwargs.setdefault("headers", {})["X-CSRFToken"] = token
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = KhetTestClient
    return app.test_client()


@pytest.fixture
def login_as(client):
    def sign_in(person):
        with client.session_transaction() as stored:
            stored["_user_id"] = person.get_id()
            stored["_fresh"] = True
        return client

    return sign_in


# --- factories -------------------------------------------------------------------


@pytest.fixture
def make_office(app):
    def make(**values):
        from core import seed

        return seed.seed_office(values.pop("name", "สพป.ทดสอบ เขต 1"), letter_code=values.pop("letter_code", "ศธ 04999"))

    return make


@pytest.fixture
def make_group(app):
    def make(**values):
        from core.db import db
        from core.models import Group

        n = next(_counter)
        values.setdefault("code", f"group{n}")
        values.setdefault("name", f"กลุ่มทดสอบ {n}")
        group = Group(**values)
        db.session.add(group)
        db.session.commit()
        return group

    return make


@pytest.fixture
def make_school(app):
    def make(**values):
        from core.db import db
        from core.models import School

        n = next(_counter)
        values.setdefault("code", f"{10000000 + n}")
        values.setdefault("name", f"โรงเรียนทดสอบ {n}")
        clerks = values.pop("clerks", [])
        school = School(**values)
        db.session.add(school)
        db.session.flush()
        for clerk in clerks:
            _add_school_member(school, clerk, "clerk")
        db.session.commit()
        return school

    return make


def _add_school_member(school, person, role):
    from core.db import db
    from core.models import SchoolMembership

    db.session.add(SchoolMembership(school_id=school.id, person_id=person.id, role=role))


@pytest.fixture
def make_person(app):
    """``make_person(group=g, director=True, school=s, school_role="clerk", admin=True, password="...")``."""

    def make(**values):
        from core import security
        from core.db import db
        from core.models import GroupMembership, Person

        n = next(_counter)
        group = values.pop("group", None)
        director = values.pop("director", False)
        school = values.pop("school", None)
        school_role = values.pop("school_role", "teacher")
        password = values.pop("password", None)
        values["is_admin"] = values.pop("admin", values.get("is_admin", False))
        values.setdefault("first_name", f"ทดสอบ{n}")
        values.setdefault("last_name", "ใจดี")
        values.setdefault("username", f"user{n}")
        person = Person(**values)
        if password:
            person.password_hash = security.hash_password(password)
        db.session.add(person)
        db.session.flush()
        if group is not None:
            db.session.add(GroupMembership(person_id=person.id, group_id=group.id, is_director=director))
        if school is not None:
            _add_school_member(school, person, school_role)
        db.session.commit()
        return person

    return make


@pytest.fixture
def grant(app):
    """``grant(code, to=person_or_role_or_group, scope=None)``: grant a permission and return the Grant.

    Goes through ``org_services.grant_permission``, the service the admin pages use, so a test can only
    grant what an admin could: a declared code of an enabled module, a scope only for a scopable code.
    """

    def give(code, to, scope=None):
        from core import org_services
        from core.db import db
        from core.models import Group, Person, Role

        if isinstance(to, Person):
            grantee = {"person": to}
        elif isinstance(to, Role):
            grantee = {"role": to}
        elif isinstance(to, Group):
            grantee = {"group": to}
        else:
            raise TypeError(f"cannot grant to {to!r}")
        row = org_services.grant_permission(code, scope=scope, **grantee)
        db.session.commit()
        return row

    return give


# --- the browser -----------------------------------------------------------------

CHROMIUM = Path(os.environ.get("KHET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port of 127.0.0.1, in a background thread; yields its base URL.

    Ask for the data the test needs (``demo``, factories) before this fixture.
    """
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="khet-live-server", daemon=True)
    thread.start()
    from core.db import db

    db.session.commit()  # end the test's own transaction: the server's threads read and write now
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """The system Chromium driven by Playwright, one per test session (Playwright allows one); skips where there is none."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}; it is not installed here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


PHONE_SCREEN = {"width": 375, "height": 740}


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where browser tests save their screenshots: $KHET_SCREENSHOTS to keep them, else the test's temporary folder."""
    folder = Path(os.environ.get("KHET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class BrowserSession:
    """One person's browser on the live server; script errors and server errors land in ``problems``.

    A browser test ends with ``assert not session.problems``: a page that raised in the browser or answered
    5xx fails the test even when the steps it checks went through.
    """

    def __init__(self, chromium, base_url: str, screenshots: Path, name: str, *, phone: bool = False,
                 locale: str = "en-US"):
        options = {"viewport": PHONE_SCREEN} if phone else {}
        self.context = chromium.new_context(base_url=base_url, locale=locale, **options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.screenshots, self.name = screenshots, name
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: script error: {error}"))
        self.page.on("response", lambda r: r.status >= 500 and self.problems.append(f"{r.url}: {r.status}"))

    def sign_in(self, username: str, password: str) -> None:
        self.page.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").click()
        assert self.page.locator("[data-user-menu]").count() == 1, f"{username} is not signed in"

    def fits_the_screen(self) -> None:
        overflow = self.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{self.page.url} is {overflow}px wider than the screen"

    def shot(self, what: str) -> None:
        self.page.screenshot(path=str(self.screenshots / f"{self.name}-{what}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def installed_module(app, plugin_id: str, enabled: bool = True, **hooks):
    """A context manager: a module ``plugin_id`` answering ``hooks`` (name -> function) is installed for a test.

    For service tests that need a module's contribution (an approval kind, a
    notification event) without writing a package: the module is loaded
    through the same checks as a real one, switched on (or off), and unloaded
    afterwards. Each hook function is marked ``@hookimpl`` here.
    """
    import contextlib
    import types

    from core.db import db
    from core.hookspecs import hookimpl
    from core.models import PluginState
    from core.plugin_api import PluginInfo
    from core.plugins import registry

    @contextlib.contextmanager
    def installed():
        module = types.ModuleType(f"khet_test_{plugin_id}")
        module.__file__ = str(Path(__file__).parent / f"{plugin_id}_test_module" / "__init__.py")
        module.plugin_info = hookimpl(lambda: PluginInfo(id=plugin_id, name_th=plugin_id, name_en=plugin_id, version="0"))
        for name, function in hooks.items():
            setattr(module, name, hookimpl(function))
        reg = registry(app)
        reg._register(module, distribution="tests")
        db.session.merge(PluginState(plugin_id=plugin_id, enabled=enabled))
        db.session.commit()
        reg.forget_cached_state()
        try:
            yield module
        finally:
            reg._unload(plugin_id, "")
            reg.broken.pop(plugin_id, None)
            reg.forget_cached_state()

    return installed()


# --- messages in English, and races between threads (shared by core's and the modules' tests) ---------------


@pytest.fixture
def english_messages(app, monkeypatch):
    """Pages and messages in English for this test, so it can read them by their English message ids.

    Khet shows Thai by default, and a test that asserts "The room has been saved." would fail
    once the catalog translates it. A module that writes all its tests that way makes it
    autouse in its own conftest.py::

        @pytest.fixture(autouse=True)
        def _in_english(english_messages):
            \"\"\"This module's tests read messages by their English ids.\"\"\"

    People whose own language is set (``person.locale = "th"``) still read Thai. To check a Thai
    page in such a test, set it back: ``monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "th")``.
    """
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


class ThreadRace:
    """What ``run_in_threads`` saw: ``results`` of the calls that returned, ``refused`` errors of the
    expected types, and ``errors`` (anything else, including a thread that never finished)."""

    def __init__(self):
        self.results: list = []
        self.refused: list[BaseException] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def _add(self, into: list, item) -> None:
        with self._lock:
            into.append(item)

    def __repr__(self) -> str:
        return f"<ThreadRace results={self.results!r} refused={self.refused!r} errors={self.errors!r}>"


def run_in_threads(fn, n: int, *, expected: type[BaseException] | tuple = (), app=None,
                   timeout: float = 120) -> ThreadRace:
    """Call ``fn(i)`` for i in 0..n-1, each in its own thread, all released together by a barrier.

    For races that must have one winner (two approvers pressing at once, fifty people booking the last
    room, clerks taking running numbers). With an app (by default the current one, when a test has an app
    context), each thread works in its own app context, session and database connection, inside
    ``write_transaction()``; what ``fn`` leaves in the session is committed when it returns, and
    everything is rolled back and the session removed whatever happens. Without an app context the
    threads just call ``fn``.

    Exceptions of the ``expected`` types land in ``refused``, any other in ``errors`` (so a test
    asserts ``race.errors == []`` and sees them); nothing is lost with the thread. Objects loaded
    in the test's session belong to it: pass ids to ``fn`` and load them again inside. A thread's
    session is gone by the time the test reads ``refused``: turn an error that names rows into plain
    values (their ids) inside ``fn``.
    """
    from flask import current_app, has_app_context

    if app is None and has_app_context():
        app = current_app._get_current_object()
    race = ThreadRace()
    start = threading.Barrier(n, timeout=timeout)

    def call(i):
        start.wait()
        return fn(i)

    def in_app(i):
        from core.db import db, write_transaction

        with app.app_context():
            try:
                with write_transaction():
                    result = call(i)
                    db.session.commit()
                return result
            finally:
                db.session.rollback()
                db.session.remove()

    def run(i):
        try:
            race._add(race.results, in_app(i) if app is not None else call(i))
        except expected as error:
            race._add(race.refused, error)
        except BaseException as error:  # noqa: BLE001  (handed to the test, not lost with the thread)
            race._add(race.errors, error)

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        race._add(race.errors, TimeoutError(f"threads still running after {timeout} s: {stuck}"))
    return race

# --- counting queries ------------------------------------------------------------


class QueryLog:
    """The SQL statements ``engine`` runs inside the block: ``with QueryLog(db.engine) as log: ...; log.statements``.

    For tests that hold a page to the queries it may make, so that a page that
    quietly grows a query per request fails.
    """

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _before(self, _connection, _cursor, statement, *_args):
        self.statements.append(" ".join(statement.split()))

    def __enter__(self) -> QueryLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)

    @property
    def count(self) -> int:
        return len(self.statements)

    def touching(self, table: str) -> list[str]:
        """The statements that name ``table``."""
        return [statement for statement in self.statements if table in statement]

# --- a browser over real HTTP (for live_server and server subprocesses) ------------------


class HttpBrowser:
    """Just enough of a browser over http.client for tests against a real server: one cookie jar,
    signing in through the form, form posts with the session's CSRF token, and raw multipart posts."""

    def __init__(self, base_url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _headers(self, extra=None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def _keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]

    def connect(self):
        import http.client

        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, str, dict]:
        """(status, text, headers) of one request."""
        connection = self.connect()
        try:
            connection.request(method, path, body=body, headers=self._headers(headers))
            response = connection.getresponse()
            data = response.read()
            self._keep_cookies(response)
            return response.status, data.decode("utf-8", "replace"), dict(response.headers)
        finally:
            connection.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data: dict):
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode({"csrf_token": self.csrf, **data}),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, username: str, password: str) -> None:
        import re

        _, page, _ = self.get("/login")
        self.csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _, _ = self.post("/login", {"username": username, "password": password})
        assert status == 302, f"signing in as {username} answered {status}"

    def start_multipart(self, path: str, fields: dict, files: dict):
        """Send a multipart post of ``fields`` and ``{field: (name, bytes, mime)}``; return the open connection."""
        boundary = "khet-test-boundary-7f3a"
        body = b""
        for name, value in {"csrf_token": self.csrf, **fields}.items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, (filename, content, mime) in files.items():
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {mime}\r\n\r\n").encode() + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        connection = self.connect()
        connection.request("POST", path, body=body, headers=self._headers(
            {"Content-Type": f"multipart/form-data; boundary={boundary}"}))
        return connection


# --- core's own pieces a module's tests may use ------------------------------------------------------------
# A module's tests import only core.api and core.testing (the import-linter contract in pyproject.toml);
# what they need of core's internals is offered here, imported when called (this plugin loads before the app).


def set_password(person, password: str) -> None:
    """Give ``person`` this sign-in password, hashed as core hashes it (for tests that sign in in a browser)."""
    from core.security import hash_password

    person.password_hash = hash_password(password)


def password_matches(person, password: str) -> bool:
    """Whether ``password`` signs ``person`` in, checked as the sign-in page checks it."""
    from core.security import verify_password

    return verify_password(person.password_hash, password)


def seed_demo(rng=None) -> bool:
    """Seed the demo office as ``khet demo`` does (core and every enabled module); False if an office exists."""
    from core.demo import seed_demo as seed

    return seed(rng)


def demo_passwords() -> tuple[str, str]:
    """The demo's passwords: (the admin's, everyone else's)."""
    from core.demo import ADMIN_PASSWORD, DEMO_PASSWORD

    return ADMIN_PASSWORD, DEMO_PASSWORD


def schema_differences(app) -> dict[str, list]:
    """{component: differences} between the models and the migrated database, as ``khet db check`` reports them."""
    from core.migrate import differences

    return differences(app)


def deactivate_person(person, by=None) -> bool:
    """Make ``person`` leave the office as an admin does on the people page (each module's hooks run)."""
    from core.org_services import deactivate_person as deactivate

    return deactivate(person, by)


def grants_of(person) -> list:
    """The grants made to ``person`` themselves (not through roles or groups), as the admin's permissions page lists them."""
    from core.org_services import grants_of as listed

    return list(listed(person=person))


def make_delegation(principal, delegate, starts_on, ends_on, rank: int = 1):
    """``delegate`` acts for ``principal`` from ``starts_on`` to ``ends_on`` (core's acting-for), through the service
    the admin's delegations page uses; committed."""
    from core.db import db
    from core.org_services import create_delegation

    delegation = create_delegation(principal=principal, delegate=delegate, rank=rank, starts_on=starts_on,
                                   ends_on=ends_on)
    db.session.commit()
    return delegation


def revoke_grants(code: str, person) -> None:
    """Take ``code`` away from ``person``'s own grants, through the service the admin's permissions page uses."""
    from core.db import db
    from core.org_services import grants_of, revoke_grant

    for given in grants_of(person=person):
        if given.permission == code:
            revoke_grant(given)
    db.session.commit()
