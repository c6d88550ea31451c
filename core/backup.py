"""`khet backup` and `khet restore`: an installation's data in one file, portable between databases.

The file is a zip archive:

``manifest.json``
    format, Khet version, each component's Alembic revision, the tables with
    their row counts, the uploaded files, and the SHA-256 of every member.
``database/<table>.jsonl``
    one JSON object per row, in primary-key order.
``files/<key>``, ``files/.archive/<key>``, ``files/branding/<name>``
    the stored files, read through the installation's storage (``core.storage``,
    whatever its backend): those in service, the archived ones, and the office's
    logo folder, which lives in the UPLOAD_FOLDER beside the storage.

Rows are written in a dialect-neutral form, so a backup of SQLite loads into
PostgreSQL or MariaDB (an office moving to a bigger server) and back. Values
JSON cannot hold as they are carry a one-key tag: ``{"$date": "2025-01-31"}``,
``$datetime``, ``$time``, ``$interval`` (seconds), ``$decimal``, ``$bytes``
(base64), ``$uuid``, ``$float`` (NaN, infinities); the document of a JSON
column is wrapped in ``{"$json": ...}`` so that it can never be read as a tag.

Restoring refuses a damaged or altered file and a database that already holds
data, before it changes anything. It migrates each component to the revision
in the manifest, loads the rows in foreign-key order, resets PostgreSQL
sequences and MariaDB AUTO_INCREMENT counters, puts the files in place, and
then migrates everything to this installation's newest schema. Files go back
through the storage the way uploads do: staged under their keys before the rows
load, put in service once the rows are committed, discarded if the load fails.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import functools
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import uuid
import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_babel import gettext as _

import core
from core import cache, migrate
from core.db import db, utcnow, write_transaction
from core.storage import KEY_PATTERN, get_storage

FORMAT = "khet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FOLDER = "database/"
FILES_FOLDER = "files/"
ARCHIVED = ".archive/"  # files/.archive/<key>: a file the storage keeps archived
BRANDING = "branding"  # the office's logo (core/views/admin/office.py), in the UPLOAD_FOLDER itself
BATCH_ROWS = 1000
CHUNK_BYTES = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why (and that nothing was changed)."""


@contextlib.contextmanager
def _app_context(app):
    """The app's context: the caller's when it already has one (the CLI's carries the terminal's language)."""
    if current_app and current_app._get_current_object() is app:
        yield
    else:
        with app.app_context():
            yield


def script_directory(component: migrate.Component) -> ScriptDirectory:
    """The Alembic revisions of one component (core or a module)."""
    return ScriptDirectory(str(migrate.ENV_FOLDER), version_locations=[str(component.folder)])


# --- values ----------------------------------------------------------------------


def encode_value(value, is_json: bool = False):
    """A column value as JSON, tagged when JSON alone would lose its type."""
    if is_json:
        return None if value is None else {"$json": value}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$interval": value.total_seconds()}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if hasattr(value, "name") and hasattr(value, "value"):  # a Python Enum stored by an Enum column
        return value.name
    raise TypeError(f"cannot write a {type(value).__name__} value")


_DECODERS = {
    "$json": lambda v: v,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$interval": lambda v: dt.timedelta(seconds=v),
    "$decimal": decimal.Decimal,
    "$bytes": base64.b64decode,
    "$uuid": uuid.UUID,
    "$float": float,
}


