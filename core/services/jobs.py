"""Scheduled jobs: one `khet jobs run` from cron runs every due job of core and the enabled modules.

A module returns ``ScheduledJob``s from its ``scheduled_jobs`` hook (escalating
approvals, reminders, roll-overs). Cron calls ``khet jobs run`` every few
minutes; a job is due when its last successful run is older than its
``every`` (a failed run is tried again at the next call). Each run is a row of
``core_job_run``: start, end, outcome, the job's one-line summary or the error.

Two runners at once (a slow run overlapping the next cron call, two servers)
must not run a job twice: each job has a row in ``core_job_state``, and a
runner claims it with one conditional UPDATE that only one of them can win, on
SQLite, PostgreSQL and MariaDB alike. A runner that dies mid-run leaves its
claim; another takes the job over after ``CLAIM_HOURS``. Jobs must be
idempotent anyway: a job that ran and then failed to record its end runs again.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db, utcnow, write_transaction
from core.plugin_api import ScheduledJob

log = logging.getLogger(__name__)

CLAIM_HOURS = 2  # a claim older than this belongs to a runner that died; the job may run again


class JobState(db.Model):
    """One row per job ever seen: when it last succeeded, and who is running it now (the lock)."""

    __tablename__ = "core_job_state"

    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    running_since: Mapped[dt.datetime | None] = mapped_column(DateTime)  # None: nobody runs it now
    run_id: Mapped[int | None] = mapped_column(Integer)  # the core_job_run row of the claim


class JobRun(db.Model):
    """One run of one job: the log `khet jobs list` shows."""

    __tablename__ = "core_job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100), ForeignKey("core_job_state.job_id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    summary: Mapped[str] = mapped_column(Text, default="")  # the job's summary, or the error
    forced: Mapped[bool] = mapped_column(default=False)


@dataclass
class RunResult:
    """What happened to one job in one `khet jobs run`."""

    job_id: str
    outcome: str  # ok | failed | busy (another runner has it) | not_due
    summary: str = ""


def scheduled_jobs() -> dict[str, ScheduledJob]:
    """{id: ScheduledJob} of core and the enabled modules, from their scheduled_jobs hooks."""
    from core.plugins import registry

    found: dict[str, ScheduledJob] = {}
    for job in registry().collect("scheduled_jobs"):
        if not isinstance(job, ScheduledJob) or job.id in found:
            log.error("scheduled job %r ignored: not a ScheduledJob, or its id is taken", job)
            continue
        found[job.id] = job
    return dict(sorted(found.items()))


def _ensure_state(job_id: str) -> None:
    if db.session.get(JobState, job_id) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(JobState(job_id=job_id))
    except IntegrityError:  # another runner made it first: fine, it exists
        pass
    db.session.commit()


def _claim(job: ScheduledJob, now: dt.datetime, forced: bool) -> int | None:
    """Claim the job for this runner; the id of its new JobRun, or None when it is not due or someone else runs it."""
    with write_transaction():
        _ensure_state(job.id)
        conditions = [
            JobState.job_id == job.id,
            or_(JobState.running_since.is_(None), JobState.running_since < now - dt.timedelta(hours=CLAIM_HOURS)),
        ]
        if not forced:
            conditions.append(or_(JobState.last_success_at.is_(None), JobState.last_success_at <= now - job.every))
        # The one statement that decides who runs the job: the database lets one UPDATE match the row.
        claimed = db.session.execute(
            update(JobState).where(*conditions).values(running_since=now).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            return None
        run = JobRun(job_id=job.id, started_at=now, forced=forced)
        db.session.add(run)
        db.session.flush()
        run_id = run.id  # read before the commit: reading it after would open a transaction for the whole run
        db.session.execute(update(JobState).where(JobState.job_id == job.id).values(run_id=run_id)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        return run_id


def _is_due(job: ScheduledJob, now: dt.datetime) -> bool:
    state = db.session.get(JobState, job.id)
    return state is None or state.last_success_at is None or state.last_success_at <= now - job.every


def _finish(job_id: str, run_id: int, outcome: str, summary: str, started: dt.datetime) -> None:
    with write_transaction():
        finished = utcnow()
        db.session.execute(update(JobRun).where(JobRun.id == run_id)
                           .values(finished_at=finished, outcome=outcome, summary=summary[:4000]))
        values = {"running_since": None, "run_id": None}
        if outcome == "ok":
            values["last_success_at"] = started  # due again `every` after this run began, not after it ended
        db.session.execute(update(JobState).where(JobState.job_id == job_id, JobState.run_id == run_id).values(**values))
        db.session.commit()


def run_job(job: ScheduledJob, now: dt.datetime | None = None, forced: bool = False) -> RunResult:
    """Run one job if it is due (or ``forced``) and nobody else is running it; record the run."""
    now = now or utcnow()
    if not forced and not _is_due(job, now):
        return RunResult(job.id, "not_due")
    db.session.commit()  # end any read transaction: the claim must see other runners' commits
    run_id = _claim(job, now, forced)
    if run_id is None:
        return RunResult(job.id, "busy" if forced or _is_due(job, now) else "not_due")
    try:
        summary = job.run(now)
        db.session.commit()
    except Exception as error:  # one job's failure is logged and does not stop the others
        db.session.rollback()
        log.error("scheduled job %s failed:\n%s", job.id, traceback.format_exc())
        text = f"{type(error).__name__}: {error}"
        _finish(job.id, run_id, "failed", text, now)
        return RunResult(job.id, "failed", text)
    summary = str(summary or "").strip().splitlines()[0] if summary else ""
    _finish(job.id, run_id, "ok", summary, now)
    return RunResult(job.id, "ok", summary)


def run_due(now: dt.datetime | None = None, only: str | None = None) -> list[RunResult]:
    """Run every due job of core and the enabled modules, or only the job ``only`` (forced: due or not).

    Raises KeyError for an ``only`` that no enabled module declares.
    """
    jobs = scheduled_jobs()
    if only is not None:
        if only not in jobs:
            raise KeyError(only)
        return [run_job(jobs[only], now, forced=True)]
    return [run_job(job, now) for job in jobs.values()]


def last_runs() -> dict[str, JobRun]:
    """The latest run of each job id, for `khet jobs list`."""
    latest = select(JobState.job_id, db.func.max(JobRun.id).label("run_id")).join(
        JobRun, JobRun.job_id == JobState.job_id).group_by(JobState.job_id).subquery()
    runs = db.session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.run_id))
    return {run.job_id: run for run in runs}
