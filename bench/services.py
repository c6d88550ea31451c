"""The shared services under load: running numbers per second, confirming a booking, memory of a large upload.

Run from the repository root:

    .venv/bin/python -m bench.services                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.services --database sqlite --clients 1,10 --numbers 300

- Running numbers: 1, 10 and 50 threads, each with its own app context (so its
  own session and connection), take numbers from one series as fast as they
  can, each number in its own transaction (take, commit), as clerks saving
  letters do. The bench then checks the series holds exactly 1..N: a fast
  wrong answer is not a result. Targets at 10 clients: 200/s on SQLite,
  500/s on PostgreSQL.
- Booking: one resource with 10,000 confirmed reservations; pending requests
  in the gaps between them are confirmed one at a time (confirm, commit).
  Target: p95 under 20 ms.
- Upload: a 20 MB PDF saved through ``attachments.save_uploads`` and through a
  module-style upload view (multipart POST with CSRF, parsed by werkzeug), each
  in a fresh process. Reported: growth of the process's peak resident memory
  over what it used just before (getrusage), and the peak of Python
  allocations (tracemalloc, a second upload). Target: under 30 MB.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import gc
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bench import harness
from core.permissions import SIGNED_IN, require

NUMBER_TARGETS = {"sqlite": 200, "postgresql": 500}  # numbers per second at 10 clients
NUMBER_TARGET_CLIENTS = 10
BOOKING_TARGET_MS = 20
UPLOAD_TARGET_MB = 30
UPLOAD_PATH = "/bench/upload"
PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


class BenchError(Exception):
    """The service gave a wrong answer or failed: there is no figure to report."""


# --- running numbers ----------------------------------------------------------------


def numbers_per_second(app, clients: int, total: int) -> dict:
    """``clients`` threads share ``total`` numbers of one new series; each number is its own transaction."""
    from core.calendar import local_today
    from core.db import db, write_transaction
    from core.services import numbers

    series_key = f"bench.numbers.{clients}_clients"
    per_client = max(1, -(-total // clients))
    latencies: list[float] = []
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    today = local_today()

    def clerk():
        with app.app_context():
            mine = []
            try:
                start.wait()
                for _ in range(per_client):
                    began = time.perf_counter()
                    with write_transaction():
                        numbers.take_number(series_key, "office", today, note="bench")
                        db.session.commit()
                    mine.append(time.perf_counter() - began)
            except BaseException as exc:  # noqa: BLE001  (reported below)
                errors.append(exc)
            finally:
                db.session.remove()
                latencies.extend(mine)

    threads = [threading.Thread(target=clerk, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if errors:
        raise BenchError(f"{len(errors)} of {clients} clerks failed, first: {errors[0]!r}")
    with app.app_context():
        given = [issued.number for issued in db.session.scalars(
            numbers.issued_numbers(series_key, "office", numbers.year_of(today)))]
    expected = list(range(1, clients * per_client + 1))
    if list(given) != expected:
        raise BenchError(f"series {series_key} holds {len(given)} numbers that are not 1..{len(expected)}")
    return {"clients": clients, **harness.summarise(latencies, wall)}


def commit_floor(app, rounds: int) -> dict:
    """A bare one-row UPDATE and COMMIT, ``rounds`` times: what one number costs at the very least.

    Takers of one series queue on its counter row until each commits, so
    1000 / (this p50 in ms) bounds the numbers per second of one series,
    however many clients there are. On PostgreSQL it is mostly the WAL flush.
    """
    from core.db import db, write_transaction

    with app.app_context():
        with write_transaction():
            db.session.execute(text("CREATE TABLE bench_commit_floor (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
            db.session.execute(text("INSERT INTO bench_commit_floor (id, n) VALUES (1, 0)"))
            db.session.commit()
        latencies = []
        for _ in range(rounds):
            began = time.perf_counter()
            with write_transaction():
                db.session.execute(text("UPDATE bench_commit_floor SET n = n + 1 WHERE id = 1"))
                db.session.commit()
            latencies.append(time.perf_counter() - began)
        db.session.remove()
    result = harness.summarise(latencies, sum(latencies))
    return {"rounds": rounds, "p50_ms": result["p50_ms"], "p95_ms": result["p95_ms"],
            "ceiling_per_second": round(1000 / result["p50_ms"]) if result["p50_ms"] else None}


# --- booking -------------------------------------------------------------------------------


def booking_confirmations(app, existing: int, confirmations: int, holder_id: int) -> dict:
    """Confirm ``confirmations`` pending requests of a resource that already has ``existing`` confirmed ones."""
    from core.db import db, utcnow, write_transaction
    from core.services import booking

    room = ("bench.room", 1)
    base = dt.datetime(2024, 1, 1, 1, 0)  # naive UTC, as stored
    hour = dt.timedelta(hours=1)
    with app.app_context():
        with write_transaction():
            first = booking.reserve(room, base, base + hour, holder=holder_id, title="ประชุม 0", confirm=True)
            # The other one-hour meetings, every two hours for more than two years, in one statement.
            db.session.execute(insert(booking.Reservation), [
                {"resource_id": first.resource_id, "starts_at": base + 2 * i * hour,
                 "ends_at": base + (2 * i + 1) * hour, "status": booking.CONFIRMED, "title": f"ประชุม {i}",
                 "holder_id": holder_id, "created_at": utcnow(), "status_reason": ""}
                for i in range(1, existing)
            ])
            resource_id = first.resource_id
            db.session.commit()
        # Requests for the free hours in between, touching their neighbours at both ends.
        gaps = random.Random(2569).sample(range(existing), confirmations)
        with write_transaction():
            pending_ids = [
                booking.reserve(room, base + (2 * gap + 1) * hour, base + (2 * gap + 2) * hour, holder=holder_id,
                                title="ขอใช้ห้อง").id
                for gap in gaps
            ]
            db.session.commit()
        latencies, cpu_seconds = [], 0.0
        for reservation_id in pending_ids:
            db.session.remove()
            reservation = db.session.get(booking.Reservation, reservation_id)
            began, cpu_began = time.perf_counter(), time.process_time()
            with write_transaction():
                booking.confirm(reservation, by=holder_id)
                db.session.commit()
            latencies.append(time.perf_counter() - began)
            cpu_seconds += time.process_time() - cpu_began
        db.session.remove()
        confirmed = db.session.scalar(select(func.count()).select_from(booking.Reservation).where(
            booking.Reservation.resource_id == resource_id, booking.Reservation.status == booking.CONFIRMED))
    if confirmed != existing + confirmations:
        raise BenchError(f"{confirmed} confirmed reservations, expected {existing + confirmations}")
    result = harness.summarise(latencies, sum(latencies))
    # CPU of this process: Python, SQLAlchemy and (for SQLite) the database engine; not a server's.
    return {"existing": existing, "confirmations": confirmations, "p50_ms": result["p50_ms"],
            "p95_ms": result["p95_ms"], "max_ms": result["max_ms"],
            "bench_cpu_ms_per_confirm": round(cpu_seconds * 1000 / confirmations, 2)}


# --- a large upload ------------------------------------------------------------------------


@require(SIGNED_IN)
def upload_view():
    """What a module's upload view does: save the form's files to a record, then commit."""
    from flask import request

    from core.db import db
    from core.services import attachments

    record_id = int(request.form["record_id"])
    saved = attachments.save_uploads(request.files.getlist("files"), ("bench", "upload", record_id), None)
    db.session.commit()
    return {"saved": [attachment.size for attachment in saved]}


def write_pdf(path: Path, size: int) -> Path:
    """A file that is a PDF by its first bytes (what the type check reads), ``size`` bytes long."""
    with path.open("wb") as fh:
        fh.write(PDF_HEAD)
        left = size - len(PDF_HEAD)
        while left > 0:
            chunk = os.urandom(min(left, 1 << 20))
            fh.write(chunk)
            left -= len(chunk)
    return path


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak_rss() -> None:
    """Start the kernel's resident-memory high-water mark afresh (Linux 4.0+), so the peak is this upload's."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass  # the peak then includes start-up, which can only overstate the growth


