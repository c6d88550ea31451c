"""`khet backup` and `khet restore`: one portable file, checked before anything changes, exact after restore.

Each test builds its own installations (instance folder and database): on
SQLite, or on the server named by KHET_TEST_DATABASE_URL. The source holds
the demo office, uploaded files, and the type sample module's rows (one column
of every kind, a row pointing at a later row, a two-column primary key).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from flask.cli import ScriptInfo

from core import __version__, migrate
from core.app import create_app
from core.backup import decode_value, derived_tables, encode_value
from core.cli import cli
from core.db import db
from core.models import Person
from core.plugins import discover_entry_points
from core.storage import LocalStorage, get_storage
from core.testing import _server_database
from tests.fake_plugins import entry_point

SERVER_URL = os.environ.get("KHET_TEST_DATABASE_URL", "")
needs_server = pytest.mark.skipif(
    not SERVER_URL or SERVER_URL.startswith("sqlite"), reason="moving between databases needs KHET_TEST_DATABASE_URL"
)

# As the installation keeps them: attachments under storage keys (one archived), the office's logo beside them.
UPLOADS = {
    "3f/9a/3f9a1c00000000000000000000000000": bytes(range(256)) * 40,
    ".archive/ab/cd/abcd1200000000000000000000000000": "%PDF-1.4 คำสั่งแต่งตั้ง".encode(),
    "branding/logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
}


@pytest.fixture(scope="module")
def typesample():
    """The type sample module, for this test file only; its tables leave Khet's metadata afterwards."""
    from tests.fake_plugins.typesample import TABLES

    yield entry_point("typesample")
    for name in TABLES:
        if name in db.metadata.tables:
            db.metadata.remove(db.metadata.tables[name])


class Installations:
    """Makes new empty installations (instance folder and database) and removes them again."""

    def __init__(self, folder: Path, typesample):
        self.folder, self.typesample, self.apps, self.drops = folder, typesample, [], []

    def make(self, kind: str | None = None, entry_points=None):
        """A new installation: on the suite's database server, or SQLite with ``kind="sqlite"``."""
        number = len(self.apps)
        if kind == "sqlite" or not SERVER_URL or SERVER_URL.startswith("sqlite"):
            url = f"sqlite:///{self.folder / f'khet{number}.db'}"
        else:
            url, drop = _server_database(SERVER_URL)
            self.drops.append(drop)
        points = entry_points if entry_points is not None else [*discover_entry_points(), self.typesample]
        app = create_app(
            config={"DATABASE_URL": url, "SECRET_KEY": "backup-tests"},
            instance_path=self.folder / f"instance{number}", entry_points=points,
        )
        self.apps.append(app)
        return app

    def close(self):
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for drop in self.drops:
            drop()


@pytest.fixture
def installation(tmp_path, typesample):
    """``installation()`` makes a new empty installation; ``installation("sqlite")`` one on SQLite."""
    installations = Installations(tmp_path, typesample)
    yield installations.make
    installations.close()


@pytest.fixture(scope="module")
def office(tmp_path_factory, typesample, khet_demo_snapshot):
    """One seeded installation and its backup, shared by the tests that only read them."""
    installations = Installations(tmp_path_factory.mktemp("office"), typesample)
    source = installations.make()
    seed_source(source, khet_demo_snapshot)
    backup = back_up(source, installations.folder / "office.zip")
    yield source, backup
    installations.close()


def khet(app, *args):
    """Run `khet ...` against ``app``, as a person at a terminal would."""
    return CliRunner().invoke(cli, [str(arg) for arg in args], obj=ScriptInfo(create_app=lambda: app), env={"LANG": "C"})