def decode_value(value):
    """The inverse of encode_value."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _DECODERS:
            return _DECODERS[tag](inner)
    return value


# --- what is in the database -------------------------------------------------------


def _owner(table_name: str, component_ids) -> str | None:
    return next((cid for cid in component_ids if table_name.startswith(f"{cid}_")), None)


def derived_tables(connection) -> set[str]:
    """Tables the database keeps itself (SQLite full-text indexes and their shadow tables).

    Never backed up: the triggers that feed them rebuild them as the rows they index are restored.
    """
    if connection.dialect.name != "sqlite":
        return set()
    return {row[1] for row in connection.exec_driver_sql("PRAGMA main.table_list") if row[2] in ("virtual", "shadow")}


def _data_tables(connection, component_ids) -> tuple[list[str], list[str]]:
    """(tables owned by an installed component, other tables), as the database has them now."""
    derived = derived_tables(connection)
    names = sorted(sa.inspect(connection).get_table_names())
    names = [name for name in names if not name.startswith("alembic_version") and name not in derived]
    owned = [name for name in names if _owner(name, component_ids)]
    return owned, [name for name in names if name not in owned]


def _reflect(connection, names) -> sa.MetaData:
    reflected = sa.MetaData()
    reflected.reflect(connection, only=list(names))
    return reflected


def _typed_table(reflected_table: sa.Table) -> sa.TableClause:
    """The table's columns as the database has them, typed by the model where the model knows the column.

    Model types read and write values the same way on every database (JSON on
    MariaDB is text underneath; booleans are integers); reflected types cover
    columns of an older revision that the models no longer describe.
    """
    model = db.metadata.tables.get(reflected_table.name)
    columns = []
    for column in reflected_table.columns:
        known = model.columns.get(column.name) if model is not None else None
        columns.append(sa.column(column.name, known.type if known is not None else column.type))
    return sa.table(reflected_table.name, *columns)


def _is_json(column) -> bool:
    return isinstance(column.type, sa.JSON)


def _sort_key(reflected_table: sa.Table, typed: sa.TableClause) -> list:
    keys = [typed.c[column.name] for column in reflected_table.primary_key.columns]
    if keys:
        return keys
    # No primary key: every column a database can compare, in order.
    return [column for column in typed.c if not _is_json(column) and not isinstance(column.type, sa.LargeBinary)]


def _ordered_tables(reflected: sa.MetaData, names) -> tuple[list[sa.Table], dict[str, set[str]]]:
    """Tables parents first, and per table the foreign-key columns to fill in after every row is in.

    Those are self-references and references inside a cycle: no order of
    inserts can satisfy them, so rows go in with them empty and get them after.
    """
    tables = [reflected.tables[name] for name in names]
    ordered, deferred = [], {}
    for table, constraints in sa.schema.sort_tables_and_constraints(tables):
        if table is not None:
            ordered.append(table)
            for constraint in table.foreign_key_constraints:
                if constraint.referred_table is table:
                    _defer(deferred, constraint)
        else:
            for constraint in constraints:
                _defer(deferred, constraint)
    return ordered, deferred


def _defer(deferred: dict[str, set[str]], constraint) -> None:
    if all(column.nullable for column in constraint.columns):
        deferred.setdefault(constraint.table.name, set()).update(column.name for column in constraint.columns)


# --- writing a backup ----------------------------------------------------------------


class _HashingWriter(io.RawIOBase):
    """Writes through to a zip member, counting bytes and hashing them on the way."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, data):
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


@contextlib.contextmanager
def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, members: dict):
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as raw:
        writer = _HashingWriter(raw)
        yield writer
    members[info.filename] = {"sha256": writer.sha256.hexdigest(), "size": writer.size}


@contextlib.contextmanager
def _snapshot(engine):
    """One read transaction that sees every table as of one moment."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name in ("postgresql", "mysql") else {}
    with engine.connect() as connection:
        connection = connection.execution_options(**options)
        with connection.begin():
            yield connection


def _write_table(connection, reflected_table, writer) -> int:
    typed = _typed_table(reflected_table)
    json_columns = {column.name for column in typed.c if _is_json(column)}
    query = sa.select(*typed.c).order_by(*_sort_key(reflected_table, typed))
    result = connection.execution_options(stream_results=True, max_row_buffer=BATCH_ROWS).execute(query)
    buffered = io.BufferedWriter(writer, CHUNK_BYTES)
    count = 0
    for row in result.mappings():
        try:
            record = {name: encode_value(value, name in json_columns) for name, value in row.items()}
        except TypeError as error:
            raise BackupError(f"{reflected_table.name}: {error}") from error  # a programming error, for developers
        buffered.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        count += 1
    buffered.flush()
    return count


def _upload_files(folder: Path):
    """Every regular file under the upload folder, in a repeatable order, as (path, name inside it)."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(folder).as_posix()