def _peak_rss_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def upload_probe(database_url: str, instance: str, big_file: str, small_file: str, via: str, person_id: int) -> dict:
    """In a fresh process: one small upload to warm up, then the big one twice (RSS, then tracemalloc)."""
    import tracemalloc

    from core.app import create_app
    from core.db import db
    from core.services import attachments
    from core.testing import KhetTestClient

    app = create_app(config={"DATABASE_URL": database_url}, instance_path=instance)
    app.add_url_rule(UPLOAD_PATH, "bench_upload", upload_view, methods=["POST"])
    app.test_client_class = KhetTestClient
    client = app.test_client()
    with client.session_transaction() as session:
        from core.models import Person

        with app.app_context():
            session["_user_id"] = db.session.get(Person, person_id).get_id()
        session["_fresh"] = True
    records = iter(range(1000 if via == "api" else 2000, 3000))  # each upload its own record
    big_records = []

    def upload(path: str) -> int:
        record_id = next(records)
        if path == big_file:
            big_records.append(record_id)
        with open(path, "rb") as fh:
            if via == "api":
                with app.app_context():
                    [saved] = attachments.save_uploads([("รายงาน.pdf", fh)], ("bench", "upload", record_id), None)
                    db.session.commit()
                    return saved.size
            response = client.post(UPLOAD_PATH, data={"record_id": str(record_id), "files": (fh, "รายงาน.pdf")},
                                   content_type="multipart/form-data")
            if response.status_code != 200:
                raise BenchError(f"the upload view answered {response.status_code}")
            return response.get_json()["saved"][0]

    upload(small_file)
    gc.collect()
    rss_before = _rss_bytes()
    _reset_peak_rss()
    size = upload(big_file)
    rss_peak = _peak_rss_bytes()
    gc.collect()
    tracemalloc.start()
    upload(big_file)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if size != os.path.getsize(big_file):
        raise BenchError(f"stored {size} bytes of {os.path.getsize(big_file)}")
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(attachments.Attachment).where(
            attachments.Attachment.module == "bench", attachments.Attachment.record_id.in_(big_records),
            attachments.Attachment.size == size))
        db.session.remove()
        db.engine.dispose()
    if stored != 2:
        raise BenchError(f"{stored} rows of the big file stored, expected 2")
    mib = 1024 * 1024
    return {"via": via, "file_mb": round(size / 1e6, 1), "peak_rss_growth_mb": round(max(0, rss_peak - rss_before) / mib, 2),
            "python_peak_mb": round(python_peak / mib, 2)}