def seed_source(app, demo_snapshot) -> None:
    """The demo office (copied from the test session's, ``core.testing.khet_demo_snapshot``), type sample rows and uploaded files."""
    from tests.fake_plugins.typesample.models import Record, Tag

    migrate.upgrade_all(app)
    demo_snapshot.restore(app)
    with app.app_context():
        admin = db.session.scalar(sa.select(Person).where(Person.username == "admin"))
        first = Record(
            title="บันทึกข้อความ ที่ ศธ 04999/123", day=dt.date(2024, 2, 29), at=dt.datetime(2025, 3, 1, 8, 30, 15, 123456),
            clock=dt.time(16, 30), flag=True, blob=bytes(range(256)), amount=decimal.Decimal("1234567.89"),
            document={"ผู้รับ": ["โรงเรียนวัดธรรมามูล"], "$date": "a key that looks like a tag", "n": [1, 2.5, None, True]},
            person_id=admin.id, note="ฉบับแรก",
        )
        second = Record(title="", flag=False, document=[], blob=b"", amount=decimal.Decimal("0.00"))
        third = Record(title="ร่าง", document={"$json": {"nested": "tag look-alike"}})
        db.session.add_all([first, second, third])
        db.session.flush()
        first.parent_id = third.id  # points at a later row
        third.parent_id = third.id  # and at itself
        db.session.add_all([Tag(record_id=first.id, name="ด่วน"), Tag(record_id=first.id, name="ลับ"), Tag(record_id=third.id, name="ด่วน")])
        db.session.commit()
    folder = Path(app.config["UPLOAD_FOLDER"])
    for name, content in UPLOADS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def table_rows(app) -> dict[str, list[dict]]:
    """Every row of every Khet table, in primary-key order, read through the models' types."""
    with app.app_context(), db.engine.connect() as connection:
        derived = derived_tables(connection)
        names = [n for n in sa.inspect(connection).get_table_names() if not n.startswith("alembic_version") and n not in derived]
        rows = {}
        for name in sorted(names):
            table = db.metadata.tables[name]
            key = list(table.primary_key.columns) or list(table.columns)
            rows[name] = [dict(row) for row in connection.execute(sa.select(table).order_by(*key)).mappings()]
        return rows


def uploaded_files(app) -> dict[str, bytes]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def database_tables(app) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        return sa.inspect(connection).get_table_names()


def rewrite(source: Path, target: Path, change) -> None:
    """Copy a backup, passing each member's bytes through ``change(name, data)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info.filename)))


def back_up(app, path: Path) -> Path:
    result = khet(app, "backup", path)
    assert result.exit_code == 0, result.output
    return path


# --- the round trip ----------------------------------------------------------------------


def whole_seconds(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Rows as MariaDB keeps them: its DATETIME and TIME columns drop fractions of a second."""

    def cut(value):
        return value.replace(microsecond=0) if isinstance(value, (dt.datetime, dt.time)) else value

    return {name: [{k: cut(v) for k, v in row.items()} for row in found] for name, found in rows.items()}


def assert_same_installation(source, target) -> None:
    source_rows, target_rows = table_rows(source), table_rows(target)
    # A restore gives every cache stamp a new token (core.cache), so that no worker keeps the old data's menus.
    source_stamps, target_stamps = source_rows.pop("core_cache_stamp"), target_rows.pop("core_cache_stamp")
    assert [row["name"] for row in target_stamps] == [row["name"] for row in source_stamps]
    assert not {row["token"] for row in target_stamps} & {row["token"] for row in source_stamps}
    if target.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql") and not source.config["SQLALCHEMY_DATABASE_URI"].startswith("mysql"):
        source_rows = whole_seconds(source_rows)
    assert source_rows.keys() == target_rows.keys()
    for name in source_rows:
        assert target_rows[name] == source_rows[name], name
    assert uploaded_files(target) == uploaded_files(source)
    assert uploaded_files(target).items() >= UPLOADS.items()
    assert migrate.current_revisions(target) == migrate.current_revisions(source)


def assert_new_rows_get_fresh_ids(source, target) -> None:
    """After a restore the next generated id follows the restored ones (PostgreSQL sequences, MariaDB counters)."""
    from tests.fake_plugins.typesample.models import Record

    with source.app_context():
        highest_person = db.session.scalar(sa.select(sa.func.max(Person.id)))
        highest_record = db.session.scalar(sa.select(sa.func.max(Record.id)))
    with target.app_context():
        person = Person(username="after_restore", first_name="ใหม่", last_name="หลังกู้คืน")
        record = Record(title="หลังกู้คืน")
        db.session.add_all([person, record])
        db.session.commit()
        assert person.id == highest_person + 1
        assert record.id == highest_record + 1


def test_restore_brings_back_every_row_and_file_and_new_rows_get_fresh_ids(office, installation):
    source, backup = office
    target = installation()

    result = khet(target, "restore", backup)

    assert result.exit_code == 0, result.output
    assert "restored:" in result.output
    assert_same_installation(source, target)
    assert_new_rows_get_fresh_ids(source, target)


