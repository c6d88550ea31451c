"""The `khet` command: what each command does to the installation, and one clear line when it cannot.

Commands run through click's CliRunner against an instance folder in
tmp_path (and, with KHET_TEST_DATABASE_URL, a throwaway database on that
server); the failure cases that matter to a shell also run as a real process.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from core import security
from core.app import create_app
from core.cli import cli
from core.db import db
from core.models import Group, LoginFailure, Office, Person, PluginState
from core.testing import _server_database

SERVER_URL = os.environ.get("KHET_TEST_DATABASE_URL", "")
KHET = Path(sys.executable).parent / "khet"
NOT_SET_UP = "Error: the database is not set up: run `khet db upgrade`"


class Installation:
    """An instance folder (and database) that `khet` commands act on, as KHET_INSTANCE_PATH names it."""

    def __init__(self, folder: Path, entry_points=None):
        self.folder, self.entry_points = folder, entry_points
        self.env = {"KHET_INSTANCE_PATH": str(folder), "LANG": "C", "KHET_ADMIN_PASSWORD": None, "KHET_DEBUG": None}
        self.apps = []
        self.drop = None
        if SERVER_URL and not SERVER_URL.startswith("sqlite"):
            url, self.drop = _server_database(SERVER_URL)
            self.env["KHET_DATABASE_URL"] = url

    def khet(self, *args, input: str | None = None, env: dict | None = None):
        """Run `khet ...` as a person at a terminal would (the app is built from the environment, as in real use)."""

        def build():
            app = create_app(entry_points=self.entry_points)
            self.apps.append(app)
            return app

        return CliRunner().invoke(
            cli, [str(arg) for arg in args], input=input, obj=ScriptInfo(create_app=build), env={**self.env, **(env or {})}
        )

    def process(self, *args, env: dict | None = None, timeout: float = 60):
        """Run the installed `khet` script in a separate process."""
        environ = {**os.environ, **{k: v for k, v in self.env.items() if v is not None}, **(env or {})}
        return subprocess.run([str(KHET), *map(str, args)], env=environ, capture_output=True, text=True, timeout=timeout)

    def app(self):
        """The installation's app, as the web server would build it."""
        previous = {name: os.environ.get(name) for name in self.env}
        os.environ.update({k: v for k, v in self.env.items() if v is not None})
        try:
            app = create_app()
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        self.apps.append(app)
        return app

    def close(self):
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if self.drop:
            self.drop()


@pytest.fixture
def installation(tmp_path):
    made = Installation(tmp_path / "instance")
    yield made
    made.close()


@pytest.fixture
def migrated(installation):
    result = installation.khet("db", "upgrade")
    assert result.exit_code == 0, result.output
    return installation