def _files_to_back_up(app):
    """(name under files/, a function opening it) of every file to keep, in a repeatable order.

    The storage's files are read through its interface, so a backend other than
    the local folder is backed up too; the logo folder is read from the disk.
    """
    storage = get_storage(app)
    for key in sorted(storage.stored_keys()):
        yield key, functools.partial(storage.open, key)
    for key in sorted(storage.archived_keys()):
        yield ARCHIVED + key, functools.partial(storage.open_archived, key)
    for path, name in _upload_files(Path(app.config["UPLOAD_FOLDER"]) / BRANDING):
        yield f"{BRANDING}/{name}", functools.partial(path.open, "rb")


def create_backup(app, target: str | Path, log: Log | None = None) -> dict:
    """Write the database and the uploaded files of ``app`` into the file ``target``; returns the manifest.

    The file appears only when it is complete (written as ``<target>.partial`` first).
    """
    log = log or (lambda _message: None)
    target = Path(target)
    if target.exists():
        raise BackupError(_("%(file)s already exists; give another file name", file=target))
    if not target.parent.is_dir():
        raise BackupError(_("the folder %(folder)s does not exist", folder=target.parent))
    partial = target.with_name(f"{target.name}.partial")
    members: dict[str, dict] = {}
    try:
        with _app_context(app), zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
            revisions = migrate.current_revisions(app)
            if revisions.get("core") is None:
                raise BackupError(_("the database is not set up: there is nothing to back up"))
            component_ids = [component.id for component in migrate.components(app)]
            tables = []
            with _snapshot(db.engine) as connection:
                owned, skipped = _data_tables(connection, component_ids)
                reflected = _reflect(connection, owned)
                ordered, _deferred = _ordered_tables(reflected, owned)
                for table in ordered:
                    info = zipfile.ZipInfo(f"{DATABASE_FOLDER}{table.name}.jsonl", _zip_time(dt.datetime.now()))
                    with _member(archive, info, members) as writer:
                        rows = _write_table(connection, table, writer)
                    tables.append({"name": table.name, "component": _owner(table.name, component_ids), "rows": rows})
            log(_("database: %(rows)d rows in %(tables)d tables", rows=sum(t["rows"] for t in tables), tables=len(tables)))
            file_count, file_bytes = 0, 0
            for name, open_file in _files_to_back_up(app):
                info = zipfile.ZipInfo(f"{FILES_FOLDER}{name}", _zip_time(dt.datetime.now()))
                try:
                    source = open_file()
                except FileNotFoundError:  # deleted since it was listed: it is gone from the site too
                    continue
                with source, _member(archive, info, members) as writer:
                    shutil.copyfileobj(source, writer, CHUNK_BYTES)
                file_count += 1
                file_bytes += members[info.filename]["size"]
            log(_("uploaded files: %(count)d", count=file_count))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "khet_version": core.__version__,
                "created_at": utcnow().isoformat(timespec="seconds") + "Z",
                "source_database": db.engine.dialect.name,
                "revisions": revisions,
                "tables": tables,
                "skipped_tables": skipped,
                "files": {"count": file_count, "bytes": file_bytes},
                "members": members,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2), zipfile.ZIP_DEFLATED)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _zip_time(moment: dt.datetime) -> tuple:
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


# --- reading and checking a backup ---------------------------------------------------


_TABLE_MEMBER = re.compile(r"^database/([a-z0-9_]+)\.jsonl$")


def _safe_file_name(name: str) -> str | None:
    """The path under files/ if it is a plain relative path, else None."""
    if not name.startswith(FILES_FOLDER) or "\\" in name:
        return None
    relative = PurePosixPath(name[len(FILES_FOLDER):])
    if relative.is_absolute() or not relative.parts or any(part in ("", ".", "..") for part in relative.parts):
        return None
    return relative.as_posix()


