"""What every Khet benchmark shares: throwaway databases, a migrated app, statistics and the report."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FOLDER = ROOT / "bench" / "results"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/test"


def database_targets(names: list[str]) -> list[str]:
    """``sqlite`` stays as it is, ``postgresql`` means the default local server; anything else is a server URL."""
    return [DEFAULT_POSTGRES_URL if name == "postgresql" else name for name in names]


def database_label(target: str) -> str:
    return "sqlite" if target == "sqlite" else make_url(target).get_backend_name()


@contextlib.contextmanager
def throwaway_database(target: str, scratch: Path):
    """Yield the URL of an empty database: a SQLite file in ``scratch``, or a new one on the server of ``target``.

    A server database is dropped afterwards, whatever happened.
    """
    if target == "sqlite":
        scratch.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{scratch / 'khet-bench.db'}"
        return
    from core.testing import _server_database  # the same create/drop the test suite uses

    url, drop = _server_database(target)
    try:
        yield url
    finally:
        drop()


def migrated_app(database_url: str, instance_path: Path, **config):
    """A Khet app on ``database_url`` with every installed component migrated to head."""
    from core import migrate
    from core.app import create_app, settle_for_serving

    app = create_app(config={"DATABASE_URL": database_url, **config}, instance_path=instance_path)
    migrate.upgrade_all(app)
    settle_for_serving()  # as core.wsgi does for gunicorn
    return app


def dispose(app) -> None:
    """Close the app's pooled connections, so the database can be served by others or dropped."""
    from core.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- statistics ------------------------------------------------------------------


class BenchError(Exception):
    """The bench cannot measure what it was asked to (wrong data, a page that did not answer as expected)."""


def signed_in_client(app, person_id: int):
    """A test client signed in as ``person_id``, as core.testing's login_as does; POSTs carry a CSRF token."""
    from core.db import db
    from core.models import Person
    from core.testing import KhetTestClient

    app.test_client_class = KhetTestClient
    client = app.test_client()
    with app.app_context():
        user_id = db.session.get(Person, person_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


def timed(calls, expected_status: int) -> dict:
    """Latency of each call, and this process's CPU per call (app, SQLAlchemy and SQLite; not a server's).

    Unlike latency, the CPU hardly changes when other programs load the machine.
    """
    latencies, cpu_seconds = [], 0.0
    for call in calls:
        began, cpu_began = time.perf_counter(), time.process_time()
        response = call()
        latencies.append(time.perf_counter() - began)
        cpu_seconds += time.process_time() - cpu_began
        if response.status_code != expected_status:
            raise BenchError(f"{response.request.method} {response.request.path} answered {response.status_code}, "
                             f"not {expected_status}")
    return {**summarise(latencies, sum(latencies)),
            "cpu_ms_per_request": round(cpu_seconds * 1000 / len(latencies), 2) if latencies else None}


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``fraction`` of the samples at or below it."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarise(latencies: list[float], wall_seconds: float) -> dict:
    """Throughput and latency (milliseconds) of one measured run."""
    return {
        "requests": len(latencies),
        "seconds": round(wall_seconds, 3),
        "per_second": round(len(latencies) / wall_seconds, 1) if wall_seconds > 0 else None,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
    }


# --- reporting -------------------------------------------------------------------


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(load, 2) for load in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "when": dt.datetime.now().isoformat(timespec="seconds"),
    }


def warn_if_busy() -> None:
    """Latency measured on a busy machine measures the other programs too: say so up front."""
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"warning: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
              "latencies will be inflated (compare the server CPU per request instead)", file=sys.stderr)


def save_results(name: str, data: dict, folder: Path | None = None) -> Path:
    """Write ``data`` as bench/results/<name>-<timestamp>.json (git-ignored) and return the path."""
    folder = Path(folder or RESULTS_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run_bench(parse_args, run, report, argv=None) -> int:
    """What every bench's ``main`` does: read options, warn on a busy machine, run, print the table, save."""
    options = parse_args(argv)
    warn_if_busy()
    data, path = run(options)
    print(report(data["results"]))
    print(f"saved {path}")
    return 0
