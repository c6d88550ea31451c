"""Correspondence at the size of a large district office: 1,000,000 letters, 300 schools, 200 staff; p50/p95 of
the pages clerks open fifty times a day, of sending a letter to every school, of search and export.

Run from the repository root:

    .venv/bin/python -m bench.correspondence                         # SQLite and PostgreSQL
    .venv/bin/python -m bench.correspondence --database sqlite --letters 100000
    .venv/bin/python -m bench.correspondence --reuse                 # measure again without seeding

The seeded databases are kept for ``--reuse`` (seeding a million lines takes minutes): SQLite in
``--keep-dir`` (default /tmp/khet-bench-correspondence), PostgreSQL in its own scratch database
(default ``bench_corr`` on the local server; dropped and created again when seeding; never ``test``).
Seeding is bench/correspondence_seed.py: the demo office topped up to 300 schools and 200 staff, then
the register lines, issued numbers, deliveries and receipts bulk-written as the services would write them.

Timed through Flask's test client in this process (no HTTP server: the app's and the database's work for
one request, template rendering included):

- a school's inbox: GET /correspondence/inbox as school1_clerk (about 2,500 letters sent to the school);
- the central registry's incoming and outgoing registers: GET /correspondence/registers/<id>?year=<this
  year> as admin1 (24,000 and 20,000 lines a year);
- a letter's receipt page for a letter sent to all 300 schools: GET /correspondence/letters/<id> as
  admin1, and its receipt page /correspondence/letters/<id>/receipts (every school's tick and counts);
- sending one letter with 3 attachments to all 300 schools: the compose page's "send" POST
  (/correspondence/compose/circular/office: the line, its number, three described PDF files and 300
  deliveries in one transaction, CSRF and all), with the recipients' fingerprint its preview step gave
  (taken once, untimed); the bench then checks every letter has its 300 deliveries and 3 files;
- search for "งบประมาณ", "นักเรียน" and a school's name: GET /correspondence/search?q=... where the route exists;
- exporting last year's outgoing register (about 20,000 lines) to xlsx, where the export route exists.

Targets: pages p95 < 50 ms, sending < 300 ms, search p95 < 100 ms, export < 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import re
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench import harness, seeding
from bench.correspondence_seed import LETTERS, seed_correspondence

REQUESTS = 200
SENDS = 20
WARM_UP = 5
DEFAULT_KEEP = Path("/tmp/khet-bench-correspondence")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1/bench_corr"
TARGETS_MS = {"page": 50, "send": 300, "search": 100, "export": 5000}
SEARCHES = ("งบประมาณ", "นักเรียน")


# --- databases -------------------------------------------------------------------------------


def _fresh_postgres(url: str) -> None:
    """Drop and create the scratch database named in ``url`` (never the test suite's)."""
    parsed = make_url(url)
    if parsed.database in (None, "", "test", "postgres", "template0", "template1"):
        raise harness.BenchError(f"refusing to drop and create {parsed.database!r}: name a scratch database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": parsed.database})
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}" ENCODING \'UTF8\' TEMPLATE template0'))
    admin.dispose()


def _database(target: str, keep: Path, reuse: bool) -> tuple[str, str, Path]:
    """(label, URL, instance folder) of the kept database of ``target``; emptied first unless reusing."""
    label = harness.database_label(target)
    instance = keep / label
    instance.mkdir(parents=True, exist_ok=True)
    if target == "sqlite":
        path = instance / "khet-bench.db"
        if not reuse and path.exists():
            path.unlink()
        return label, f"sqlite:///{path}", instance
    if not reuse:
        _fresh_postgres(target)
    return label, target, instance


# --- what to time ----------------------------------------------------------------------------


