"""Pushing one record, the relay, and the drain loop the CLI uses.

`push_record(model, id)` takes the record's lock, claims its due outbox rows, pushes the
record as it is now and deletes the rows (or schedules them again after a transient failure).
The jobs that call it are the companies' drain jobs (syncing/pipeline.py), which push a batch
of records each.
Delivery is at least once (after_commit, the relay, a Retry); the effect is exactly once
because the exporter looks a lost create up by its natural key before sending it again.
"""
import logging
from contextlib import contextmanager

from flask import current_app

from backoffice.db import db
from exact_plugin import origin
from exact_plugin.client import deadline as client_deadline
from exact_plugin.job_app import job_app
from exact_plugin.syncing import exporter, locks, outbox, pipeline

log = logging.getLogger(__name__)

RELAY_JOB_ID = "exact-outbox-relay"
# Rows younger than this are still on their way through after_commit's own job.
RELAY_MIN_AGE_SECONDS = 5
# A record edited again while its push runs is pushed again by the same job, this many times.
MAX_ROUNDS = 5


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
    """A job queued by an earlier version (one job per record); kept so queued ones still run."""
    with export_session():
        return push_record(host_model, host_id)


def push_record(host_model, host_id):
    """Push one record while holding its lock; returns a short summary for the job result."""
    from exact_plugin.syncing.companies import integration_enabled
    if not integration_enabled():
        # Queued before the module was disabled: the rows wait (release_held sends them).
        return f"{host_model} {host_id}: held, the Exact Online module is disabled"
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
            # The record as it is now, whatever this session loaded before (a drain job keeps
            # its objects across commits, syncing/pipeline.py).
            db.session.expire_all()
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
        companies = set()
        for record in records:
            found = outbox.companies_of([record])
            if not found:
                # No company syncs it any more (its company or setting changed after the row
                # was written): no drain job would take the row, so settle it here.
                push_record(*record)
            companies |= found
        # A company whose drain is still queued is left to it (pipeline.enqueue_drain).
        queued = pipeline.enqueue_drains(companies)
    return f"queued the drain of {queued} compan(ies) for {len(records)} record(s)"


def release_held(company_id=None):
    """The module was enabled or a company resumed: queue every waiting change, oldest first
    (RQ runs a queue in order). Returns how many records were queued."""
    records = outbox.due_records(lease_seconds=lease_seconds(), company_id=company_id)
    if records:
        pipeline.enqueue_drains({company_id} if company_id is not None
                                else outbox.companies_of(records))
    return len(records)


def drain(company_id=None, host_model=None):
    """Push every due record now, in this process (the `push-pending` command).

    Returns (records pushed, records still waiting)."""
    pushed = 0
    with export_session(), pipeline.shared_clients():
        records = outbox.due_records(lease_seconds=lease_seconds(), host_model=host_model,
                                     company_id=company_id)
        for host_model_, host_id in records:
            push_record(host_model_, host_id)
            pushed += 1
        waiting = outbox.waiting_count()
    return pushed, waiting


def retry_record(host_model, host_id):
    """The Retry button: a fresh outbox row for the record, queued at once."""
    outbox.mark_for_export(host_model, host_id)
    db.session.commit()
