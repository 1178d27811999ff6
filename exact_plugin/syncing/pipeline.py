"""The push pipeline: one job per company drains a batch of its outbox, then yields the worker.

Why batches: a job per outbox row made RQ fork a process, build an app context and open a new
HTTPS connection for every pushed record (3 pushes a second with one worker, issue 16). A drain
job instead keeps one app context, one database session and one HTTP session per company
(`shared_clients`) for a whole batch.

Why per company: each Exact division has its own budget (60 calls a minute, 5,000 a day,
exact-online-api.md §4). A company's job
- takes its due records oldest first, EXACT_SYNC_BATCH_SIZE at a time, dependencies first
  within the batch (customers and products before the invoices that use them);
- stops after the batch or EXACT_SYNC_BATCH_SECONDS and queues the company's next job at the
  back of the queue, so the queue goes round the companies (round-robin) and a backlog of
  5,000 changes of one company never keeps another company's invoice waiting;
- stops as soon as the division's minute is spent and schedules its next job for the reset,
  instead of holding a worker asleep: the other companies' jobs use the workers meanwhile.

The guarantees of a single push stay those of `jobs.push_record`: each record is pushed under
its lock, from its claimed outbox rows, as it is when pushed (order per record), exactly once
(the exporter's natural-key lookup), and its badge is set by the exporter.

One job per company at a time: a Redis flag says "a drain of this company is queued". The job
clears it before it reads the outbox, so a change committed after that queues a new job, and a
change committed before it is seen by this one: no change waits for the relay.
"""
import contextvars
import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from flask import current_app

import jobs
from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import clock, entities
from exact_plugin.locks import redis_key
from exact_plugin.models import Binding, ExactConnection
from exact_plugin.syncing.models import OutboxEntry

log = logging.getLogger(__name__)

JOB_TIMEOUT_SECONDS = 600
RESULT_TTL_SECONDS = 60
# A queued flag outlives a job that never started (its worker died) only this long.
QUEUED_FLAG_SECONDS = 300

_clients = contextvars.ContextVar("exact_push_clients", default=None)


def queued_key(connection_id):
    return redis_key("drain", "queued", connection_id)


# -- queueing ----------------------------------------------------------------------------

def enqueue_drains(connection_ids, queue="default"):
    """Queue a drain of each company unless one is already waiting; Redis errors are left to
    the relay (the outbox rows stay). Returns how many were queued."""
    queued = 0
    for connection_id in sorted(set(connection_ids)):
        try:
            queued += bool(enqueue_drain(connection_id, queue=queue))
        except Exception as exc:  # Redis down: the outbox row stays, the relay retries.
            log.warning("Could not queue the Exact push of company %s (%s); the outbox relay "
                        "will queue it.", connection_id, exc.__class__.__name__)
    return queued


def enqueue_drain(connection_id, at=None, queue="default"):
    """Queue the company's drain job (at `at`, epoch seconds, when given); None when one is
    already waiting.

    A fresh change queues on "high" (after_commit) and a backlog's next batch on "default":
    workers take "high" first, so a company's single new invoice goes before the next batch
    of another company's backlog and waits at most for the batches already running."""
    redis = jobs.get_redis()
    wait = max(0.0, (at or 0) - clock.now())
    if not redis.set(queued_key(connection_id), "1", nx=True,
                     ex=int(QUEUED_FLAG_SECONDS + wait)):
        return None
    job_id = f"exact-drain-{connection_id}-{time.time_ns()}"
    options = dict(job_id=job_id, result_ttl=RESULT_TTL_SECONDS, failure_ttl=86400,
                   job_timeout=JOB_TIMEOUT_SECONDS)
    try:
        if wait and not jobs.queues.jobs_run_inline():
            return jobs.get_queue(queue).enqueue_at(datetime.fromtimestamp(at, timezone.utc),
                                                    drain_company_job, connection_id, **options)
        return jobs.enqueue(drain_company_job, connection_id, queue=queue, **options)
    except Exception:
        redis.delete(queued_key(connection_id))
        raise


# -- the job -----------------------------------------------------------------------------

def drain_company_job(connection_id):
    """Push a batch of the company's due records; queue the rest for its next job."""
    from exact_plugin.syncing.jobs import export_session
    jobs.get_redis().delete(queued_key(connection_id))  # before reading: see the docstring
    inline = jobs.queues.jobs_run_inline()
    with export_session(), shared_clients(), loaded_across_commits():
        pushed, more, resume_at = drain_batch(connection_id, until_empty=inline)
    if resume_at is not None:
        enqueue_drain(connection_id, at=resume_at)
    elif more:
        enqueue_drain(connection_id)
    return f"company {connection_id}: pushed {pushed} record(s)" + (
        "; the rest waits for the next job" if more else "")