def one_error_line(result) -> str:
    """The whole of stderr, which must be a single line."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# --- khet init -----------------------------------------------------------------------


def test_init_with_flags_creates_config_database_office_and_admin(installation):
    result = installation.khet(
        "init", "--office-name", "สพป.ชัยนาท", "--letter-code", "ศธ 04183",
        "--admin-username", "boss", "--admin-password", "long-secret-2569",
    )

    assert result.exit_code == 0, result.output
    config = installation.folder / "config.toml"
    assert config.stat().st_mode & 0o777 == 0o600
    assert len(tomllib.loads(config.read_text())["secret_key"]) >= 48
    with installation.app().app_context():
        office = Office.current()
        assert (office.name, office.letter_code) == ("สพป.ชัยนาท", "ศธ 04183")
        assert len(db.session.scalars(select(Group)).all()) == 10
        admin = db.session.scalar(select(Person).where(Person.username == "boss"))
        assert admin.is_admin
        assert security.verify_password(admin.password_hash, "long-secret-2569")


def test_each_installation_gets_its_own_random_secret_key(tmp_path):
    keys = []
    for name in ("first", "second"):
        installation = Installation(tmp_path / name)
        result = installation.khet("init", "--office-name", "สพป.", "--admin-password", "long-secret-2569")
        assert result.exit_code == 0, result.output
        keys.append(tomllib.loads((installation.folder / "config.toml").read_text())["secret_key"])
        assert installation.app().config["SECRET_KEY"] == keys[-1]
        installation.close()
    assert keys[0] != keys[1]


def test_init_asks_for_the_office_and_the_first_admin(installation):
    result = installation.khet("init", input="สพป.สุพรรณบุรี เขต 1\nboss\nlong-secret-2569\nlong-secret-2569\n")

    assert result.exit_code == 0, result.output
    with installation.app().app_context():
        assert Office.current().name == "สพป.สุพรรณบุรี เขต 1"
        admin = db.session.scalar(select(Person).where(Person.username == "boss"))
        assert security.verify_password(admin.password_hash, "long-secret-2569")


def test_init_asks_again_after_a_weak_password(installation):
    result = installation.khet("init", "--office-name", "สพป.", input="boss\n12345678\nlong-secret-2569\nlong-secret-2569\n")

    assert result.exit_code == 0, result.output
    assert "too easy to guess" in result.output
    with installation.app().app_context():
        admin = db.session.scalar(select(Person).where(Person.username == "boss"))
        assert security.verify_password(admin.password_hash, "long-secret-2569")


def test_init_takes_the_admin_password_from_KHET_ADMIN_PASSWORD(installation):
    result = installation.khet("init", "--office-name", "สพป.", env={"KHET_ADMIN_PASSWORD": "from-the-environment"})

    assert result.exit_code == 0, result.output
    with installation.app().app_context():
        admin = db.session.scalar(select(Person).where(Person.username == "admin"))
        assert security.verify_password(admin.password_hash, "from-the-environment")


def test_init_refuses_a_weak_admin_password_before_creating_anything(installation):
    result = installation.khet("init", "--office-name", "สพป.", "--admin-password", "short")

    assert result.exit_code == 1
    assert one_error_line(result) == "Error: The password must be at least 8 characters long."
    assert not (installation.folder / "config.toml").exists()
    assert not (installation.folder / "khet.db").exists()


def test_running_init_again_keeps_the_office_the_admin_and_the_secret_key(installation):
    first = installation.khet("init", "--office-name", "สพป.เดิม", "--admin-password", "long-secret-2569")
    config = (installation.folder / "config.toml").read_text()

    again = installation.khet("init", "--admin-password", "another-secret-2569")

    assert first.exit_code == again.exit_code == 0, again.output
    assert "already there" in again.output
    assert (installation.folder / "config.toml").read_text() == config
    with installation.app().app_context():
        assert Office.current().name == "สพป.เดิม"
        admins = db.session.scalars(select(Person).where(Person.is_admin.is_(True))).all()
        assert [security.verify_password(a.password_hash, "long-secret-2569") for a in admins] == [True]


# --- the database --------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("plugins", "list"), ("plugins", "enable", "notices"), ("user", "create", "somchai", "--first-name", "สมชาย",
                                                              "--password", "long-secret-2569"), ("run",)],
)
def test_commands_before_db_upgrade_say_the_database_is_not_set_up(installation, command):
    result = installation.khet(*command)

    assert result.exit_code == 1
    assert one_error_line(result) == NOT_SET_UP


def test_db_upgrade_then_check_finds_models_and_migrations_agree(installation):
    upgrade = installation.khet("db", "upgrade")
    check = installation.khet("db", "check")

    assert upgrade.exit_code == 0, upgrade.output
    assert check.exit_code == 0, check.output
    assert "models and migrations agree" in check.output
    current = installation.khet("db", "current")
    assert "core: (empty)" not in current.output


def heads(installation) -> dict[str, str]:
    """Each component's newest revision, as its migrations folder has it."""
    from core import migrate
    from core.backup import script_directory

    app = installation.app()
    return {c.id: script_directory(c).get_current_head() for c in migrate.components(app) if c.folder is not None}


def test_db_upgrade_says_each_component_it_migrated_from_and_to_then_that_all_are_at_head(installation):
    first = installation.khet("db", "upgrade")
    again = installation.khet("db", "upgrade")

    assert first.exit_code == 0, first.output
    newest = heads(installation)
    assert {"core", "notices", "rooms", "correspondence"} <= newest.keys()
    assert first.output.splitlines() == [f"{c}: migrated (empty) → {head}" for c, head in newest.items()]
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"{c}: already at head ({head})" for c, head in newest.items()]


def test_db_upgrade_speaks_thai_in_a_thai_terminal(installation):
    result = installation.khet("db", "upgrade", env={"LANG": "th_TH.UTF-8"})

    assert result.exit_code == 0, result.output
    assert f"core: migrate แล้ว (ว่าง) → {heads(installation)['core']}" in result.output.splitlines()


