"""How fast the served app answers: requests per second and p50/p95 latency, and cold start-up time.

Run from the repository root:

    .venv/bin/python -m bench.web                    # SQLite and PostgreSQL, 1/10/50 clients
    .venv/bin/python -m bench.web --database sqlite --clients 1,10 --requests 200

For each database the bench migrates a throwaway database, seeds the demo
office (every installed module enabled) topped up to 300 schools and 200
office staff, and serves it with gunicorn: 2 sync workers on 127.0.0.1, the
way the README deploys Khet (sync workers behind nginx, one per core). Each
client is a thread with its own http.client connection and its own session
cookie, signed in once through the real sign-in form before timing starts.

Measured routes: the home dashboard, one module page (/notices/), the
lightest signed-in page (/account/password: the base layout with a small
form), and a "floor" route that the bench adds to the served app (a PUBLIC
view returning two bytes) to show what Flask, the request guard and gunicorn
cost on their own. Targets: dashboard p95 within 2x the floor's p95; server CPU per
request of the lightest signed-in page within 4x the floor's, and of the dashboard within
1.5x the lightest signed-in page's (ratios of one run: CPU hardly moves with the machine's
load, latency does); import + create_app() in a fresh interpreter under 1.5 s.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from bench import harness, seeding
from core.permissions import PUBLIC, require

# "layout" is the lightest signed-in page (a form in the base layout): what every page pays for
# the layout (menu, badges, bell) before its own work, between the floor and the dashboard.
ROUTES = (("dashboard", "/"), ("notices", "/notices/"), ("layout", "/account/password"), ("floor", "/bench/floor"))
FLOOR_PATH = "/bench/floor"
SIGN_IN_AS = ("admin", "demo-admin-2569")  # sees every module's card and menu: the heaviest home page
DASHBOARD_TARGET_RATIO = 2.0
# Server CPU per request, in one run: what the layout costs over the floor, and the home cards over the layout.
LAYOUT_CPU_TARGET_RATIO = 4.0  # the lightest signed-in page / the floor
DASHBOARD_CPU_TARGET_RATIO = 1.5  # the home dashboard / the lightest signed-in page
COLD_START_TARGET_SECONDS = 1.5


class BenchError(Exception):
    """The bench could not measure what it set out to (server down, a request refused ...)."""


# --- the served app ----------------------------------------------------------------


@require(PUBLIC)
def floor():
    """The cheapest answer the app can give: what every request pays before any page work."""
    return "ok", 200, {"Content-Type": "text/plain"}


def serving_app():
    """The app gunicorn serves: Khet as configured by KHET_* variables, plus the floor route."""
    from core.app import create_app, settle_for_serving

    app = create_app()
    app.add_url_rule(FLOOR_PATH, "bench_floor", floor)
    settle_for_serving()
    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(instance: Path, database_url: str, workers: int, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "KHET_INSTANCE_PATH": str(instance), "KHET_DATABASE_URL": database_url}
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(harness.ROOT), "--timeout", "120",
        "--error-logfile", str(log_path), "--log-level", "warning", "bench.web:serving_app()",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(process, port, log_path)
    except BaseException:
        stop_server(process)
        raise
    return process, port


def _wait_until_serving(process: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            status, _ = _get(port, FLOOR_PATH, {})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- talking HTTP --------------------------------------------------------------------


def _get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _cookies_from(response: http.client.HTTPResponse, jar: dict) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the real form (CSRF token and all); return the Cookie header of the session."""
    jar: dict[str, str] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/login")
        response = connection.getresponse()
        page = response.read().decode()
        _cookies_from(response, jar)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if response.status != 200 or token is None:
            raise BenchError(f"the sign-in page answered {response.status} without a CSRF token")
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token.group(1)})
        connection.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar),
        })
        response = connection.getresponse()
        response.read()
        _cookies_from(response, jar)
        if response.status != 302:
            raise BenchError(f"signing in as {username!r} answered {response.status}, not a redirect")
    finally:
        connection.close()
    return _cookie_header(jar)


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def server_cpu_seconds(master_pid: int) -> float | None:
    """User + system CPU time of gunicorn's master and workers so far; None where there is no /proc.

    Unlike latency, CPU per request hardly changes when other programs load the
    machine, so it is the figure to compare between runs.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.parent.name) == master_pid or int(fields[1]) == master_pid:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(port: int, path: str, cookies: list[str], clients: int, requests: int, server_pid: int | None = None) -> dict:
    """``clients`` threads GET ``path`` ``ceil(requests / clients)`` times each; all must answer 200.

    A thread keeps its connection open when the server allows (gunicorn's sync
    workers close it after each answer; http.client then reconnects, and the
    reconnect counts in the latency, as it would for a browser behind no proxy).
    """
    per_client = max(1, math.ceil(requests / clients))
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Cookie": cookies[index % len(cookies)]}
        start.wait()
        try:
            for _ in range(per_client):
                began = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                latencies[index].append(time.perf_counter() - began)
                if response.status != 200:
                    failures.append(f"GET {path} answered {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"GET {path} failed: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = server_cpu_seconds(server_pid) if server_pid else None
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu_after = server_cpu_seconds(server_pid) if server_pid else None
    if failures:
        raise BenchError(f"{len(failures)} of {clients * per_client} requests failed, first: {failures[0]}")
    result = harness.summarise([sample for samples in latencies for sample in samples], wall)
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / result["requests"], 2)
    return result


# --- cold start ------------------------------------------------------------------------

_COLD_START = """
import json, time
started, cpu_started = time.perf_counter(), time.process_time()
from core.app import create_app
app = create_app()
print(json.dumps({"import_and_create_app": time.perf_counter() - started,
                  "import_and_create_app_cpu": time.process_time() - cpu_started,
                  "create_app_only": app.config["KHET_STARTUP_SECONDS"]}))
