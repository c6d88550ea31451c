"""The meeting-rooms bench runs end to end with tiny numbers. No timing is asserted here: speed lives in bench/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is run from the checkout, it is not an installed package
    sys.path.insert(0, str(ROOT))

from bench import harness, rooms  # noqa: E402


def test_a_room_day_never_holds_overlapping_meetings_and_its_gaps_are_free():
    import random

    rng = random.Random(7)
    for count in range(1, rooms.MOST_PER_ROOM_DAY + 1):
        meetings, gaps = rooms._lay_out(count, rng)
        taken = [slot for first, length in meetings for slot in range(first, first + length)]
        free = [slot for first, length in gaps for slot in range(first, first + length)]
        assert len(meetings) == count
        assert len(taken) == len(set(taken))  # no half hour booked twice
        assert not set(taken) & set(free)
        assert sorted(taken + free) == list(range(rooms.HALF_HOURS))


@pytest.mark.slow
def test_rooms_bench_seeds_the_asked_for_office_and_measures_every_page(tmp_path):
    database = os.environ.get("KHET_TEST_DATABASE_URL") or "sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "bench.rooms", "--database", database, "--rooms", "8", "--bookings", "300",
         "--requests", "3", "--schools", "40", "--staff", "60", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| database | measure | requests |" in done.stdout

    [saved] = tmp_path.glob("rooms-*.json")
    [result] = json.loads(saved.read_text(encoding="utf-8"))["results"]
    assert result["database"] == harness.database_label(harness.database_targets([database])[0])
    # Counted in the seeded database: the demo's rooms and bookings topped up to the asked-for totals.
    assert result["seeded"]["rooms"] == 8
    assert result["seeded"]["bookings"] == 300
    assert sum(result["seeded"]["bookings_by_status"].values()) == 300
    assert result["seeded"]["bookings_by_status"]["confirmed"] > 150
    assert [(run["measure"], run["requests"]) for run in result["runs"]] == [
        ("day view, all rooms", 3), ("month view, one room", 3), ("free-room search, 2 h, 20+ seats", 3),
        ("confirming a request (approve)", 3)]
    assert all(run["p95_ms"] >= run["p50_ms"] > 0 and run["cpu_ms_per_request"] > 0 for run in result["runs"])
