"""The benchmarks run end to end with tiny numbers. No timing is asserted here: speed lives in bench/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is run from the checkout, it is not an installed package
    sys.path.insert(0, str(ROOT))

from bench import harness, services, web  # noqa: E402


def _bench_database() -> str:
    """The same server the rest of the suite uses, else SQLite."""
    return os.environ.get("KHET_TEST_DATABASE_URL") or "sqlite"


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert harness.percentile(samples, 0.50) == 50.0
    assert harness.percentile(samples, 0.95) == 95.0
    assert harness.percentile([7.0], 0.95) == 7.0


def test_markdown_table_has_a_row_per_result():
    table = harness.markdown_table(["route", "p95 ms"], [["dashboard", 3.1], ["floor", 0.7]])
    assert table.splitlines() == ["| route | p95 ms |", "| --- | --- |", "| dashboard | 3.1 |", "| floor | 0.7 |"]


def test_bench_refuses_to_report_when_requests_fail():
    """A figure for a page that answered 404 would be a figure for nothing."""
    server = make_server("127.0.0.1", 0, lambda environ, start: Response("gone", status=404)(environ, start), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(web.BenchError, match="answered 404"):
            web.measure(server.server_port, "/", ["session=x"], clients=2, requests=4)
    finally:
        server.shutdown()


@pytest.mark.slow
def test_web_bench_serves_the_seeded_office_and_measures_every_route(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.web", "--database", _bench_database(), "--clients", "1", "--requests", "5",
         "--cold-runs", "1", "--schools", "40", "--staff", "60", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| database | route | clients |" in done.stdout

    [saved] = tmp_path.glob("web-*.json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    [result] = data["results"]
    assert result["database"] == harness.database_label(harness.database_targets([_bench_database()])[0])
    # Counted in the seeded database: the demo topped up to the asked-for size, every module on.
    assert result["seeded"]["schools"] == 40
    assert result["seeded"]["office_staff"] == 60
    assert "notices" in result["seeded"]["modules_enabled"]
    assert {run["route"]: run["requests"] for run in result["runs"]} == {
        "dashboard": 5, "notices": 5, "layout": 5, "floor": 5}
    assert all(run["clients"] == 1 and run["p95_ms"] >= run["p50_ms"] > 0 for run in result["runs"])
    assert result["cold_start"]["runs"] == 1
    assert [check["clients"] for check in data["targets"] if "ratio" in check] == [1]
    assert [check["database"] for check in data["targets"] if "cold_start_s" in check] == [result["database"]]


def test_numbers_bench_checks_the_series_it_measured(app):
    from core.db import db
    from core.services.numbers import IssuedNumber

    result = services.numbers_per_second(app, clients=3, total=9)

    assert result["clients"] == 3 and result["requests"] == 9
    db.session.remove()
    assert sorted(db.session.scalars(select(IssuedNumber.number))) == list(range(1, 10))


def test_booking_bench_confirms_every_request_in_the_gaps(app, make_person):
    from core.db import db
    from core.services.booking import CONFIRMED, Reservation

    clerk = make_person()
    result = services.booking_confirmations(app, existing=20, confirmations=5, holder_id=clerk.id)

    assert (result["existing"], result["confirmations"]) == (20, 5)
    db.session.remove()  # end this session's older read snapshot: look at what the bench committed
    statuses = db.session.scalars(select(Reservation.status)).all()
    assert statuses.count(CONFIRMED) == 25 and len(statuses) == 25


@pytest.mark.slow
def test_services_bench_runs_numbers_booking_and_uploads(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.services", "--database", _bench_database(), "--clients", "1,2", "--numbers", "6",
         "--floor-rounds", "5", "--existing", "20", "--confirmations", "5", "--upload-mb", "1",
         "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| database | clients | numbers |" in done.stdout

    [saved] = tmp_path.glob("services-*.json")
    [result] = json.loads(saved.read_text(encoding="utf-8"))["results"]
    assert [(run["clients"], run["requests"]) for run in result["numbers"]] == [(1, 6), (2, 6)]
    assert result["commit_floor"]["rounds"] == 5
    assert (result["booking"]["existing"], result["booking"]["confirmations"]) == (20, 5)
    assert [(upload["via"], upload["file_mb"]) for upload in result["uploads"]] == [("api", 1.0), ("view", 1.0)]