@pytest.fixture
def forget_fake_tables():
    """Fake modules put plain tables into Khet's metadata when loaded; take them out again after the test."""
    yield
    for name in [n for n in db.metadata.tables if n.startswith(("unmigrated_", "halfmigrated_"))]:
        db.metadata.remove(db.metadata.tables[name])


@pytest.mark.parametrize(("module", "says"), [
    ("unmigrated", "Error: the module unmigrated has models but no migration (tables unmigrated_note): "
                   'write one with `khet db revision unmigrated -m "first tables"`'),
    ("halfmigrated", "Error: the module halfmigrated has models that no migration makes (tables halfmigrated_stamp): "
                     'write one with `khet db revision halfmigrated -m "..."`'),
])
def test_db_upgrade_names_a_module_whose_models_have_no_migration(tmp_path, forget_fake_tables, module, says):
    from tests.fake_plugins import entry_point, installed

    installation = Installation(tmp_path / "instance", entry_points=[*installed("notices"), entry_point(module)])
    try:
        result = installation.khet("db", "upgrade")
        assert result.exit_code == 1
        assert one_error_line(result) == says
    finally:
        installation.close()


def test_db_upgrade_refuses_a_module_without_migrations_before_migrating_anything(tmp_path, forget_fake_tables):
    from tests.fake_plugins import entry_point, installed

    installation = Installation(tmp_path / "instance", entry_points=[*installed("notices"), entry_point("unmigrated")])
    try:
        assert installation.khet("db", "upgrade").exit_code == 1
        current = installation.khet("db", "current")
        assert "core: (empty)" in current.output and "notices: (empty)" in current.output
    finally:
        installation.close()


def test_a_database_url_khet_cannot_use_is_one_line_in_a_real_shell(installation):
    result = installation.process("plugins", "list", env={"KHET_DATABASE_URL": "bogus://somewhere/khet"})

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: the database URL 'bogus://somewhere/khet' names a database Khet does not support;"
        " use sqlite:////path/khet.db, postgresql://user:password@host/khet or mysql://user:password@host/khet"
    )


def test_an_unreachable_postgresql_server_is_one_line_in_a_real_shell(installation):
    url = "postgresql://khet:secret@127.0.0.1:1/khet"
    for command in (("db", "upgrade"), ("plugins", "list")):
        result = installation.process(*command, env={"KHET_DATABASE_URL": url})

        assert result.returncode == 1
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert line.startswith("Error: cannot connect to postgresql+psycopg://khet:***@127.0.0.1:1/khet: ")
        assert "secret" not in line


def test_a_database_not_yet_set_up_is_one_line_in_a_real_shell(installation):
    result = installation.process("user", "create", "somchai", "--first-name", "สมชาย", "--password", "long-secret-2569")

    assert result.returncode == 1
    assert result.stderr.strip() == NOT_SET_UP


def test_help_still_works_when_the_configuration_is_broken(installation):
    result = installation.process("--help", env={"KHET_DATABASE_URL": "bogus://x"})

    assert result.returncode == 0
    assert "restore" in result.stdout and "Traceback" not in result.stderr


def test_an_unknown_command_is_a_usage_error(installation):
    result = installation.khet("frobnicate")

    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


# --- modules ---------------------------------------------------------------------------


def plugin_state(installation, plugin_id) -> bool | None:
    with installation.app().app_context():
        state = db.session.get(PluginState, plugin_id)
        return None if state is None else state.enabled


def test_plugins_enable_and_disable_switch_a_module_and_list_shows_it(migrated):
    assert migrated.khet("plugins", "enable", "notices").exit_code == 0
    assert plugin_state(migrated, "notices") is True
    listed = migrated.khet("plugins", "list")
    assert any(line.startswith("on ") and " notices " in line for line in listed.output.splitlines())

    assert migrated.khet("plugins", "disable", "notices").exit_code == 0
    assert plugin_state(migrated, "notices") is False
    listed = migrated.khet("plugins", "list")
    assert any(line.startswith("off") and " notices " in line for line in listed.output.splitlines())


def test_enabling_an_unknown_module_is_refused(migrated):
    result = migrated.khet("plugins", "enable", "nosuchmodule")

    assert result.exit_code == 1
    assert one_error_line(result) == "Error: There is no installed module called nosuchmodule."


