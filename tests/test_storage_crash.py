"""Issue 17, item 4: a worker killed with SIGKILL mid-upload leaves nothing the sweep does not clean up.

A real server process (the app served by werkzeug in a subprocess, on the test
database and upload folder) receives a room-photo upload and is killed at three
moments: while the body is still arriving, after the checked file was staged but
before its row committed, and after the commit but before the file was moved into
service. The sweep, once the grace period has passed, must remove exactly the
files no row names and finish the committed one; a photo saved normally stays.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from core.db import db
from core.testing import HttpBrowser
from core.services import attachments
from core.services.attachments import Attachment

pytestmark = pytest.mark.khet_plugins("rooms")

PASSWORD = "correct-horse-9"

SERVER = textwrap.dedent('''
    import os, sys, time
    from core.app import create_app
    from core import storage

    pause_at, signal_file = os.environ.get("PAUSE_AT"), os.environ.get("SIGNAL_FILE")

    def pause():
        open(signal_file, "w").close()
        time.sleep(600)  # the kill comes here

    if pause_at == "receive":  # the first chunk is on disk, the rest is still being copied
        original_incoming = storage.LocalStorage.incoming

        class Slow:
            def __init__(self, fh):
                self.fh = fh

            def write(self, data):
                self.fh.write(data)
                self.fh.flush()
                pause()

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.fh.close()

        def incoming(self):
            fh, path = original_incoming(self)
            return Slow(fh), path

        storage.LocalStorage.incoming = incoming
    elif pause_at:
        original = getattr(storage.LocalStorage, pause_at)

        def paused(self, *args):
            if pause_at == "stage":
                original(self, *args)
            pause()

        setattr(storage.LocalStorage, pause_at, paused)
    app = create_app(config={
        "DATABASE_URL": os.environ["DB_URL"], "SECRET_KEY": os.environ["SECRET"], "UPLOAD_FOLDER": os.environ["UPLOADS"],
        "BABEL_DEFAULT_LOCALE": "en",
    }, instance_path=os.environ["INSTANCE"])
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()
''')


def signed_in(port: int) -> HttpBrowser:
    browser = HttpBrowser(f"http://127.0.0.1:{port}")
    browser.sign_in("manager", PASSWORD)
    return browser


def upload(browser: HttpBrowser, path: str, name: str, content: bytes):
    return browser.start_multipart(path, {}, {"photos": (name, content, "image/png")})


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def serve(app, tmp_path):
    """``serve(pause_at=None|"receive"|"stage"|"finish")``: a server subprocess; returns (process, port, signal file)."""
    processes = []

    def start(pause_at=None):
        signal_file = tmp_path / f"paused-{len(processes)}"
        script = tmp_path / "server.py"
        script.write_text(SERVER)
        environment = dict(os.environ, PAUSE_AT=pause_at or "", SIGNAL_FILE=str(signal_file),
                           DB_URL=app.config["DATABASE_URL"], SECRET=app.config["SECRET_KEY"],
                           UPLOADS=app.config["UPLOAD_FOLDER"], INSTANCE=app.instance_path)
        process = subprocess.Popen([sys.executable, str(script)], env=environment, stdout=subprocess.PIPE, text=True)
        processes.append(process)
        port = int(process.stdout.readline())
        return process, port, signal_file

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_a_worker_killed_mid_upload_leaves_only_what_the_sweep_cleans_up(app, serve, make_person, grant, monkeypatch):
    from plugins.rooms import services
    from plugins.rooms.demo import _png
    from plugins.rooms.services import RoomFields

    uploads = Path(app.config["UPLOAD_FOLDER"])
    manager = make_person(username="manager", password=PASSWORD)
    grant("rooms.manage", to=manager)
    room = services.save_room(None, RoomFields(name="ห้องประชุมใหญ่", capacity=20), manager)
    db.session.commit()
    path = f"/rooms/manage/{room.id}/photos"
    photo = _png(400, 300, (10, 120, 200))
    before = files_under(uploads)

    # A photo saved normally: referenced, must survive every sweep.
    process, port, _ = serve()
    browser = signed_in(port)
    response = upload(browser, path, "kept.png", photo).getresponse()
    assert response.status == 302
    db.session.commit()
    [kept] = db.session.scalars(select(Attachment)).all()
    process.kill()

    # 1. killed while the upload is being received into .incoming: a partial file
    process, port, paused = serve("receive")
    connection = upload(signed_in(port), path, "partial.png", photo)
    wait_for(paused.exists, "the partial upload")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    connection.close()

    # 2. killed after the file was staged, before its row committed
    process, port, paused = serve("stage")
    connection = upload(signed_in(port), path, "staged.png", photo)
    wait_for(paused.exists, "the staged upload")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    connection.close()

    # 3. killed after the commit, before the file was moved into service
    process, port, paused = serve("finish")
    connection = upload(signed_in(port), path, "committed.png", photo)
    wait_for(paused.exists, "the committed upload")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    connection.close()

    db.session.commit()  # a fresh snapshot
    rows = {row.original_name: row for row in db.session.scalars(select(Attachment))}
    assert set(rows) == {"kept.png", "committed.png"}
    committed = rows["committed.png"]
    left = files_under(uploads) - before
    kept_file, committed_file = kept.storage_key, ".incoming/" + committed.storage_key.rsplit("/", 1)[1]
    assert kept_file in left and committed_file in left
    orphans = left - {kept_file, committed_file}
    assert len(orphans) == 2 and all(name.startswith(".incoming/") for name in orphans), left
    # Even a reader finds the committed file before the sweep moves it.
    with attachments.open_file(committed) as stored:
        assert stored.read() == photo

    # Within the grace period the sweep touches nothing (a request may still be running).
    report = attachments.sweep_orphans(dt.timedelta(hours=1))
    assert (report.removed, report.finished) == ([], [])

    old = time.time() - 3 * 3600
    for name in left:
        os.utime(uploads / name, (old, old))
    monkeypatch.setitem(app.config, "ORPHAN_GRACE_HOURS", 2)
    from core.cli import cli

    listing = CliRunner().invoke(cli, ["storage", "sweep", "--dry-run"], obj=ScriptInfo(create_app=lambda *_: app))
    assert listing.exit_code == 0, listing.output
    for name in orphans:
        assert name in listing.output
    assert files_under(uploads) - before == left  # a dry run changes nothing

    report = attachments.sweep_orphans(attachments.orphan_grace())
    assert set(report.removed) == orphans
    assert report.finished == [committed.storage_key]
    assert files_under(uploads) - before == {kept_file, committed.storage_key}
    with attachments.open_file(committed) as stored:
        assert stored.read() == photo


def test_core_schedules_the_sweep(app):
    from core.plugins import registry

    jobs = [job for _, found in registry(app).call_each("scheduled_jobs", only_enabled=False) for job in found]
    [sweep] = [job for job in jobs if job.id == "core.sweep_orphans"]
    assert sweep.every <= dt.timedelta(days=1)
    assert "files" in sweep.run(dt.datetime.now())