def _ids(app) -> dict:
    """Who and what the timed requests use, read from the seeded database."""
    from core.db import db
    from core.models import Person, School
    from plugins.correspondence import services
    from plugins.correspondence.models import Delivery, Letter

    with app.app_context():
        people = dict(db.session.execute(select(Person.username, Person.id).where(
            Person.username.in_(["admin1", "school1_clerk"]))).all())
        school_count = db.session.scalar(select(func.count()).select_from(School).where(School.active.is_(True)))
        register = {kind: services.register_for(kind).id for kind in ("incoming", "outgoing", "circular")}
        this_year = services.current_year()
        sent_to_all = db.session.scalar(
            select(Delivery.letter_id).join(Letter, Letter.id == Delivery.letter_id)
            .where(Letter.register_id == register["circular"], Letter.year == this_year, Delivery.school_id.is_not(None))
            .group_by(Delivery.letter_id).having(func.count() >= school_count)
            .order_by(Delivery.letter_id.desc()).limit(1))
        school_name = db.session.scalar(select(School.name).where(School.id == 150)) or \
            db.session.scalar(select(School.name).order_by(School.id.desc()).limit(1))
        inbox_size = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.school_id == 1))
        db.session.remove()
    if sent_to_all is None:
        raise harness.BenchError("no circular of this year was sent to every school")
    return {"people": people, "register": register, "year": this_year, "sent_to_all": sent_to_all,
            "school_name": school_name, "inbox_size": inbox_size}


COMPOSE = "/correspondence/compose/circular/office"
SENT_SUBJECT = "การจัดสรรงบประมาณโครงการอาหารกลางวัน (bench {n})"


def _compose_form(n: int, action: str, confirmed: str = "") -> dict:
    """The compose page's fields for a circular to every school, with three described PDF files."""
    data = {"letter_date": dt.date.today().isoformat(), "subject": SENT_SUBJECT.format(n=n), "urgency": "urgent",
            "secrecy": "none", "doc_type": "external", "group_id": "0", "officer_id": "0",
            "to_text": "ผู้อำนวยการโรงเรียนในสังกัดทุกโรง", "all_schools": "y", "action": action, "confirmed": confirmed}
    if action == "send":
        for k in range(3):
            data[f"attachments-{k}-file"] = (io.BytesIO(b"%PDF-1.4\n" + bytes(20_000)), f"attachment-{k + 1}.pdf")
            data[f"attachments-{k}-description"] = f"เอกสารแนบ {k + 1}"
    return data


def _fingerprint(client) -> str:
    """What the preview step gives the sender's browser: the fingerprint of the 300 schools it showed."""
    response = client.post(COMPOSE, data=_compose_form(0, "preview"))
    found = re.search(r'name="confirmed" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="confirmed"',
                      response.get_data(as_text=True))
    if response.status_code != 200 or not found:
        raise harness.BenchError(f"the compose preview answered {response.status_code} without the recipients' fingerprint")
    return found.group(1) or found.group(2)


def _check_sent(app, count: int) -> None:
    """Every letter the bench composed went to all 300 schools with its three files."""
    from core.db import db
    from core.services.attachments import Attachment
    from plugins.correspondence.models import Delivery, Letter

    with app.app_context():
        ids = db.session.scalars(select(Letter.id).where(Letter.subject.like("%(bench %"))).all()
        deliveries = dict(db.session.execute(select(Delivery.letter_id, func.count()).where(
            Delivery.letter_id.in_(ids)).group_by(Delivery.letter_id)).all())
        files = dict(db.session.execute(select(Attachment.record_id, func.count()).where(
            Attachment.record_type == "letter", Attachment.record_id.in_(ids)).group_by(Attachment.record_id)).all())
        db.session.remove()
    wrong = [i for i in ids if deliveries.get(i, 0) < 300 or files.get(i, 0) != 3]
    if len(ids) < count or wrong:
        raise harness.BenchError(f"{len(ids)} letters composed of {count}; without 300 deliveries and 3 files: {wrong}")