def read_manifest(archive: zipfile.ZipFile, source: Path) -> dict:
    """The manifest of a backup, after checking every member against its SHA-256; BackupError if anything is off."""
    refused = _("%(file)s cannot be restored", file=source)
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise BackupError(f"{refused}: " + _("it is not a Khet backup (it has no %(name)s)", name=MANIFEST)) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BackupError(f"{refused}: " + _("its %(name)s is implausibly large", name=MANIFEST))
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile) as error:
        raise BackupError(f"{refused}: " + _("its %(name)s cannot be read (%(error)s)", name=MANIFEST, error=error)) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{refused}: " + _("it is not a Khet backup"))
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(f"{refused}: " + _(
            "it was written by a newer Khet (%(version)s); upgrade Khet first", version=manifest.get("khet_version")
        ))
    members = manifest.get("members", {})
    present = set(archive.namelist()) - {MANIFEST}
    if present - set(members):
        raise BackupError(f"{refused}: " + _(
            "it holds members its manifest does not list: %(names)s", names=", ".join(sorted(present - set(members)))
        ))
    if set(members) - present:
        raise BackupError(f"{refused}: " + _(
            "members listed in its manifest are missing: %(names)s", names=", ".join(sorted(set(members) - present))
        ))
    for name in members:
        if not _TABLE_MEMBER.match(name) and _safe_file_name(name) is None:
            raise BackupError(f"{refused}: " + _("it holds a member with an unsafe name: %(name)r", name=name))
    for table in manifest.get("tables", []):
        if f"{DATABASE_FOLDER}{table['name']}.jsonl" not in members:
            raise BackupError(f"{refused}: " + _("the rows of table %(table)s are missing", table=table["name"]))
    for name, expected in sorted(members.items()):
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as member:
                while chunk := member.read(CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as error:  # includes zip's own CRC check
            raise BackupError(f"{refused}: " + _(
                "%(name)s is damaged (%(error)s); nothing was changed", name=name, error=error
            )) from error
        if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
            raise BackupError(f"{refused}: " + _(
                "%(name)s does not match its checksum, so the file is damaged or was altered; nothing was changed",
                name=name,
            ))
    return manifest


# --- restoring ---------------------------------------------------------------------------


def _check_revisions(app, manifest: dict) -> dict[str, migrate.Component]:
    """Each component of the backup must be installed here and this code must know its revision."""
    installed = {component.id: component for component in migrate.components(app)}
    current = migrate.current_revisions(app)
    wanted = {cid: rev for cid, rev in (manifest.get("revisions") or {}).items() if rev is not None}
    if "core" not in wanted:
        raise BackupError(_("the backup names no core revision; it cannot be restored"))
    for component_id, revision in wanted.items():
        component = installed.get(component_id)
        if component is None:
            raise BackupError(_(
                "the backup holds data of the module '%(module)s', which is not installed here; install it first",
                module=component_id,
            ))
        if component.folder is None:
            raise BackupError(_(
                "the module '%(module)s' here has no migrations, but the backup names its revision %(revision)s",
                module=component_id, revision=revision,
            ))
        script = script_directory(component)
        try:
            script.get_revision(revision)
        except CommandError:
            raise BackupError(_(
                "this installation lacks revision %(revision)s of '%(module)s': the backup was made by a newer Khet"
                " (%(version)s); upgrade Khet here first",
                revision=revision, module=component_id, version=manifest.get("khet_version"),
            )) from None
        now = current.get(component_id)
        if now is not None and now != revision:
            earlier = {step.revision for step in script.walk_revisions("base", revision)}
            if now not in earlier:
                raise BackupError(_(
                    "the database here is at a newer revision of '%(module)s' (%(now)s) than the backup (%(revision)s);"
                    " restore into a new, empty database",
                    module=component_id, now=now, revision=revision,
                ))
    return {component_id: installed[component_id] for component_id in wanted}


def _check_empty(app) -> None:
    with db.engine.connect() as connection:
        owned, others = _data_tables(connection, [component.id for component in migrate.components(app)])
        for name in owned + others:
            if connection.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first():
                raise BackupError(_(
                    "the database already holds data (table %(table)s has rows): restore only into an empty database",
                    table=name,
                ))
    folder = Path(app.config["UPLOAD_FOLDER"])
    storage = get_storage(app)
    if any(next(keys, None) is not None for keys in (
        _upload_files(folder), iter(storage.stored_keys()), iter(storage.archived_keys()), iter(storage.staged_keys()),
    )):
        raise BackupError(_(
            "the upload folder %(folder)s is not empty: restore only into an empty installation", folder=folder
        ))


def _migrate_to(app, components: dict[str, migrate.Component], revisions: dict) -> None:
    for component in migrate.components(app):  # core first, then modules in dependency order
        if component.id in components:
            with db.engine.connect() as connection:
                command.upgrade(migrate._config(component, connection), revisions[component.id])
                connection.commit()


def _rows(archive: zipfile.ZipFile, table_name: str):
    with archive.open(f"{DATABASE_FOLDER}{table_name}.jsonl") as member:
        for line in io.TextIOWrapper(member, encoding="utf-8"):
            if line.strip():
                yield {name: decode_value(value) for name, value in json.loads(line).items()}


def _load_rows(connection, archive: zipfile.ZipFile, manifest: dict, log: Log) -> int:
    """Insert every row, parents first; self- and cyclic references are filled in afterwards."""
    names = [table["name"] for table in manifest["tables"]]
    existing = set(sa.inspect(connection).get_table_names())
    missing = [name for name in names if name not in existing]
    if missing:
        raise BackupError(_(
            "the migrated database has no table %(tables)s; the backup does not fit this Khet", tables=", ".join(missing)
        ))
    reflected = _reflect(connection, names)
    ordered, deferred = _ordered_tables(reflected, names)
    total = 0
    later = []  # (typed table, primary key names, postponed names, the rows' postponed values)
    for table in ordered:
        typed = _typed_table(table)
        statement = sa.insert(typed)
        keys = [column.name for column in table.primary_key.columns]
        postponed = deferred.get(table.name, set())
        fill_in: list[dict] = []
        batch = []
        for row in _rows(archive, table.name):
            unknown = set(row) - set(typed.c.keys())
            if unknown:
                raise BackupError(_(
                    "table %(table)s here has no column %(columns)s", table=table.name, columns=", ".join(sorted(unknown))
                ))
            if postponed and any(row.get(name) is not None for name in postponed):
                fill_in.append({**{f"key_{k}": row[k] for k in keys}, **{f"new_{n}": row.get(n) for n in postponed}})
                row = {**row, **{name: None for name in postponed}}
            batch.append(row)
            total += 1
            if len(batch) >= BATCH_ROWS:
                connection.execute(statement, batch)
                batch = []
        if batch:
            connection.execute(statement, batch)
        if fill_in:
            later.append((typed, keys, postponed, fill_in))
    for typed, keys, postponed, fill_in in later:
        if not keys:
            raise BackupError(_(
                "table %(table)s refers to itself but has no primary key; it cannot be restored", table=typed.name
            ))
        statement = (
            sa.update(typed)
            .where(*[typed.c[k] == sa.bindparam(f"key_{k}") for k in keys])
            .values({name: sa.bindparam(f"new_{name}") for name in postponed})
        )
        connection.execute(statement, fill_in)
    log(_("database: %(rows)d rows in %(tables)d tables", rows=total, tables=len(ordered)))
    return total


def _reset_counters(connection, table_names) -> None:
    """Make the next generated id follow the restored ones (PostgreSQL sequences, MariaDB AUTO_INCREMENT)."""
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "mysql"):
        return  # SQLite takes the next rowid from the table itself
    quote = connection.dialect.identifier_preparer.quote
    reflected = _reflect(connection, table_names)
    for name in table_names:
        keys = list(reflected.tables[name].primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        column = keys[0].name
        highest = connection.execute(sa.text(f"SELECT MAX({quote(column)}) FROM {quote(name)}")).scalar() or 0
        if dialect == "postgresql":
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": quote(name), "column": column}
            ).scalar()
            if sequence:
                connection.execute(sa.text("SELECT setval(CAST(:sequence AS regclass), :next, false)"), {"sequence": sequence, "next": highest + 1})
        elif keys[0].autoincrement is True:
            connection.execute(sa.text(f"ALTER TABLE {quote(name)} AUTO_INCREMENT = {int(highest) + 1}"))