def drain_batch(connection_id, until_empty=False):
    """Push due records of the company until the batch is done (or, `until_empty`, until
    none are left). Returns (pushed, more left, epoch second to resume at or None)."""
    from exact_plugin.syncing.jobs import push_record
    config = current_app.config
    size = config["EXACT_SYNC_BATCH_SIZE"]
    deadline = time.monotonic() + config["EXACT_SYNC_BATCH_SECONDS"]
    pushed = 0
    while True:
        records = company_due_records(connection_id, limit=size)
        if not records:
            return pushed, False, None
        for host_model, host_id in dependencies_first(records):
            resume_at = minute_spent_until(connection_id)
            if resume_at is not None and not until_empty:
                return pushed, True, resume_at
            push_record(host_model, host_id)
            pushed += 1
            if not until_empty and (pushed >= size or time.monotonic() > deadline):
                return pushed, True, None


def company_due_records(connection_id, limit, now=None):
    """(model, id) of the company's records with a due, untaken outbox row, oldest first."""
    from exact_plugin.syncing.companies import integration_enabled
    from exact_plugin.syncing.outbox import due_filters
    if not integration_enabled():
        return []   # the module is off: the rows are held (jobs.release_held)
    query = (db.select(OutboxEntry.host_model, OutboxEntry.host_id)
             .join(Binding, db.and_(Binding.host_model == OutboxEntry.host_model,
                                    Binding.host_id == OutboxEntry.host_id,
                                    Binding.connection_id == connection_id))
             .join(ExactConnection, Binding.connection)
             .filter(ExactConnection.sync_paused.is_(False))   # a paused company's are held
             .filter(*due_filters(now or utcnow(), current_app.config["EXACT_SYNC_LEASE_SECONDS"]))
             .group_by(OutboxEntry.host_model, OutboxEntry.host_id)
             .order_by(db.func.min(OutboxEntry.id)).limit(limit))
    return [tuple(row) for row in db.session.execute(query)]


def dependencies_first(records):
    """The batch in the registry's order of kinds (customers, products, then invoices), oldest
    first within a kind: an invoice's customer is then usually in Exact before the invoice."""
    rank = {name: index for index, name in enumerate(entities.exported())}
    return sorted(records, key=lambda record: rank.get(record[0], len(rank)))


def minute_spent_until(connection_id):
    """The reset time of the division's minute when no call is left in it (None otherwise):
    the job then yields its worker instead of sleeping in it."""
    client = _clients.get().get(connection_id) if _clients.get() is not None else None
    if client is None:
        client = cached_client(connection_id)
        if client is None:
            return None  # not connected: the exporter records why on each record
    from exact_plugin.ratelimit import RateBudget
    figures = RateBudget(client.base_url, client.client_id, client.division).snapshot()
    if figures["minutely_remaining"] == 0 and (figures["minutely_reset_at"] or 0) > clock.now():
        return figures["minutely_reset_at"] + current_app.config["EXACT_RATE_RESET_MARGIN"]
    return None


@contextmanager
def loaded_across_commits():
    """A push commits several times (the create mark before the request, the answer, the
    badge, the outbox row); reloading every object after each commit cost about 40 % of a
    push. Objects stay loaded instead, and `push_record` expires them all before each record,
    so every record is still sent as it is when its push starts."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous


# -- one HTTP session per company for the whole job --------------------------------------

@contextmanager
def shared_clients():
    """Inside this block `client_for` hands out one ExactClient (one HTTP keep-alive session)
    per company instead of a new one per record."""
    token = _clients.set({})
    try:
        yield
    finally:
        for client in _clients.get().values():
            if client is not None:
                client.http.close()
        _clients.reset(token)


def cached_client(connection_id):
    """The job's client of this company, made once; None when it cannot be made."""
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import ExactError
    cache = _clients.get()
    if cache is None:
        return None
    if connection_id not in cache:
        try:
            cache[connection_id] = ExactClient.for_connection(connection_id)
        except ExactError:
            cache[connection_id] = None
    return cache[connection_id]


def client_for(company, context):
    """The exporter's client: the job's shared one when there is one, else a new one (which
    raises the admin's message when the company cannot be called)."""
    from exact_plugin.client import ExactClient
    client = cached_client(company.id)
    if client is None:
        return ExactClient.for_connection(company, context=context)
    client.context = context
    return client