def _queries(app, client, path: str) -> int:
    """How many SQL statements one GET of ``path`` runs: the first thing to look at when a page is slow."""
    from sqlalchemy import event

    from core.db import db

    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counter["n"]


def _routes(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def _measure_gets(app, client, gets: dict, requests: int, kind: str) -> list[dict]:
    results = []
    for name, path in gets.items():
        harness.timed([lambda path=path: client.get(path)] * WARM_UP, 200)
        timings = harness.timed([lambda path=path: client.get(path)] * requests, 200)
        results.append({"measure": name, "kind": kind, "path": path, "queries": _queries(app, client, path), **timings})
    return results


def measure(app, ids: dict, options) -> list[dict]:

    clerk = harness.signed_in_client(app, ids["people"]["admin1"])
    school_clerk = harness.signed_in_client(app, ids["people"]["school1_clerk"])
    routes = _routes(app)
    results = _measure_gets(app, school_clerk, {"school's inbox (school1_clerk)": "/correspondence/inbox"},
                            options.requests, "page")
    registers = {
        "central incoming register, this year": f"/correspondence/registers/{ids['register']['incoming']}?year={ids['year']}",
        "central outgoing register, this year": f"/correspondence/registers/{ids['register']['outgoing']}?year={ids['year']}",
        "letter page of a circular sent to 300 schools": f"/correspondence/letters/{ids['sent_to_all']}",
    }
    if "correspondence.receipts" in routes:
        registers["receipt page of a circular sent to 300 schools"] = f"/correspondence/letters/{ids['sent_to_all']}/receipts"
    results += _measure_gets(app, clerk, registers, options.requests, "page")

    confirmed = _fingerprint(clerk)

    def send(n):
        return lambda: clerk.post(COMPOSE, data=_compose_form(n, "send", confirmed))

    harness.timed([send(n) for n in range(1, WARM_UP + 1)], 302)
    timings = harness.timed([send(n) for n in range(WARM_UP + 1, WARM_UP + options.sends + 1)], 302)
    _check_sent(app, WARM_UP + options.sends)
    results.append({"measure": "compose and send a circular with 3 files to 300 schools", "kind": "send",
                    "path": COMPOSE, **timings})

    if "correspondence.search" in routes:
        searches = {f"search “{q}”": f"/correspondence/search?q={q}" for q in (*SEARCHES, ids["school_name"])}
        results += _measure_gets(app, clerk, searches, max(20, options.requests // 2), "search")
    export = _export_path(app, routes, ids)
    if export:
        harness.timed([lambda: clerk.get(export)], 200)
        results.append({"measure": "export last year's outgoing register to xlsx", "kind": "export", "path": export,
                        **harness.timed([lambda: clerk.get(export)] * 3, 200)})
    return results


def _export_path(app, routes: set[str], ids: dict) -> str | None:
    """The export URL of last year's central outgoing register, if the module has an export route."""
    from flask import url_for

    if "correspondence.export_register" not in routes:
        return None
    year = ids["year"] - 543 - 1
    with app.test_request_context():
        return url_for("correspondence.export_register", register_id=ids["register"]["outgoing"], file_format="xlsx",
                       first=f"{year}-01-01", last=f"{year}-12-31")


# --- one database ----------------------------------------------------------------------------


def bench_database(target: str, options: argparse.Namespace) -> dict:
    label, url, instance = _database(target, options.keep_dir, options.reuse)
    plan_file = instance / "seeded.json"
    app = harness.migrated_app(url, instance)
    try:
        if options.reuse and plan_file.exists():
            seeded = json.loads(plan_file.read_text(encoding="utf-8"))
            print(f"[{label}] reusing the seeded database: {seeded}", file=sys.stderr)
        else:
            print(f"[{label}] seeding {options.letters} letters, {options.schools} schools ...", file=sys.stderr)
            began = time.perf_counter()
            with app.app_context():
                from core.db import db

                made = seed_correspondence(options.letters, random.Random(2569), options.schools, options.staff)
                db.session.remove()
            seeded = {**made["seeded"], "seeding_seconds": round(time.perf_counter() - began, 1)}
            plan_file.write_text(json.dumps(seeded, ensure_ascii=False, indent=2), encoding="utf-8")
            print(f"[{label}] seeded: {seeded}", file=sys.stderr)
        if options.seed_only:
            return {"database": label, "seeded": seeded, "inbox_size": None, "runs": []}
        ids = _ids(app)
        runs = measure(app, ids, options)
        for run in runs:
            print(f"[{label}] {run['measure']:<50} p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
                  f"CPU {run['cpu_ms_per_request']} ms/request, {run.get('queries', '-')} queries", file=sys.stderr)
    finally:
        harness.dispose(app)
    return {"database": label, "seeded": seeded, "inbox_size": ids["inbox_size"], "runs": runs}


def report(results: list[dict]) -> str:
    table = harness.markdown_table(
        ["database", "measure", "requests", "p50 ms", "p95 ms", "max ms", "bench CPU ms/req", "queries", "target", "met"],
        [[d["database"], r["measure"], r["requests"], r["p50_ms"], r["p95_ms"], r["max_ms"], r["cpu_ms_per_request"],
          r.get("queries", "-"), f"{'p95' if r['kind'] in ('page', 'search') else 'p50'} < {TARGETS_MS[r['kind']]} ms",
          "yes" if _met(r) else "**no**"] for d in results for r in d["runs"]],
    )
    seeded = harness.markdown_table(
        ["database", "letters", "issued numbers", "deliveries", "received", "seeding s"],
        [[d["database"], d["seeded"]["letters"], d["seeded"]["issued_numbers"], d["seeded"]["deliveries"],
          d["seeded"]["received"], d["seeded"].get("seeding_seconds")] for d in results],
    )
    return f"{table}\n\nSeeded:\n\n{seeded}\n"


def _met(run: dict) -> bool:
    figure = run["p95_ms"] if run["kind"] in ("page", "search") else run["p50_ms"]
    return figure < TARGETS_MS[run["kind"]]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.correspondence", description=__doc__.split("\n")[0])
    parser.add_argument("--database", action="append", dest="databases", metavar="sqlite|postgresql|URL",
                        help=f"repeatable; default: sqlite and postgresql ({DEFAULT_POSTGRES})")
    parser.add_argument("--letters", type=int, default=LETTERS, help=f"register lines in all (default {LETTERS})")
    parser.add_argument("--requests", type=int, default=REQUESTS, help=f"timed requests per page (default {REQUESTS})")
    parser.add_argument("--sends", type=int, default=SENDS, help=f"timed sends (default {SENDS})")
    parser.add_argument("--schools", type=int, default=seeding.SCHOOLS)
    parser.add_argument("--staff", type=int, default=seeding.OFFICE_STAFF)
    parser.add_argument("--keep-dir", type=Path, default=DEFAULT_KEEP)
    parser.add_argument("--reuse", action="store_true", help="measure the databases seeded by an earlier run")
    parser.add_argument("--seed-only", action="store_true", help="seed the databases, measure nothing")
    parser.add_argument("--results-dir", type=Path, default=harness.RESULTS_FOLDER)
    options = parser.parse_args(argv)
    options.databases = [DEFAULT_POSTGRES if name == "postgresql" else name
                         for name in options.databases or ["sqlite", "postgresql"]]
    return options


def run(options: argparse.Namespace) -> tuple[dict, Path]:
    results = [bench_database(target, options) for target in options.databases]
    data = {"bench": "correspondence", "machine": harness.machine(), "client": "Flask test client, in process",
            "targets_ms": TARGETS_MS, "when": dt.datetime.now().isoformat(timespec="seconds"), "results": results}
    return data, harness.save_results("correspondence", data, options.results_dir)


def main(argv=None) -> int:
    return harness.run_bench(parse_args, run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