class _StagedFiles:
    """The backup's files on their way in: staged in the storage (and a logo folder beside it) until the rows commit."""

    def __init__(self, app, log: Log):
        self.storage = get_storage(app)
        self.folder = Path(app.config["UPLOAD_FOLDER"])
        self.log = log
        self.keys: list[str] = []
        self.archived: list[str] = []
        self.branding: Path | None = None

    def stage(self, archive: zipfile.ZipFile, manifest: dict) -> None:
        skipped = 0
        for name in sorted(name for name in manifest["members"] if name.startswith(FILES_FOLDER)):
            relative = _safe_file_name(name)
            archived = relative.startswith(ARCHIVED)
            key = relative[len(ARCHIVED):] if archived else relative
            if KEY_PATTERN.match(key):
                with archive.open(name) as source:
                    incoming = self.storage.receive(source)
                self.storage.stage(incoming, key)
                (self.archived if archived else self.keys).append(key)
            elif relative.startswith(BRANDING + "/"):
                if self.branding is None:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self.branding = self.folder / f".{BRANDING}.restoring-{secrets.token_hex(4)}"
                path = self.branding / relative[len(BRANDING) + 1:]
                path.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as source, path.open("wb") as target:
                    shutil.copyfileobj(source, target, CHUNK_BYTES)
            else:  # an unfinished upload of the old installation (.incoming/up-*): no row names it
                skipped += 1
        if skipped:
            self.log(_("left out: %(count)d unfinished uploads", count=skipped))

    def discard(self) -> None:
        for key in self.keys + self.archived:
            self.storage.discard_staged(key)
        if self.branding is not None:
            shutil.rmtree(self.branding, ignore_errors=True)

    def finish(self) -> None:
        for key in self.keys + self.archived:
            self.storage.finish(key)
        for key in self.archived:
            self.storage.archive(key)
        if self.branding is not None:
            target = self.folder / BRANDING
            if target.exists():
                shutil.rmtree(target)  # holds no files (checked): only empty folders
            os.replace(self.branding, target)