"""


def cold_create_app(instance: Path, database_url: str, runs: int) -> dict:
    """Import Khet and build the app in ``runs`` fresh interpreters; medians in seconds."""
    env = {**os.environ, "KHET_INSTANCE_PATH": str(instance), "KHET_DATABASE_URL": database_url}
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _COLD_START], env=env, cwd=harness.ROOT,
                              capture_output=True, text=True, check=False)
        process_seconds = time.perf_counter() - began
        if done.returncode != 0:
            raise BenchError(f"create_app() failed in a fresh interpreter:\n{done.stderr[-3000:]}")
        samples.append({**json.loads(done.stdout.strip().splitlines()[-1]), "process": process_seconds})
    return {
        "runs": runs,
        **{f"median_{key}_s": round(statistics.median(s[key] for s in samples), 3) for key in samples[0]},
    }


# --- one database ------------------------------------------------------------------------


def bench_database(target: str, options: argparse.Namespace, scratch: Path) -> dict:
    label = harness.database_label(target)
    instance = scratch / label
    instance.mkdir(parents=True, exist_ok=True)
    with harness.throwaway_database(target, instance) as database_url:
        print(f"[{label}] migrating and seeding ...", file=sys.stderr)
        app = harness.migrated_app(database_url, instance)
        with app.app_context():
            counts = seeding.seed_bench_office(schools=options.schools, office_staff=options.staff)
        harness.dispose(app)
        print(f"[{label}] {counts}", file=sys.stderr)

        cold = cold_create_app(instance, database_url, options.cold_runs)
        log_path = instance / "gunicorn.log"
        process, port = start_server(instance, database_url, options.workers, log_path)
        try:
            levels = sorted(options.clients)
            with concurrent.futures.ThreadPoolExecutor(4) as pool:  # each sign-in hashes with Argon2: slow on purpose
                cookies = list(pool.map(lambda _: sign_in(port, *SIGN_IN_AS), range(max(levels))))
            for _name, path in ROUTES:  # compile templates and fill caches in every worker
                measure(port, path, cookies, clients=options.workers * 2, requests=options.workers * 10)
            runs = []
            for clients in levels:
                for name, path in ROUTES:
                    result = measure(port, path, cookies, clients, options.requests, server_pid=process.pid)
                    runs.append({"route": name, "path": path, "clients": clients, **result})
                    print(f"[{label}] {name:<9} {clients:>3} clients: {result['per_second']:>7} req/s, "
                          f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                          f"server CPU {result.get('server_cpu_ms_per_request')} ms/request", file=sys.stderr)
        except BenchError as exc:
            raise BenchError(f"[{label}] {exc}\nserver log:\n{log_path.read_text()[-3000:]}") from None
        finally:
            stop_server(process)
    return {"database": label, "seeded": counts, "cold_start": cold, "runs": runs}


# --- the report ------------------------------------------------------------------------------


def targets(results: list[dict]) -> list[dict]:
    found = []
    for database in results:
        by_key = {(run["route"], run["clients"]): run for run in database["runs"]}
        for (route, clients), run in sorted(by_key.items(), key=lambda item: item[0][1]):
            if route != "dashboard":
                continue
            floor = by_key[("floor", clients)]
            ratio = run["p95_ms"] / floor["p95_ms"] if floor["p95_ms"] else float("inf")
            cpu = (run.get("server_cpu_ms_per_request"), floor.get("server_cpu_ms_per_request"))
            found.append({"database": database["database"], "clients": clients, "dashboard_p95_ms": run["p95_ms"],
                          "floor_p95_ms": floor["p95_ms"], "ratio": round(ratio, 2), "met": ratio <= DASHBOARD_TARGET_RATIO,
                          "cpu_ratio": round(cpu[0] / cpu[1], 1) if all(cpu) else None})
            layout = by_key.get(("layout", clients))
            layout_cpu = layout.get("server_cpu_ms_per_request") if layout else None
            if layout_cpu and all(cpu):
                found.append({"database": database["database"], "clients": clients, "cpu_ms": {
                    "floor": cpu[1], "layout": layout_cpu, "dashboard": cpu[0]},
                    "layout_over_floor": round(layout_cpu / cpu[1], 2), "dashboard_over_layout": round(cpu[0] / layout_cpu, 2),
                    "met": layout_cpu / cpu[1] <= LAYOUT_CPU_TARGET_RATIO and cpu[0] / layout_cpu <= DASHBOARD_CPU_TARGET_RATIO})
        cold = database["cold_start"]["median_import_and_create_app_s"]
        found.append({"database": database["database"], "cold_start_s": cold, "met": cold < COLD_START_TARGET_SECONDS})
    return found


def report(results: list[dict]) -> str:
    speed = harness.markdown_table(
        ["database", "route", "clients", "requests", "req/s", "p50 ms", "p95 ms", "server CPU ms/req"],
        [[d["database"], r["route"], r["clients"], r["requests"], r["per_second"], r["p50_ms"], r["p95_ms"],
          r.get("server_cpu_ms_per_request", "-")] for d in results for r in d["runs"]],
    )
    checks = targets(results)
    ratio = harness.markdown_table(
        ["database", "clients", "dashboard p95 ms", "floor p95 ms", "ratio (target <= 2)", "met", "server CPU ratio"],
        [[c["database"], c["clients"], c["dashboard_p95_ms"], c["floor_p95_ms"], c["ratio"], _yes(c["met"]),
          c["cpu_ratio"] if c["cpu_ratio"] is not None else "-"] for c in checks if "ratio" in c],
    )
    cpu = harness.markdown_table(
        ["database", "clients", "server CPU ms: floor / layout / dashboard",
         f"layout / floor (target <= {LAYOUT_CPU_TARGET_RATIO:g})",
         f"dashboard / layout (target <= {DASHBOARD_CPU_TARGET_RATIO:g})", "met"],
        [[c["database"], c["clients"], " / ".join(str(c["cpu_ms"][k]) for k in ("floor", "layout", "dashboard")),
          c["layout_over_floor"], c["dashboard_over_layout"], _yes(c["met"])] for c in checks if "layout_over_floor" in c],
    )
    cold = harness.markdown_table(
        ["database", "runs", "import + create_app() s (target < 1.5)", "of it CPU s", "create_app() only s",
         "whole process s", "met"],
        [[d["database"], d["cold_start"]["runs"], d["cold_start"]["median_import_and_create_app_s"],
          d["cold_start"]["median_import_and_create_app_cpu_s"], d["cold_start"]["median_create_app_only_s"],
          d["cold_start"]["median_process_s"],
          _yes(d["cold_start"]["median_import_and_create_app_s"] < COLD_START_TARGET_SECONDS)] for d in results],
    )
    return (f"{speed}\n\n{ratio}\n\nServer CPU per request, in this run:\n\n{cpu}\n\n"
            f"Cold start (median of fresh interpreters):\n\n{cold}\n")


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n")[0])
    parser.add_argument("--database", action="append", dest="databases", metavar="sqlite|postgresql|URL",
                        help="repeatable; default: sqlite and postgresql (" + harness.DEFAULT_POSTGRES_URL + ")")
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 10, 50],
                        help="concurrency levels, comma-separated (default 1,10,50)")
    parser.add_argument("--requests", type=int, default=500, help="requests per route and level (default 500)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh interpreters for the cold start (default 5)")
    parser.add_argument("--schools", type=int, default=seeding.SCHOOLS)
    parser.add_argument("--staff", type=int, default=seeding.OFFICE_STAFF)
    parser.add_argument("--results-dir", type=Path, default=harness.RESULTS_FOLDER)
    options = parser.parse_args(argv)
    options.databases = harness.database_targets(options.databases or ["sqlite", "postgresql"])
    return options


def run(options: argparse.Namespace) -> tuple[dict, Path]:
    with tempfile.TemporaryDirectory(prefix="khet-bench-web-") as scratch:
        results = [bench_database(target, options, Path(scratch)) for target in options.databases]
    data = {
        "bench": "web", "machine": harness.machine(), "server": f"gunicorn, {options.workers} sync workers",
        "signed_in_as": SIGN_IN_AS[0], "results": results, "targets": targets(results),
    }
    return data, harness.save_results("web", data, options.results_dir)


def main(argv=None) -> int:
    return harness.run_bench(parse_args, run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