@needs_server
def test_an_office_moves_from_sqlite_to_the_database_server(installation, tmp_path, khet_demo_snapshot):
    source = installation("sqlite")
    seed_source(source, khet_demo_snapshot)
    backup = back_up(source, tmp_path / "from-sqlite.zip")
    target = installation()

    assert khet(target, "restore", backup).exit_code == 0
    assert_same_installation(source, target)
    assert_new_rows_get_fresh_ids(source, target)


@needs_server
def test_an_office_moves_from_the_database_server_back_to_sqlite(installation, tmp_path, khet_demo_snapshot):
    source = installation()
    seed_source(source, khet_demo_snapshot)
    backup = back_up(source, tmp_path / "from-server.zip")
    target = installation("sqlite")

    assert khet(target, "restore", backup).exit_code == 0
    assert_same_installation(source, target)


def test_an_older_backup_is_restored_at_its_own_revision_then_migrated(installation, tmp_path):
    """A backup made before the type sample's second revision still restores into today's Khet."""
    source = installation()
    migrate.upgrade_all(source)
    with source.app_context():
        component = next(c for c in migrate.components(source) if c.id == "typesample")
        with db.engine.connect() as connection:
            command.downgrade(migrate._config(component, connection), "ts0001")
            connection.commit()
            old_table = sa.table("typesample_record", sa.column("id"), sa.column("title"), sa.column("flag"))
            connection.execute(sa.insert(old_table), [{"id": 7, "title": "ก่อนมีหมายเหตุ", "flag": True}])
            connection.commit()
    backup = back_up(source, tmp_path / "old.zip")
    with zipfile.ZipFile(backup) as archive:
        assert json.loads(archive.read("manifest.json"))["revisions"]["typesample"] == "ts0001"
    target = installation()

    assert khet(target, "restore", backup).exit_code == 0

    assert migrate.current_revisions(target)["typesample"] == "ts0002"
    [record] = table_rows(target)["typesample_record"]
    assert (record["id"], record["title"], record["flag"], record["note"]) == (7, "ก่อนมีหมายเหตุ", True, "")


# --- the file ----------------------------------------------------------------------------


def test_the_manifest_names_version_revisions_row_counts_and_each_members_checksum(office):
    source, backup = office

    with zipfile.ZipFile(backup) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    assert manifest["khet_version"] == __version__
    assert manifest["revisions"] == migrate.current_revisions(source)
    rows = table_rows(source)
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {name: len(found) for name, found in rows.items()}
    assert manifest["members"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in members.items()
    }
    assert {name[len("files/"):]: data for name, data in members.items() if name.startswith("files/")} == uploaded_files(source)
    people = [json.loads(line) for line in members["database/core_person.jsonl"].decode().splitlines()]
    assert [p["id"] for p in people] == sorted(p["id"] for p in people)  # primary-key order


def test_values_keep_their_type_through_the_portable_form():
    values = [
        None, True, 0, -5, "ไทย", 2.5, dt.date(2025, 1, 31), dt.datetime(2025, 1, 31, 23, 59, 59, 999999),
        dt.time(8, 30), dt.timedelta(days=2, seconds=5), decimal.Decimal("0.10"), b"\x00\xff", float("inf"),
    ]
    for value in values:
        assert decode_value(json.loads(json.dumps(encode_value(value)))) == value
    document = {"$date": "not a date"}
    assert decode_value(json.loads(json.dumps(encode_value(document, is_json=True)))) == document


def test_backup_does_not_overwrite_an_existing_file(office, tmp_path):
    source, _backup = office
    existing = tmp_path / "office.zip"
    existing.write_bytes(b"keep me")

    result = khet(source, "backup", existing)

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert existing.read_bytes() == b"keep me"


# --- refusals that change nothing --------------------------------------------------------


def assert_untouched(target) -> None:
    assert database_tables(target) == []
    assert uploaded_files(target) == {}


def test_a_backup_altered_after_writing_is_refused_and_nothing_changes(office, installation, tmp_path):
    _source, backup = office
    altered = tmp_path / "altered.zip"
    rewrite(backup, altered, lambda name, data: data.replace(b"admin", b"owned") if name == "database/core_person.jsonl" else data)
    target = installation()

    result = khet(target, "restore", altered)

    assert result.exit_code == 1
    assert "database/core_person.jsonl does not match its checksum" in result.output
    assert "Traceback" not in result.output
    assert_untouched(target)


