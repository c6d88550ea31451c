"""The `khet` command. Errors are one clear line and a non-zero exit, never a traceback.

Modules add their own commands with the ``cli_commands`` hook; they appear as
``khet <module id> <command>``. ``KHET_DEBUG=1`` shows the traceback of an
unexpected error, for a developer.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect, select

from core.app import create_app, default_instance_path
from core.config import ConfigError, check_database_url, normalise_database_url


def not_set_up() -> str:
    return _("the database is not set up: run `khet db upgrade`")


def _create_app(*_args, **_kwargs):
    return create_app()


# --- turning failures into one line ------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _database_label() -> str:
    from core.db import db

    try:
        return db.engine.url.render_as_string(hide_password=True)
    except Exception:  # no app context: say "the database"
        return _("the database")


def _describe(error: Exception) -> str | None:
    """The one line a person reads for a failure we expect; None for a bug."""
    from alembic.util import CommandError
    from pluggy import PluginValidationError

    from core.backup import BackupError
    from core.migrate import MigrationError
    from core.plugins import PluginConflict, PluginError

    if isinstance(error, (ConfigError, MigrationError, BackupError, PluginError, PluginConflict, PluginValidationError)):
        return str(error)
    if isinstance(error, CommandError):
        return _("migration failed: %(error)s", error=error)
    if isinstance(error, sa_exc.DBAPIError):
        reason = _first_line(error.orig)
        if any(sign in reason for sign in ("no such table", "does not exist", "doesn't exist")):
            return f"{not_set_up()} ({reason})"
        return _("database error on %(database)s: %(reason)s", database=_database_label(), reason=reason)
    if isinstance(error, OSError):
        return _first_line(error)
    return None


class KhetGroup(FlaskGroup):
    """Flask's command group, with Khet's error handling and without Flask's --app/--debug options."""

    def list_commands(self, ctx):
        names = set(click.Group.list_commands(self, ctx))
        try:  # modules' commands need the app; `khet --help` must work even when it cannot start
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except Exception as error:
            reason = _describe(error) or _first_line(error)
            click.echo(_("Error: modules' commands are not listed: %(reason)s", reason=reason), err=True)
        return sorted(names)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None and name not in self.commands and current_app:
            # A module's command: FlaskGroup has pushed the app context; speak the terminal's language.
            ctx.with_resource(force_locale(_terminal_locale(current_app)))
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            message = _describe(error)
            if message is None:
                if os.environ.get("KHET_DEBUG"):
                    raise
                message = _("%(kind)s: %(error)s (KHET_DEBUG=1 shows where)", kind=type(error).__name__, error=_first_line(error))
            raise click.ClickException(message) from error


@click.group(
    cls=KhetGroup, create_app=_create_app, add_default_commands=False, add_version_option=False, load_dotenv=False
)
def cli():
    """Khet: the intranet of an Educational Service Area Office."""


# Flask's --app/--env-file/--debug options mean nothing here: Khet always builds its own app.
cli.params = [param for param in cli.params if param.name not in {"app", "env_file", "debug"}]