def upload_memory(database_url: str, instance: Path, file_mb: float, person_id: int) -> list[dict]:
    big = write_pdf(instance / "big.pdf", int(file_mb * 1e6))
    small = write_pdf(instance / "small.pdf", 100_000)
    results = []
    for via in ("api", "view"):
        # A fresh process each: its peak memory is this upload's, not what ran before.
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            results.append(pool.submit(upload_probe, database_url, str(instance), str(big), str(small), via,
                                       person_id).result())
    big.unlink()
    small.unlink()
    return results


# --- one database ---------------------------------------------------------------------------


def _bench_person() -> int:
    from core.db import db
    from core.models import Person

    person = Person(username="bench_clerk", first_name="เสมียน", last_name="ทดสอบ", title="นาง")
    db.session.add(person)
    db.session.commit()
    return person.id


def bench_database(target: str, options: argparse.Namespace, scratch: Path) -> dict:
    label = harness.database_label(target)
    instance = scratch / label
    instance.mkdir(parents=True, exist_ok=True)
    with harness.throwaway_database(target, instance) as database_url:
        # One pooled connection per client thread, as each clerk would have their own.
        pool = {"pool_size": max(options.clients) + 2, "max_overflow": 10}
        app = harness.migrated_app(database_url, instance, SQLALCHEMY_ENGINE_OPTIONS=pool)
        try:
            with app.app_context():
                person_id = _bench_person()
            floor = commit_floor(app, options.floor_rounds)
            print(f"[{label}] bare update + commit: {floor}", file=sys.stderr)
            runs = []
            for clients in sorted(options.clients):
                runs.append(numbers_per_second(app, clients, options.numbers))
                print(f"[{label}] numbers {clients:>3} clients: {runs[-1]['per_second']}/s, "
                      f"p95 {runs[-1]['p95_ms']} ms", file=sys.stderr)
            confirming = booking_confirmations(app, options.existing, options.confirmations, person_id)
            print(f"[{label}] booking: {confirming}", file=sys.stderr)
        finally:
            harness.dispose(app)
        uploads = upload_memory(database_url, instance, options.upload_mb, person_id)
        print(f"[{label}] uploads: {uploads}", file=sys.stderr)
    return {"database": label, "commit_floor": floor, "numbers": runs, "booking": confirming, "uploads": uploads}


# --- the report --------------------------------------------------------------------------------