def test_a_backup_from_a_newer_khet_is_refused_and_nothing_changes(office, installation, tmp_path):
    _source, backup = office
    newer = tmp_path / "newer.zip"

    def future(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revisions"]["core"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    rewrite(backup, newer, future)
    target = installation()

    result = khet(target, "restore", newer)

    assert result.exit_code == 1
    assert "this installation lacks revision 9999_from_the_future of 'core'" in result.output
    assert_untouched(target)


def test_a_backup_holding_a_module_not_installed_here_is_refused(office, installation, tmp_path):
    _source, backup = office
    target = installation(entry_points=discover_entry_points())  # no type sample module here

    result = khet(target, "restore", backup)

    assert result.exit_code == 1
    assert "the module 'typesample', which is not installed here" in result.output
    assert_untouched(target)


def test_restore_into_a_database_that_holds_data_is_refused(office, installation, tmp_path):
    _source, backup = office
    target = installation()
    migrate.upgrade_all(target)
    with target.app_context():
        db.session.add(Person(first_name="มีอยู่แล้ว", username="already_here"))
        db.session.commit()

    result = khet(target, "restore", backup)

    assert result.exit_code == 1
    assert "the database already holds data" in result.output
    with target.app_context():
        assert db.session.scalars(sa.select(Person.username)).all() == ["already_here"]


def test_restore_into_an_installation_with_uploaded_files_is_refused(office, installation, tmp_path):
    _source, backup = office
    target = installation()
    stray = Path(target.config["UPLOAD_FOLDER"]) / "old.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("from before")

    result = khet(target, "restore", backup)

    assert result.exit_code == 1
    assert "is not empty" in result.output
    assert database_tables(target) == []


def test_a_file_that_is_not_a_backup_is_refused(installation, tmp_path):
    target = installation()
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("just text")
    other_zip = tmp_path / "photos.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8")

    for path in (not_zip, other_zip):
        result = khet(target, "restore", path)
        assert result.exit_code == 1
        assert "not a Khet backup" in result.output
    assert database_tables(target) == []


def test_a_member_with_a_path_outside_the_upload_folder_is_refused(office, installation, tmp_path):
    _source, backup = office
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(backup) as old, zipfile.ZipFile(evil, "w") as new:
        manifest = json.loads(old.read("manifest.json"))
        for info in old.infolist():
            if info.filename != "manifest.json":
                new.writestr(info, old.read(info.filename))
        payload = b"escaped"
        new.writestr("files/../../escaped.txt", payload)
        manifest["members"]["files/../../escaped.txt"] = {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        new.writestr("manifest.json", json.dumps(manifest))
    target = installation()

    result = khet(target, "restore", evil)

    assert result.exit_code == 1
    assert "unsafe name" in result.output
    assert not (tmp_path / "escaped.txt").exists()
    assert database_tables(target) == []



class FarStorage(LocalStorage):
    """A backend whose files are not in UPLOAD_FOLDER (as an object store's are not): backup must ask it."""

    @classmethod
    def from_app(cls, app):
        return cls(Path(app.instance_path) / "far-storage")


def test_backup_and_restore_read_and_write_files_through_the_storage(installation, tmp_path):
    source = installation("sqlite")
    source.config["ATTACHMENT_STORAGE"] = "tests.test_backup:FarStorage"
    migrate.upgrade_all(source)
    with source.app_context():
        storage = get_storage(source)
        incoming = storage.receive(io.BytesIO(b"far away"))
        storage.store(incoming, "0a/0b/0a0b0000000000000000000000000000")
    backup = back_up(source, tmp_path / "far.zip")
    with zipfile.ZipFile(backup) as archive:
        assert archive.read("files/0a/0b/0a0b0000000000000000000000000000") == b"far away"
    target = installation("sqlite")
    target.config["ATTACHMENT_STORAGE"] = "tests.test_backup:FarStorage"

    assert khet(target, "restore", backup).exit_code == 0

    with target.app_context():
        with get_storage(target).open("0a/0b/0a0b0000000000000000000000000000") as restored:
            assert restored.read() == b"far away"
    assert uploaded_files(target) == {}  # nothing went around the storage into the upload folder
