"""The `khet` command. Errors are one clear line and a non-zero exit, never a traceback.

Modules add their own commands with the ``cli_commands`` hook; they appear as
``khet <module id> <command>``.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from core.app import create_app, default_instance_path
from core.config import ConfigError


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def cli():
    """Khet: the intranet of an Educational Service Area Office."""


# Flask's --app/--env-file/--debug options mean nothing here: Khet always builds its own app.
cli.params = [param for param in cli.params if param.name not in {"app", "env_file", "debug"}]


# --- serving -------------------------------------------------------------------


def _serve(app, host: str, port: int | None) -> None:
    port = port or int(os.environ.get("PORT", 5000))
    from werkzeug.serving import run_simple

    click.echo(f"Khet is serving on http://{host}:{port}  (Ctrl+C stops it)")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
def run_command(host, port):
    """Serve Khet with the built-in server (for trying out; use gunicorn for an office)."""
    from flask import current_app

    _serve(current_app._get_current_object(), host, port)


# --- instance and database -----------------------------------------------------


def _write_config(instance: Path, database_url: str | None) -> Path:
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "config.toml"
    if path.exists():
        return path
    lines = ["# Khet installation settings. KHET_* environment variables override these.", ""]
    lines.append(f'secret_key = "{secrets.token_urlsafe(48)}"')
    if database_url:
        lines.append(f'database_url = "{database_url}"')
    else:
        lines.append('# database_url = "postgresql://khet@localhost/khet"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@cli.command("init")
@click.option("--database-url", default=None, help="Default: SQLite in the instance folder.")
@click.option("--office-name", default=None, help="e.g. สำนักงานเขตพื้นที่การศึกษาประถมศึกษาชัยนาท")
@click.option("--letter-code", default="", help='Letter number prefix, e.g. "ศธ 04183".')
@click.option("--admin-username", default=None)
@click.option("--admin-password", default=None, envvar="KHET_ADMIN_PASSWORD", help="Or set KHET_ADMIN_PASSWORD.")
def init_command(database_url, office_name, letter_code, admin_username, admin_password):
    """Create a new installation: config with a random secret key, database, office and first admin."""
    instance = default_instance_path()
    path = _write_config(instance, database_url)
    click.echo(f"config: {path}")
    app = create_app(instance_path=instance)
    from core import migrate, seed
    from core.models import Person

    migrated = migrate.upgrade_all(app)
    click.echo(f"database migrated: {', '.join(migrated)}")
    with app.app_context():
        from core.models import Office

        if Office.current() is None:
            office_name = office_name or click.prompt("Office name")
        office = seed.seed_office(office_name or Office.current().name, letter_code=letter_code)
        click.echo(f"office: {office.name}")
        from core.db import db

        if db.session.scalar(select(Person).where(Person.is_admin.is_(True))) is None:
            admin_username = admin_username or click.prompt("First admin's username", default="admin")
            if not admin_password:
                admin_password = click.prompt("First admin's password", hide_input=True, confirmation_prompt=True)
            _create_person(admin_username, admin_password, "ผู้ดูแล", "ระบบ", admin=True)
            click.echo(f"admin account: {admin_username}")
    click.echo("Done. Start with: khet run")


@cli.group("db")
def db_group():
    """Database migrations."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Bring core and every installed module to its newest schema."""
    from flask import current_app

    from core import migrate

    for component in migrate.upgrade_all(current_app._get_current_object()):
        click.echo(f"up to date: {component}")


@db_group.command("check")
@with_appcontext
def db_check():
    """Fail when models and migrations disagree (what autogenerate would still write)."""
    from flask import current_app

    from core import migrate

    found = migrate.differences(current_app._get_current_object())
    if found:
        for component, diff in found.items():
            for item in diff:
                click.echo(f"{component}: {item}", err=True)
        raise click.ClickException("models and migrations disagree: write the missing migrations")
    click.echo("models and migrations agree")


@db_group.command("current")
@with_appcontext
def db_current():
    """Show each component's current revision."""
    from flask import current_app

    from core import migrate

    for component, revision in migrate.current_revisions(current_app._get_current_object()).items():
        click.echo(f"{component}: {revision or '(empty)'}")


@db_group.command("revision")
@click.argument("component")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Write an empty revision instead of comparing models.")
@with_appcontext
def db_revision(component, message, empty):
    """Write a new revision for core or a module from the difference between models and database."""
    from flask import current_app

    from core import migrate

    migrate.new_revision(current_app._get_current_object(), component, message, autogenerate=not empty)


