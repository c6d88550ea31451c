"""Scheduled jobs: due by the last successful run, every run logged, failures retried and isolated,
and two runners at once never run one job twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from core.db import db
from core.plugin_api import ScheduledJob
from core.services import jobs
from core.services.jobs import JobRun
from core.testing import installed_module

RAN: list[str] = []
NOW = dt.datetime(2026, 12, 4, 9, 0)


def counting(now):
    RAN.append("counting")
    return f"counted at {now:%H:%M}\nsecond line is dropped"


def failing(now):
    RAN.append("failing")
    raise RuntimeError("the printer is on fire")


@pytest.fixture(autouse=True)
def job_module(app):
    RAN.clear()
    job_list = [ScheduledJob("jobtest.counting", "Counting", counting, every=dt.timedelta(hours=1)),
                ScheduledJob("jobtest.failing", "Failing", failing, every=dt.timedelta(hours=1))]
    with installed_module(app, "jobtest", scheduled_jobs=lambda: job_list):
        yield


def ours(results):
    return {result.job_id: result.outcome for result in results if result.job_id.startswith("jobtest.")}


def test_a_job_runs_when_its_last_success_is_older_than_every(app):
    assert ours(jobs.run_due(NOW)) == {"jobtest.counting": "ok", "jobtest.failing": "failed"}
    assert ours(jobs.run_due(NOW + dt.timedelta(minutes=30))) == {"jobtest.counting": "not_due", "jobtest.failing": "failed"}
    assert ours(jobs.run_due(NOW + dt.timedelta(hours=1))) == {"jobtest.counting": "ok", "jobtest.failing": "failed"}
    assert RAN.count("counting") == 2 and RAN.count("failing") == 3  # a failure is retried at the next call


def test_every_run_is_logged_with_its_outcome_and_summary_or_error(app):
    jobs.run_due(NOW)
    runs = {run.job_id: run for run in db.session.scalars(select(JobRun).where(JobRun.job_id.startswith("jobtest.")))}
    assert (runs["jobtest.counting"].outcome, runs["jobtest.counting"].summary) == ("ok", "counted at 09:00")
    assert runs["jobtest.failing"].outcome == "failed"
    assert runs["jobtest.failing"].summary == "RuntimeError: the printer is on fire"
    assert runs["jobtest.counting"].finished_at is not None
    assert jobs.last_runs()["jobtest.counting"].id == runs["jobtest.counting"].id


def test_a_forced_run_ignores_the_schedule_and_an_unknown_job_is_refused(app):
    jobs.run_due(NOW)
    assert [result.outcome for result in jobs.run_due(NOW, only="jobtest.counting")] == ["ok"]
    assert RAN.count("counting") == 2
    with pytest.raises(KeyError):
        jobs.run_due(NOW, only="jobtest.nothing")


def test_a_disabled_module_s_jobs_do_not_run(app):
    from core.plugins import registry

    registry().set_enabled("jobtest", False)
    assert ours(jobs.run_due(NOW)) == {} and RAN == []


def test_two_runners_at_once_run_a_job_once(app):
    """Two `khet jobs run` start together: one claims the job and runs it, the other finds it taken."""
    started, release = threading.Event(), threading.Event()

    def slow(now):
        started.set()
        release.wait(20)  # still running while the second runner tries
        RAN.append("slow")
        return "done"

    job = ScheduledJob("jobtest.slow", "Slow", slow, every=dt.timedelta(hours=1))
    outcomes: list[str] = []

    def runner():
        with app.app_context():
            try:
                outcomes.append(jobs.run_job(job, NOW).outcome)
            except Exception as exc:  # anything else must show in the assertion, not vanish with the thread
                outcomes.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    first = threading.Thread(target=runner)
    first.start()
    assert started.wait(20)
    second = threading.Thread(target=runner)
    second.start()
    second.join(30)
    release.set()
    first.join(30)
    assert outcomes == ["busy", "ok"] and RAN == ["slow"]
    db.session.commit()
    assert [run.outcome for run in db.session.scalars(select(JobRun).where(JobRun.job_id == "jobtest.slow"))] == ["ok"]