def targets(results: list[dict]) -> list[dict]:
    found = []
    for database in results:
        label = database["database"]
        at_target = next((run for run in database["numbers"] if run["clients"] == NUMBER_TARGET_CLIENTS), None)
        if at_target and label in NUMBER_TARGETS:
            found.append({"database": label, "what": f"numbers/s at {NUMBER_TARGET_CLIENTS} clients",
                          "value": at_target["per_second"], "target": NUMBER_TARGETS[label],
                          "met": at_target["per_second"] >= NUMBER_TARGETS[label]})
        found.append({"database": label, "what": "booking confirm p95 ms", "value": database["booking"]["p95_ms"],
                      "target": BOOKING_TARGET_MS, "met": database["booking"]["p95_ms"] < BOOKING_TARGET_MS})
        for upload in database["uploads"]:
            growth = max(upload["peak_rss_growth_mb"], upload["python_peak_mb"])
            found.append({"database": label, "what": f"upload memory MB ({upload['via']})", "value": growth,
                          "target": UPLOAD_TARGET_MB, "met": growth < UPLOAD_TARGET_MB})
    return found


def report(results: list[dict]) -> str:
    yes = {True: "yes", False: "**no**"}
    numbers_table = harness.markdown_table(
        ["database", "clients", "numbers", "per second", "p50 ms", "p95 ms"],
        [[d["database"], r["clients"], r["requests"], r["per_second"], r["p50_ms"], r["p95_ms"]]
         for d in results for r in d["numbers"]],
    )
    floor_table = harness.markdown_table(
        ["database", "bare UPDATE + COMMIT p50 ms", "p95 ms", "so at most, numbers/s of one series"],
        [[d["database"], d["commit_floor"]["p50_ms"], d["commit_floor"]["p95_ms"], d["commit_floor"]["ceiling_per_second"]]
         for d in results],
    )
    booking_table = harness.markdown_table(
        ["database", "existing reservations", "confirmations", "p50 ms", "p95 ms", "max ms", "bench CPU ms/confirm"],
        [[d["database"], d["booking"]["existing"], d["booking"]["confirmations"], d["booking"]["p50_ms"],
          d["booking"]["p95_ms"], d["booking"]["max_ms"], d["booking"]["bench_cpu_ms_per_confirm"]] for d in results],
    )
    upload_table = harness.markdown_table(
        ["database", "through", "file MB", "peak RSS growth MB", "Python peak MB (tracemalloc)"],
        [[d["database"], u["via"], u["file_mb"], u["peak_rss_growth_mb"], u["python_peak_mb"]]
         for d in results for u in d["uploads"]],
    )
    target_table = harness.markdown_table(
        ["database", "what", "measured", "target", "met"],
        [[t["database"], t["what"], t["value"], t["target"], yes[t["met"]]] for t in targets(results)],
    )
    return (f"Running numbers, one series, a transaction per number:\n\n{numbers_table}\n\n{floor_table}\n\n"
            f"Confirming a booking:\n\n{booking_table}\n\nA large upload:\n\n{upload_table}\n\n{target_table}\n")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.services", description=__doc__.split("\n")[0])
    parser.add_argument("--database", action="append", dest="databases", metavar="sqlite|postgresql|URL",
                        help="repeatable; default: sqlite and postgresql (" + harness.DEFAULT_POSTGRES_URL + ")")
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 10, 50],
                        help="concurrency levels for running numbers (default 1,10,50)")
    parser.add_argument("--numbers", type=int, default=1000, help="numbers taken per level (default 1000)")
    parser.add_argument("--floor-rounds", type=int, default=300, help="bare commits timed (default 300)")
    parser.add_argument("--existing", type=int, default=10_000, help="confirmed reservations already there")
    parser.add_argument("--confirmations", type=int, default=200, help="confirmations timed (default 200)")
    parser.add_argument("--upload-mb", type=float, default=20, help="size of the big upload in MB (default 20)")
    parser.add_argument("--results-dir", type=Path, default=harness.RESULTS_FOLDER)
    options = parser.parse_args(argv)
    options.databases = harness.database_targets(options.databases or ["sqlite", "postgresql"])
    if options.confirmations > options.existing:
        parser.error("--confirmations cannot exceed --existing: each takes one gap between reservations")
    return options


def run(options: argparse.Namespace) -> tuple[dict, Path]:
    with tempfile.TemporaryDirectory(prefix="khet-bench-services-") as scratch:
        results = [bench_database(target, options, Path(scratch)) for target in options.databases]
    data = {"bench": "services", "machine": harness.machine(), "results": results, "targets": targets(results)}
    return data, harness.save_results("services", data, options.results_dir)


def main(argv=None) -> int:
    return harness.run_bench(parse_args, run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