# --- modules -------------------------------------------------------------------


@cli.group("plugins")
def plugins_group():
    """List, enable and disable modules."""


@plugins_group.command("list")
@with_appcontext
def plugins_list():
    """Every installed module, whether it is on, and any that failed to load."""
    from core.plugins import registry

    reg = registry()
    enabled = reg.enabled_ids()
    for plugin_id in reg.module_ids:
        info = reg.plugins[plugin_id].info
        state = "on " if plugin_id in enabled else "off"
        needs = f"  needs: {', '.join(info.requires)}" if info.requires else ""
        click.echo(f"{state}  {plugin_id:<16} {info.version:<8} {info.name_th} / {info.name_en}{needs}")
    for name, error in reg.broken.items():
        click.echo(f"ERR  {name:<16} {error}")


def _switch(plugin_id: str, enabled: bool) -> None:
    from flask import current_app

    from core.plugins import PluginError, registry

    try:
        registry().set_enabled(plugin_id, enabled, allowed=current_app.config["PLUGINS_ALLOWED"])
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{plugin_id}: {'enabled' if enabled else 'disabled'}")


@plugins_group.command("enable")
@click.argument("plugin_id")
@with_appcontext
def plugins_enable(plugin_id):
    """Switch a module on."""
    _switch(plugin_id, True)


@plugins_group.command("disable")
@click.argument("plugin_id")
@with_appcontext
def plugins_disable(plugin_id):
    """Switch a module off; its data is kept."""
    _switch(plugin_id, False)


# --- people --------------------------------------------------------------------


def _create_person(username: str, password: str, first_name: str, last_name: str, admin: bool = False):
    from core import security
    from core.db import db
    from core.models import Person

    problems = security.password_problems(password, username)
    if problems:
        raise click.ClickException(" ".join(problems))
    if db.session.scalar(select(Person).where(Person.username == username)) is not None:
        raise click.ClickException(f"the username {username!r} is taken")
    person = Person(username=username, first_name=first_name, last_name=last_name, is_admin=admin)
    security.set_password(person, password)
    db.session.add(person)
    db.session.commit()
    return person


@cli.group("user")
def user_group():
    """Sign-in accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--first-name", required=True)
@click.option("--last-name", default="")
@click.option("--admin", is_flag=True, help="Full access to everything.")
@click.password_option("--password", help="Asked for when not given.")
@with_appcontext
def user_create(username, first_name, last_name, admin, password):
    """Create a person who can sign in."""
    _create_person(username, password, first_name, last_name, admin=admin)
    click.echo(f"created {username}")


@user_group.command("set-password")
@click.argument("username")
@click.password_option("--password", help="Asked for when not given.")
@with_appcontext
def user_set_password(username, password):
    """Set a person's password (ends their open sessions)."""
    from core import security
    from core.db import db
    from core.models import Person

    person = db.session.scalar(select(Person).where(Person.username == username))
    if person is None:
        raise click.ClickException(f"no account called {username!r}")
    problems = security.password_problems(password, username)
    if problems:
        raise click.ClickException(" ".join(problems))
    security.set_password(person, password)
    db.session.commit()
    click.echo(f"password set for {username}")


# --- demo ----------------------------------------------------------------------


@cli.command("demo")
@click.option("--serve/--no-serve", default=True, help="Start serving after seeding.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
def demo_command(serve, host, port):
    """Create (once) a demo office with schools, people and data in every module, then serve it."""
    from core import demo, migrate

    instance = default_instance_path()
    _write_config(instance, None)
    app = create_app(instance_path=instance)
    click.echo("migrating the database ...")
    migrate.upgrade_all(app)
    with app.app_context():
        created = demo.seed_demo()
    click.echo("demo office created" if created else "demo office already there; left as it is")
    click.echo("sign in as admin / demo-admin-2569 (or any demo person, password demo-2569)")
    if serve:
        _serve(app, host, port)


def main() -> None:
    try:
        cli.main(prog_name="khet", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"khet: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except (ConfigError, OSError) as exc:
        click.echo(f"khet: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # one line for people; KHET_DEBUG=1 shows the traceback
        if os.environ.get("KHET_DEBUG"):
            raise
        click.echo(f"khet: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


from core.scaffold import new_plugin_command  # noqa: E402

cli.add_command(new_plugin_command)
