"""Periodic jobs declared as data, run by the worker's clock.

A plugin declares, from its `init_app(app)`:

    register_periodic_job(app, "exact-import-tax-rates", import_tax_rates_of_all_companies,
                          cron="0 3 * * *")

Each run time ("slot": a multiple of `interval` seconds since the epoch, or a cron fire time in
UTC) is claimed in Redis with SET NX, so however many workers tick, exactly one enqueues it. We
use this small loop rather than RQ's CronScheduler because that one is a separate `rq cron`
process (one more thing to run and keep single), is still marked beta in rq 2.x, and cannot run
inside the embedded worker thread of `make run`; a claim key per slot needs neither.

A worker that starts after a slot nobody ran (the worker was down at 03:00) runs that latest
missed slot once, then follows the schedule; older missed slots are not replayed.
"""
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from croniter import croniter
from flask import current_app

from jobs.queues import check_job_id, enqueue, get_redis

log = logging.getLogger(__name__)
CLAIM_KEY = "jobs:periodic:{job_id}:{slot}"


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    func: object
    interval: int | None = None
    cron: str | None = None
    kwargs: dict = field(default_factory=dict)
    queue: str = "default"

    def current_slot(self, now):
        """(start of the run time that is due at `now`, seconds until the next one)."""
        if self.interval:
            start = int(now // self.interval * self.interval)
            return start, self.interval
        moment = datetime.fromtimestamp(now, timezone.utc)
        start = int(croniter(self.cron, moment).get_prev(float))
        following = croniter(self.cron, datetime.fromtimestamp(start, timezone.utc))
        return start, int(following.get_next(float)) - start


def init_app(app):
    app.extensions["periodic_jobs"] = {}


def register_periodic_job(app, job_id, func, interval=None, cron=None, kwargs=None,
                          queue="default"):
    """Declare that `func(**kwargs)` runs every `interval` seconds or on a cron schedule (UTC).

    `func` must be a module-level function (the worker imports it by name); `job_id` is fixed
    (letters, digits, '_' and '-'), and each run's job id is "<job_id>-<slot timestamp>".
    """
    check_job_id(job_id)
    if (interval is None) == (cron is None):
        raise ValueError(f"Periodic job {job_id!r}: give either interval= (seconds) or cron=.")
    if interval is not None and (not isinstance(interval, int) or interval < 1):
        raise ValueError(f"Periodic job {job_id!r}: interval must be a whole number of seconds "
                         f"of at least 1, not {interval!r}.")
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"Periodic job {job_id!r}: {cron!r} is not a valid cron expression "
                         "(five fields, e.g. '0 3 * * *').")
    if "<locals>" in getattr(func, "__qualname__", "") or not hasattr(func, "__module__"):
        raise ValueError(f"Periodic job {job_id!r}: the function must be defined at module "
                         "level so the worker can import it.")
    app.extensions["periodic_jobs"][job_id] = PeriodicJob(
        job_id, func, interval=interval, cron=cron, kwargs=dict(kwargs or {}), queue=queue)


def periodic_jobs(app=None):
    return list((app or current_app).extensions["periodic_jobs"].values())


def enqueue_due_periodic_jobs(app, now=None):
    """Enqueue every periodic job whose current slot no worker has claimed yet.

    Returns the jobs enqueued. Needs the app context (it enqueues through `jobs.enqueue`).
    """
    now = time.time() if now is None else now
    connection = get_redis(app)
    enqueued = []
    for periodic in periodic_jobs(app):
        slot, period = periodic.current_slot(now)
        claim = CLAIM_KEY.format(job_id=periodic.id, slot=slot)
        # The claim outlives its slot so a late tick of another worker cannot run it again.
        if not connection.set(claim, 1, nx=True, ex=max(2 * period, 60)):
            continue
        log.info("Enqueueing periodic job %s for %s", periodic.id,
                 datetime.fromtimestamp(slot, timezone.utc).isoformat())
        job = enqueue(periodic.func, job_id=f"{periodic.id}-{slot}", queue=periodic.queue,
                      kwargs=periodic.kwargs, app=app)
        enqueued.append(job)
    return enqueued
