"""Thin job functions taking ids, and the drain loop they share with the CLI.

`push_record_job(model, id)` takes the record's lock, claims its due outbox rows, pushes the
record as it is now and deletes the rows (or schedules them again after a transient failure).
Delivery is at least once (after_commit, the relay, a Retry); the effect is exactly once
because the exporter looks a lost create up by its natural key before sending it again.
"""
import logging
import time
from contextlib import contextmanager

from flask import current_app

import jobs
from backoffice.db import db
from exact_plugin import origin
from exact_plugin.client import deadline as client_deadline
from exact_plugin.job_app import job_app
from exact_plugin.syncing import exporter, locks, outbox

log = logging.getLogger(__name__)

RELAY_JOB_ID = "exact-outbox-relay"
# Rows younger than this are still on their way through after_commit's own job.
RELAY_MIN_AGE_SECONDS = 5
# A record edited again while its push runs is pushed again by the same job, this many times.
MAX_ROUNDS = 5
JOB_TIMEOUT_SECONDS = 600
# Kept briefly for the jobs dashboard; a finished push never blocks the next one (jobs.enqueue
# replaces finished jobs of a unique id). RQ 2 fails on result_ttl=0 while cleaning up.
RESULT_TTL_SECONDS = 60


def push_job_id(host_model, host_id):
    return f"exact-push-{host_model}-{host_id}"


def enqueue_push(host_model, host_id, tag=None):
    """Queue the push of one record; a push already waiting for it is enough.

    The relay adds a `tag` (its run): a job of a killed worker still counts as started in RQ
    for a while, and must not stop the record from being queued again. Two jobs for one
    record are harmless: the second finds the rows taken or gone (lock + claim).
    """
    job_id = push_job_id(host_model, host_id) + (f"-{tag}" if tag else "")
    jobs.enqueue(push_record_job, host_model, host_id, job_id=job_id, unique=True,
                 result_ttl=RESULT_TTL_SECONDS, failure_ttl=86400, job_timeout=JOB_TIMEOUT_SECONDS)


@contextmanager
def export_session():
    """A fresh app context (so a fresh database session) whose writes are not exported again.

    The fresh context also lets the job run inline from `after_commit` (JOBS_ASYNC off), where
    the caller's session can no longer run SQL (shared ecosystem-notes §4.1).
    """
    with job_app().app_context(), origin.tagged(origin.EXPORT):
        try:
            yield
        finally:
            db.session.rollback()


def push_record_job(host_model, host_id):
    with export_session():
        return push_record(host_model, host_id)


def push_record(host_model, host_id):
    """Push one record while holding its lock; returns a short summary for the job result."""
    with locks.record_lock(host_model, host_id) as locked:
        if not locked:
            return "busy: the job holding the record pushes it again before releasing it"
        return _push_locked(host_model, host_id)


def _push_locked(host_model, host_id):
    # Retries stop in time for the lock: no second job can take the record while this one
    # still sends it (client.deadline).
    with client_deadline(locks.lock_budget_seconds()):
        pushed = 0
        for _ in range(MAX_ROUNDS):
            entries = outbox.claim_entries(host_model, host_id, lease_seconds())
            if not entries:
                break
            outcomes = exporter.export_record(host_model, host_id)
            outbox.settle(entries, outcomes, current_app.config["EXACT_SYNC_MAX_BACKOFF_SECONDS"])
            pushed += 1
        return f"{host_model} {host_id}: pushed {pushed} time(s)"


def lease_seconds():
    return current_app.config["EXACT_SYNC_LEASE_SECONDS"]


def relay_outbox(limit=1000):
    """Periodic safety net: queue every record whose outbox rows are due and not taken
    (Redis was down at commit time, a worker was killed, a retry is due)."""
    with export_session():
        records = outbox.due_records(lease_seconds=lease_seconds(), limit=limit,
                                     min_age=RELAY_MIN_AGE_SECONDS)
        queued = outbox.enqueue_pushes(records, tag=f"r{int(time.time())}")
    return f"queued {queued} of {len(records)} record(s)"


def drain(company_id=None, host_model=None):
    """Push every due record now, in this process (the `push-pending` command).

    Returns (records pushed, records still waiting)."""
    pushed = 0
    with export_session():
        records = outbox.due_records(lease_seconds=lease_seconds(), host_model=host_model)
        if company_id is not None:
            records = [record for record in records if _in_company(record, company_id)]
        for host_model_, host_id in records:
            push_record(host_model_, host_id)
            pushed += 1
        waiting = outbox.waiting_count()
    return pushed, waiting


def _in_company(record, company_id):
    from exact_plugin import binder
    return any(binding.connection_id == company_id for binding in binder.bindings_of_host(*record))


def retry_record(host_model, host_id):
    """The Retry button: a fresh outbox row for the record, queued at once."""
    outbox.mark_for_export(host_model, host_id)
    db.session.commit()