def _terminal_locale(app) -> str:
    """The CLI speaks the terminal's language (LC_ALL, LC_MESSAGES, LANG) when Khet has it, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            language = value.split(".")[0].split("_")[0]
            return language if language in app.config["LANGUAGES"] else "en"
    return "en"


def _check_database(schema: bool) -> None:
    """Connect once, so an unreachable server is one clear line; with ``schema``, require migrated tables."""
    from core.db import db

    try:
        with db.engine.connect() as connection:
            if schema and not inspect(connection).has_table("alembic_version_core"):
                raise click.ClickException(not_set_up())
    except sa_exc.DBAPIError as error:
        raise click.ClickException(
            _("cannot connect to %(database)s: %(reason)s", database=_database_label(), reason=_first_line(error.orig))
        ) from error
    if schema:
        behind = _components_behind(current_app._get_current_object())
        if behind:
            raise click.ClickException(
                _("the database is older than this Khet (%(components)s): run `khet db upgrade`", components=", ".join(behind))
            )


def _components_behind(app) -> list[str]:
    """Components whose database revision is not their newest one."""
    from core import migrate
    from core.backup import script_directory

    current = migrate.current_revisions(app)
    return [
        component.id
        for component in migrate.components(app)
        if component.folder is not None and current.get(component.id) != script_directory(component).get_current_head()
    ]


def app_command(schema: bool = True, database: bool = True):
    """Run the command inside the app, in the terminal's language, after checking the database."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            ctx = click.get_current_context()
            app = ctx.ensure_object(ScriptInfo).load_app()
            if not current_app or current_app._get_current_object() is not app:
                ctx.with_resource(app.app_context())
            ctx.with_resource(force_locale(_terminal_locale(current_app)))
            if database:
                _check_database(schema)
            return function(*args, **kwargs)

        return wrapper

    return decorator


# --- serving -------------------------------------------------------------------