def test_the_allow_list_in_the_configuration_refuses_other_modules(migrated):
    result = migrated.khet("plugins", "enable", "notices", env={"KHET_PLUGINS_ALLOWED": "visitors,rooms"})

    assert result.exit_code == 1
    assert one_error_line(result) == "Error: The configuration of this installation does not allow the module notices."
    assert plugin_state(migrated, "notices") is not True
    listed = migrated.khet("plugins", "list", env={"KHET_PLUGINS_ALLOWED": "visitors,rooms"})
    assert "not allowed by the configuration" in listed.output


# --- people ------------------------------------------------------------------------------


def person(installation, username) -> Person | None:
    with installation.app().app_context():
        found = db.session.scalar(select(Person).where(Person.username == username))
        if found is not None:
            db.session.expunge(found)
        return found


def test_user_create_makes_a_person_who_can_sign_in(migrated):
    result = migrated.khet("user", "create", "somchai", "--first-name", "สมชาย", "--last-name", "ใจดี",
                           input="long-secret-2569\nlong-secret-2569\n")

    assert result.exit_code == 0, result.output
    created = person(migrated, "somchai")
    assert (created.first_name, created.last_name, created.is_admin) == ("สมชาย", "ใจดี", False)
    assert security.verify_password(created.password_hash, "long-secret-2569")


def test_user_create_refuses_a_weak_password_and_creates_no_one(migrated):
    result = migrated.khet("user", "create", "somchai", "--first-name", "สมชาย", "--password", "somchai")

    assert result.exit_code == 1
    assert "too easy to guess" in one_error_line(result)
    assert person(migrated, "somchai") is None


def test_user_create_refuses_a_taken_username(migrated):
    migrated.khet("user", "create", "somchai", "--first-name", "สมชาย", "--password", "long-secret-2569")

    result = migrated.khet("user", "create", "somchai", "--first-name", "อีกคน", "--password", "other-secret-2569")

    assert result.exit_code == 1
    assert one_error_line(result) == "Error: the username 'somchai' is taken"
    assert person(migrated, "somchai").first_name == "สมชาย"


def test_set_password_replaces_the_password_ends_sessions_and_lifts_the_lock_out(migrated):
    migrated.khet("user", "create", "somchai", "--first-name", "สมชาย", "--password", "long-secret-2569")
    before = person(migrated, "somchai")
    with migrated.app().app_context():
        for _ in range(5):
            security.record_failure("somchai", "10.0.0.9")

    result = migrated.khet("user", "set-password", "somchai", "--password", "new-secret-2569")

    assert result.exit_code == 0, result.output
    after = person(migrated, "somchai")
    assert security.verify_password(after.password_hash, "new-secret-2569")
    assert after.session_version == before.session_version + 1
    with migrated.app().app_context():
        assert db.session.scalars(select(LoginFailure)).all() == []


def test_set_password_for_an_unknown_account_is_refused(migrated):
    result = migrated.khet("user", "set-password", "nobody", "--password", "new-secret-2569")

    assert result.exit_code == 1
    assert one_error_line(result) == "Error: no account called 'nobody'"


# --- demo and serving --------------------------------------------------------------------


def test_demo_creates_the_demo_office_once(installation):
    first = installation.khet("demo", "--no-serve")
    again = installation.khet("demo", "--no-serve")

    assert first.exit_code == 0, first.output
    assert "demo office created" in first.output
    # It says what it is doing while it seeds: the office, then each module with its rows and time.
    progress = first.output.splitlines()
    assert any(re.fullmatch(r"  office: \d+ groups, 30 schools, \d+ people \(\d+\.\d s\)", line) for line in progress), first.output
    for module in ("notices", "rooms", "correspondence"):
        assert any(re.fullmatch(rf"  {module}: [\d,]+ rows \(\d+\.\d s\)", line) for line in progress), first.output
    letters = next(line for line in progress if line.startswith("  correspondence: "))
    assert int(letters.split()[1].replace(",", "")) > 1000
    assert "seeding" not in again.output
    assert again.exit_code == 0
    assert "an office already exists" in again.output
    with installation.app().app_context():
        assert "(สาธิต)" in Office.current().name
        admin = db.session.scalar(select(Person).where(Person.username == "admin"))
        assert security.verify_password(admin.password_hash, "demo-admin-2569")
        assert db.session.scalar(select(PluginState).where(PluginState.plugin_id == "notices")).enabled


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_run_serves_the_site(migrated):
    port = free_port()
    environ = {**os.environ, **{k: v for k, v in migrated.env.items() if v is not None}}
    server = subprocess.Popen([str(KHET), "run", "--port", str(port)], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "khet run did not answer within 30 seconds"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()