def restore_backup(app, source: str | Path, log: Log | None = None) -> dict:
    """Load the backup file ``source`` into the empty installation of ``app``; returns what was restored."""
    log = log or (lambda _message: None)
    source = Path(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(_(
            "%(file)s cannot be restored: it is not a Khet backup (%(error)s)", file=source, error=error
        )) from error
    with archive, _app_context(app):
        manifest = read_manifest(archive, source)
        log(_("checked: %(count)d members match their checksums", count=len(manifest["members"])))
        if db.engine.dialect.name == "mysql" and manifest.get("source_database") != "mysql":
            log(_("note: MariaDB keeps times to the whole second; fractions of a second are dropped"))
        components = _check_revisions(app, manifest)
        _check_empty(app)
        revisions = {cid: manifest["revisions"][cid] for cid in components}
        staged = _StagedFiles(app, log)
        try:
            staged.stage(archive, manifest)
            _migrate_to(app, components, revisions)
            log(_("schema: %(revisions)s", revisions=", ".join(f"{cid} {rev}" for cid, rev in revisions.items())))
            with write_transaction(), db.engine.connect() as connection:
                with connection.begin():
                    rows = _load_rows(connection, archive, manifest, log)
                    # Every worker's kept modules, grants and menus are of the old data: new stamps drop them.
                    # (A backup older than the stamps gets new ones from the migration that makes the table.)
                    if any(table["name"] == "core_cache_stamp" for table in manifest["tables"]):
                        cache.bump(connection, cache.STAMPS)
                _reset_counters(connection, [table["name"] for table in manifest["tables"]])
                connection.commit()
        except BaseException:
            staged.discard()
            raise
        staged.finish()
        upgraded = migrate.upgrade_all(app)
        log(_("migrated to this Khet's newest schema: %(components)s", components=", ".join(upgraded)))
    return {
        "rows": rows,
        "tables": len(manifest["tables"]),
        "files": manifest["files"]["count"],
        "created_at": manifest["created_at"],
        "khet_version": manifest["khet_version"],
        "revisions": revisions,
    }