def _serve(app, host: str, port: int | None) -> None:
    port = port or int(os.environ.get("PORT", 5000))
    from werkzeug.serving import run_simple

    from core.app import settle_for_serving

    settle_for_serving()

    click.echo(_("Khet is serving on %(url)s  (Ctrl+C stops it)", url=f"http://{host}:{port}"))
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@cli.command("run", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
@app_command()
def run_command(host, port):
    """Serve Khet with the built-in server (for trying out; use gunicorn for an office)."""
    _serve(current_app._get_current_object(), host, port)


# --- instance and database -----------------------------------------------------


def _write_config(instance: Path, database_url: str | None) -> Path:
    """Write instance/config.toml with a new random secret key, once; an existing file is kept."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "config.toml"
    if path.exists():
        return path
    lines = ["# Khet installation settings. KHET_* environment variables override these.", ""]
    lines.append(f'secret_key = "{secrets.token_urlsafe(48)}"')
    if database_url:
        lines.append(f"database_url = {_toml_string(database_url)}")
    else:
        lines.append('# database_url = "postgresql://khet@localhost/khet"')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the secret key is for this user only
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _password_checker(username_of):
    """A click value_proc refusing weak passwords, so a prompt asks again."""

    def check(password: str) -> str:
        from core import security

        problems = security.password_problems(password, username_of())
        if problems:
            raise click.UsageError(" ".join(problems))
        return password

    return check


@cli.command("init", with_appcontext=False)
@click.option("--database-url", default=None, help="Default: SQLite in the instance folder.")
@click.option("--office-name", default=None, help="e.g. สำนักงานเขตพื้นที่การศึกษาประถมศึกษาชัยนาท")
@click.option("--letter-code", default="", help='Letter number prefix, e.g. "ศธ 04183".')
@click.option("--admin-username", default=None, help='Asked for when not given (default "admin").')
@click.option("--admin-password", default=None, envvar="KHET_ADMIN_PASSWORD", help="Or set KHET_ADMIN_PASSWORD.")
def init_command(database_url, office_name, letter_code, admin_username, admin_password):
    """Create a new installation: config with a random secret key, database, office and first admin."""
    from core import migrate, seed
    from core.config import read_config_file
    from core.db import db, write_transaction
    from core.models import Office, Person

    instance = default_instance_path()
    if database_url:
        check_database_url(normalise_database_url(database_url))
        configured = read_config_file(instance).get("DATABASE_URL")
        if configured and configured != database_url:
            raise click.ClickException(
                _("%(file)s already names another database; edit it instead of passing --database-url",
                  file=instance / "config.toml")
            )
    if admin_password is not None:  # refuse a weak password before anything is created
        try:
            _password_checker(lambda: admin_username or "admin")(admin_password)
        except click.UsageError as error:
            raise click.ClickException(error.message) from None
    path = _write_config(instance, database_url)
    click.echo(_("config: %(file)s", file=path))
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context(), force_locale(_terminal_locale(app)):
        _check_database(schema=False)
        click.echo(_("database migrated: %(components)s", components=", ".join(migrate.upgrade_all(app))))
        with write_transaction():
            office = Office.current()
            if office is None:
                office_name = office_name or click.prompt(_("Office name"))
            office = seed.seed_office(office_name or office.name, letter_code=letter_code)
            click.echo(_("office: %(name)s", name=office.name))
            admin = db.session.scalar(select(Person).where(Person.is_admin.is_(True)).order_by(Person.id).limit(1))
            if admin is not None:
                click.echo(_("admin account: %(username)s (already there; nothing changed)", username=admin.username))
            else:
                if admin_username is None:  # asked only at a terminal; a scripted install gets "admin"
                    admin_username = "admin" if admin_password else click.prompt(_("First admin's username"), default="admin")
                if admin_password is None:
                    admin_password = click.prompt(
                        _("First admin's password"), hide_input=True, confirmation_prompt=True,
                        value_proc=_password_checker(lambda: admin_username),
                    )
                _create_person(admin_username, admin_password, "ผู้ดูแล", "ระบบ", admin=True)
                click.echo(_("admin account: %(username)s", username=admin_username))
    click.echo(_("Done. Start with: khet run"))


@cli.group("db")
def db_group():
    """Database migrations."""


@db_group.command("upgrade", with_appcontext=False)
@app_command(schema=False)
def db_upgrade():
    """Bring core and every installed module to its newest schema."""
    from core import migrate

    for done in migrate.upgrade_components(current_app._get_current_object()):
        if done.changed:
            click.echo(_("%(component)s: migrated %(before)s → %(after)s", component=done.component,
                         before=done.before or _("(empty)"), after=done.after))
        else:
            click.echo(_("%(component)s: already at head (%(revision)s)", component=done.component, revision=done.after))


@db_group.command("check", with_appcontext=False)
@app_command(schema=False)
def db_check():
    """Fail when models and migrations disagree (what autogenerate would still write)."""
    from core import migrate

    found = migrate.differences(current_app._get_current_object())
    if found:
        for component, diff in found.items():
            for item in diff:
                click.echo(f"{component}: {item}", err=True)
        raise click.ClickException(_("models and migrations disagree: write the missing migrations"))
    click.echo(_("models and migrations agree"))


@db_group.command("current", with_appcontext=False)
@app_command(schema=False)
def db_current():
    """Show each component's current revision."""
    from core import migrate

    for component, revision in migrate.current_revisions(current_app._get_current_object()).items():
        click.echo(f"{component}: {revision or _('(empty)')}")


@db_group.command("revision", with_appcontext=False)
@click.argument("component")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Write an empty revision instead of comparing models.")
@app_command(schema=False)
def db_revision(component, message, empty):
    """Write a new revision for core or a module from the difference between models and database."""
    from core import migrate

    migrate.new_revision(current_app._get_current_object(), component, message, autogenerate=not empty)


# --- backup and restore --------------------------------------------------------


@cli.command("backup", with_appcontext=False)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@app_command(schema=False)
def backup_command(file):
    """Write the database and uploaded files into one file (default: khet-backup-<date>-<time>.zip)."""
    from core import backup

    file = file or Path(f"khet-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.zip")
    manifest = backup.create_backup(current_app._get_current_object(), file)
    rows = sum(table["rows"] for table in manifest["tables"])
    click.echo(_(
        "backup written: %(file)s (%(rows)d rows in %(tables)d tables, %(files)d uploaded files, %(size)s bytes)",
        file=file, rows=rows, tables=len(manifest["tables"]), files=manifest["files"]["count"],
        size=f"{file.stat().st_size:,}",
    ))
    for table in manifest["skipped_tables"]:
        click.echo(_("not backed up (no installed module owns it): %(table)s", table=table), err=True)


@cli.command("restore", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@app_command(schema=False)
def restore_command(file):
    """Load a backup into this installation, whose database and upload folder must be empty."""
    from core import backup

    report = backup.restore_backup(current_app._get_current_object(), file, log=click.echo)
    click.echo(_(
        "restored: %(rows)d rows in %(tables)d tables, %(files)d uploaded files (backup of %(created)s, Khet %(version)s)",
        rows=report["rows"], tables=report["tables"], files=report["files"], created=report["created_at"],
        version=report["khet_version"],
    ))


# --- modules -------------------------------------------------------------------


@cli.group("storage")
def storage_group():
    """Attachment files on disk."""


@storage_group.command("sweep", with_appcontext=False)
@click.option("--dry-run", is_flag=True, help="Only list what would be removed or finished.")
@click.option("--older-than-hours", type=float, default=None,
              help="Grace period; default: the ORPHAN_GRACE_HOURS setting (24).")
@app_command()
def storage_sweep(dry_run, older_than_hours):
    """Remove files left by killed processes (no row names them) and finish moves a crash interrupted."""
    from core.services.attachments import orphan_grace, sweep_orphans

    grace = dt.timedelta(hours=older_than_hours) if older_than_hours is not None else orphan_grace()
    report = sweep_orphans(grace, dry_run=dry_run)
    for name in report.removed:
        click.echo((_("would remove %(file)s", file=name) if dry_run else _("removed %(file)s", file=name)))
    for key in report.finished:
        click.echo((_("would finish storing %(file)s", file=key) if dry_run else _("finished storing %(file)s", file=key)))
    click.echo(report.summary())


@cli.group("plugins")
def plugins_group():
    """List, enable and disable modules."""


@plugins_group.command("list", with_appcontext=False)
@app_command()
def plugins_list():
    """Every installed module, whether it is on, and any that failed to load."""
    from core.plugins import registry

    reg = registry()
    enabled = reg.enabled_ids()
    allowed = current_app.config["PLUGINS_ALLOWED"]
    for plugin_id in reg.module_ids:
        info = reg.plugins[plugin_id].info
        state = "on " if plugin_id in enabled else "off"
        needs = "  " + _("needs: %(modules)s", modules=", ".join(info.requires)) if info.requires else ""
        barred = "  " + _("(not allowed by the configuration)") if allowed is not None and plugin_id not in allowed else ""
        click.echo(f"{state}  {plugin_id:<16} {info.version:<8} {info.name_th} / {info.name_en}{needs}{barred}")
    for name, error in reg.broken.items():
        click.echo(f"ERR  {name:<16} {error}")


def _switch(plugin_id: str, enabled: bool) -> None:
    from core.db import write_transaction
    from core.plugins import registry

    with write_transaction():
        registry().set_enabled(plugin_id, enabled, allowed=current_app.config["PLUGINS_ALLOWED"])
    click.echo(f"{plugin_id}: {_('enabled') if enabled else _('disabled')}")


@plugins_group.command("enable", with_appcontext=False)
@click.argument("plugin_id")
@app_command()
def plugins_enable(plugin_id):
    """Switch a module on."""
    _switch(plugin_id, True)


@plugins_group.command("disable", with_appcontext=False)
@click.argument("plugin_id")
@app_command()
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
        raise click.ClickException(_("the username '%(username)s' is taken", username=username))
    person = Person(username=username, first_name=first_name, last_name=last_name, is_admin=admin)
    security.set_password(person, password)
    db.session.add(person)
    db.session.commit()
    return person


@cli.group("user")
def user_group():
    """Sign-in accounts."""


@user_group.command("create", with_appcontext=False)
@click.argument("username")
@click.option("--first-name", required=True)
@click.option("--last-name", default="")
@click.option("--admin", is_flag=True, help="Full access to everything.")
@click.password_option("--password", help="Asked for when not given.")
@app_command()
def user_create(username, first_name, last_name, admin, password):
    """Create a person who can sign in."""
    from core.db import write_transaction

    with write_transaction():
        _create_person(username, password, first_name, last_name, admin=admin)
    click.echo(_("created %(username)s", username=username))


@user_group.command("set-password", with_appcontext=False)
@click.argument("username")
@click.password_option("--password", help="Asked for when not given.")
@app_command()
def user_set_password(username, password):
    """Set a person's password, end their open sessions and lift a sign-in lock-out."""
    from core import security
    from core.db import db, write_transaction
    from core.models import Person

    with write_transaction():
        person = db.session.scalar(select(Person).where(Person.username == username))
        if person is None:
            raise click.ClickException(_("no account called '%(username)s'", username=username))
        problems = security.password_problems(password, username)
        if problems:
            raise click.ClickException(" ".join(problems))
        security.set_password(person, password)
        db.session.commit()
        security.clear_failures(username)
    click.echo(_("password set for %(username)s", username=username))


# --- demo ----------------------------------------------------------------------


@cli.command("demo", with_appcontext=False)
@click.option("--serve/--no-serve", default=True, help="Start serving after seeding.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
def demo_command(serve, host, port):
    """Create (once) a demo office with schools, people and data in every module, then serve it."""
    from core import demo, migrate
    from core.db import write_transaction
    from core.models import Office

    _write_config(default_instance_path(), None)
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context(), force_locale(_terminal_locale(app)):
        _check_database(schema=False)
        click.echo(_("migrating the database ..."))
        migrate.upgrade_all(app)
        if Office.current() is None:
            click.echo(_("seeding the demo office (a year of letters takes a minute or two) ..."))
        with write_transaction():
            created = demo.seed_demo(progress=lambda line: click.echo(f"  {line}"))
    if created:
        click.echo(_("demo office created"))
        click.echo(_("sign in as admin / %(admin)s (or any demo person, password %(everyone)s)",
                     admin=demo.ADMIN_PASSWORD, everyone=demo.DEMO_PASSWORD))
    else:
        click.echo(_("an office already exists, so no demo data was added"))
    if serve:
        _serve(app, host, port)


def main() -> None:
    cli.main(prog_name="khet")


from core.scaffold import new_plugin_command  # noqa: E402

cli.add_command(new_plugin_command)


# --- scheduled jobs ------------------------------------------------------------------


@cli.group("jobs")
def jobs_group():
    """Scheduled jobs of core and the enabled modules; cron runs `khet jobs run` every few minutes."""


@jobs_group.command("run", with_appcontext=False)
@click.option("--job", "job_id", default=None, help="Run only this job, due or not (e.g. core.escalate_approvals).")
@app_command()
def jobs_run(job_id):
    """Run each due job once; exits 1 when a job failed (the others still ran)."""
    from core.services import jobs

    try:
        results = jobs.run_due(only=job_id)
    except KeyError:
        raise click.ClickException(_("There is no job %(id)s among the enabled modules' jobs.", id=job_id)) from None
    for result in results:
        if result.outcome != "not_due":
            click.echo(f"{result.job_id}: {result.outcome}{': ' + result.summary if result.summary else ''}")
    if any(result.outcome == "failed" for result in results):
        raise SystemExit(1)


@jobs_group.command("list", with_appcontext=False)
@app_command()
def jobs_list():
    """Every job of core and the enabled modules, how often it runs, and its last run."""
    from core import calendar
    from core.services import jobs

    last = jobs.last_runs()
    for job_id, job in jobs.scheduled_jobs().items():
        run = last.get(job_id)
        when = calendar.format_datetime(calendar.to_local(run.started_at), locale=_terminal_locale(current_app)) if run else "-"
        outcome = f"{run.outcome} {run.summary}".strip() if run else _("never run")
        minutes = int(job.every.total_seconds() // 60)
        click.echo(f"{job_id:<36} {_('every %(minutes)s min', minutes=minutes):<16} {when:<20} {outcome}")
