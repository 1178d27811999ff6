"""Import runs: fetch, preview, apply, result; the job functions and the periodic jobs.

A run belongs to one company and one entity. Started from a list view it stops after the
fetch with a preview (state "ready"); the admin's Start applies the selected rows. Started
from the CLI or a periodic job it applies straight away. Job functions take ids and are safe
to run twice: the fetch resumes from the stored cursor, the apply from the rows still pending.
"""
import json
import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import budget, entities
from exact_plugin.entities import entity as entity_spec
from exact_plugin.errors import ExactError
from exact_plugin.importing import apply as applying
from exact_plugin.importing import staging
from exact_plugin.importing.sql import refresh_statistics
from exact_plugin.importing.models import (ACTIVE_STATES, APPLIED, APPLYING, CANCELLED, DONE,
                                           FAILED, FETCHING, OPEN_STATES, PENDING, READY,
                                           RUNNING_STATES, SKIPPED, STOPPED, ImportRun,
                                           ImportSchedule, StagedRecord)
from exact_plugin.importing.planner import CREATE, MATCH, UPDATE, PlanContext, plan_batch
from exact_plugin.job_app import app_context
from exact_plugin.origin import importing_session

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
PERIODIC_INTERVAL = 15 * 60
DAILY = 24 * 60 * 60
# A large first import waits on Exact's rate limit (60 calls a minute, reference §4).
JOB_TIMEOUT = 6 * 60 * 60
# The lease: the process running a run writes its heartbeat every HEARTBEAT seconds; a
# running run without one for LEASE seconds died with its worker and is marked stopped
# (on the next read of its page, or by the reaper job every REAP_INTERVAL seconds).
HEARTBEAT = 5
LEASE = 30
REAP_INTERVAL = 30
CLI = "the command line"
KEEP_IN_STEP = "the 15-minute keep-in-step job"
DAILY_JOB = "the daily tax-rate import"


class ImportRefused(Exception):
    """A run that cannot start (or resume); `message` says why, in the admin's words."""

    def __init__(self, message, run=None):
        super().__init__(message)
        self.message, self.run = message, run


class Abandoned(Exception):
    """The run was marked stopped or cancelled while this process still worked on it."""


def lease_seconds(app=None):
    return float((app or current_app).config.get("EXACT_IMPORT_LEASE", LEASE))


def heartbeat_seconds(app=None):
    return float((app or current_app).config.get("EXACT_IMPORT_HEARTBEAT", HEARTBEAT))


def _clock(moment):
    return moment.strftime("%H:%M") if moment else "an unknown time"


def active_run(connection_id, entity_name):
    """The run holding this company and entity (reading, previewing or writing), if any."""
    return db.session.execute(select(ImportRun).where(
        ImportRun.connection_id == connection_id, ImportRun.entity == entity_name,
        ImportRun.state.in_(ACTIVE_STATES)).order_by(ImportRun.id.desc()).limit(1)).scalar()


running_run = active_run


def describe_active(run):
    """"an import of customers for Acme is already running, started 10:02 by ..."."""
    plural = entity_spec(run.entity).plural
    who = run.started_by or "someone"
    if run.state == READY:
        return (f"A preview of {plural} for {run.connection} is open, started "
                f"{_clock(run.started_at)} UTC by {who}: its rows are written only by its own "
                "Start. Press Start or Cancel on that preview first.")
    return (f"An import of {plural} for {run.connection} is already running, started "
            f"{_clock(run.started_at)} UTC by {who}. Wait until it is done.")


def new_run(connection_id, entity_name, *, full=False, auto_apply=False, updates_only=False,
            started_by=None):
    """Insert a run holding its company and entity; ImportRefused if another holds them.

    The database decides (the partial unique index uq_import_run_active), so two admins, the
    CLI and the periodic jobs cannot start two runs even at the same instant.
    """
    entity_spec(entity_name)
    reap_dead_runs(connection_id, entity_name)
    now = utcnow()
    run = ImportRun(connection_id=connection_id, entity=entity_name, state=FETCHING, full=full,
                    auto_apply=auto_apply, updates_only=updates_only, started_by=started_by,
                    started_at=now, heartbeat_at=now)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        holder = active_run(connection_id, entity_name)
        raise ImportRefused(describe_active(holder) if holder else
                            "Another import of this entity started at the same moment; "
                            "look at the import page.", holder) from None
    return run


def _enqueue(run, func, kind):
    """Queue the run's job; False when the queue cannot be reached."""
    import jobs
    # A new id per attempt: the job of a killed worker stays "started" in RQ for a while
    # and would make a unique enqueue of the same id a silent no-op.
    job_id = f"exact-import-{kind}-{run.id}-{uuid.uuid4().hex[:8]}"
    run.job_id, run.heartbeat_at = job_id, utcnow()
    db.session.commit()
    jobs.enqueue(func, run.id, job_id=job_id, unique=True, job_timeout=JOB_TIMEOUT)


QUEUE_DOWN = ("the job queue (Redis) cannot be reached ({error}). Check that Redis and a "
              "worker run (`flask --app app worker`), then try again.")


def start_run(connection_id, entity_name, *, full=False, auto_apply=False, started_by=None):
    """Create a run and enqueue its fetch; returns the run. A run that cannot be queued is
    deleted again (nothing would ever run it) and ImportRefused says why."""
    run = new_run(connection_id, entity_name, full=full, auto_apply=auto_apply,
                  started_by=started_by)
    run_id = run.id
    try:
        _enqueue(run, fetch_job, "fetch")
    except Exception as exc:   # redis.ConnectionError, TimeoutError, OSError ...
        db.session.rollback()
        log.warning("Could not queue import run %s: %s", run_id, exc)
        db.session.execute(db.delete(ImportRun).where(ImportRun.id == run_id))
        db.session.commit()
        raise ImportRefused("Nothing was started: " + QUEUE_DOWN.format(error=exc)) from None
    return run


def start_apply(run, deselected_ids=()):
    """The admin's Start: deselected rows are skipped, every other open row goes in. If the
    job cannot be queued the preview stays open (ticks as chosen) and ImportRefused says why."""
    run_id = run.id
    choose_rows(run, deselected_ids)
    try:
        _enqueue(db.session.get(ImportRun, run_id), apply_job, "apply")
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        run.state = READY
        db.session.commit()
        raise ImportRefused("Nothing was written: " + QUEUE_DOWN.format(error=exc)) from None


def choose_rows(run, deselected_ids):
    # One Start per preview, even when two admins press it at once.
    claimed = db.session.execute(update(ImportRun).where(
        ImportRun.id == run.id, ImportRun.state == READY).values(state=APPLYING,
                                                                heartbeat_at=utcnow()))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ImportRefused("This import was already started (or cancelled).")
    deselected = [int(row_id) for row_id in deselected_ids]
    open_rows = (StagedRecord.connection_id == run.connection_id,
                 StagedRecord.entity == run.entity, StagedRecord.status.in_(OPEN_STATES))
    if deselected:
        db.session.execute(update(StagedRecord).where(
            *open_rows, StagedRecord.id.in_(deselected)).values(status=SKIPPED,
                                                                last_run_id=run.id))
    db.session.execute(update(StagedRecord).where(
        *open_rows, StagedRecord.id.not_in(deselected or [0])).values(status=PENDING))
    db.session.commit()


def resume(run_id):
    """Resume a stopped run where it stopped: its counters are counted from its rows, so no
    row is counted twice."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.state != STOPPED or run.resume_state not in RUNNING_STATES:
        raise ImportRefused("Only a stopped import can be resumed.")
    run.state, run.message, run.finished_at = run.resume_state, None, None
    run.heartbeat_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        holder = active_run(run.connection_id, run.entity)
        raise ImportRefused(describe_active(holder) if holder else "Another import holds "
                            "this entity.", holder) from None
    func, kind = (fetch_job, "fetch") if run.state == FETCHING else (apply_job, "apply")
    try:
        _enqueue(run, func, kind)
    except Exception as exc:
        db.session.rollback()
        _stop(run_id, "Not resumed: " + QUEUE_DOWN.format(error=exc))
        raise ImportRefused("Not resumed: " + QUEUE_DOWN.format(error=exc)) from None


def cancel(run_id, by=None):
    """End a stopped run or an open preview; what was imported stays, the rest waits for the
    next preview."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.state not in (STOPPED, READY):
        raise ImportRefused("Only a stopped import or an open preview can be cancelled.")
    was_preview = run.state == READY
    run.state, run.finished_at = CANCELLED, utcnow()
    run.message = (f"Cancelled by {by or 'an admin'} at {_clock(run.finished_at)} UTC. "
                   + ("Nothing was written." if was_preview else
                      "Rows imported before are kept; the others wait for the next import."))
    db.session.commit()


def reap_dead_runs(connection_id=None, entity_name=None):
    """Mark stopped the running runs whose lease expired: their worker died (killed, out of
    memory, machine restarted) or lost the database. A run whose job still waits in the
    queue for a worker is not dead. Returns the runs marked."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds())
    query = select(ImportRun).where(ImportRun.state.in_(RUNNING_STATES),
                                    func.coalesce(ImportRun.heartbeat_at,
                                                  ImportRun.started_at) < cutoff)
    if connection_id is not None:
        query = query.where(ImportRun.connection_id == connection_id,
                            ImportRun.entity == entity_name)
    reaped = []
    for run in db.session.execute(query).scalars().all():
        if run.job_id and _job_waiting(run.job_id, cutoff):
            continue
        run.resume_state, run.state, run.finished_at = run.state, STOPPED, utcnow()
        run.message = (f"The import stopped: the process running it gave no sign of life "
                       f"since {_clock(run.heartbeat_at)} UTC (its worker was stopped or lost "
                       "its connection). Rows already imported are kept. Resume goes on from "
                       "where it stopped; Cancel ends it.")
        reaped.append(run)
    if reaped:
        db.session.commit()
    return reaped


def _job_waiting(job_id, cutoff):
    """True while the run's job waits in the queue, or was taken by a worker so recently
    that its first heartbeat may not be written yet."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    import jobs
    try:
        job = Job.fetch(job_id, connection=jobs.get_redis())
        status = job.get_status()
    except NoSuchJobError:
        return False
    except Exception:   # Redis down: no worker can be running it either
        return False
    if status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED):
        return True
    started = job.started_at.replace(tzinfo=None) if job.started_at else None
    return status == JobStatus.STARTED and started is not None and started > cutoff


def reap_job():
    with app_context():
        reap_dead_runs()


@contextmanager
def heartbeat(run_id):
    """Keep the run's lease while this block runs: a thread writes heartbeat_at every few
    seconds on its own connection (a page of Exact may take a minute under its rate limit,
    so the work itself cannot be the heartbeat)."""
    app = current_app._get_current_object()
    stop = threading.Event()
    table = ImportRun.__table__

    def beat():
        with app.app_context():
            while not stop.wait(heartbeat_seconds(app)):
                try:
                    with db.engine.begin() as connection:
                        connection.execute(table.update().where(
                            table.c.id == run_id, table.c.state.in_(RUNNING_STATES))
                            .values(heartbeat_at=utcnow()))
                except Exception as exc:   # the next beat tries again; the lease decides
                    log.warning("Heartbeat of import run %s failed: %s", run_id, exc)

    db.session.execute(update(ImportRun).where(ImportRun.id == run_id,
                                               ImportRun.state.in_(RUNNING_STATES))
                       .values(heartbeat_at=utcnow()))
    db.session.commit()
    thread = threading.Thread(target=beat, name=f"exact-import-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _still_mine(run_id, state):
    """Raise Abandoned if the run was reaped or cancelled meanwhile: stop writing."""
    current = db.session.execute(select(ImportRun.state).where(ImportRun.id == run_id)).scalar()
    if current != state:
        raise Abandoned()


def _is_current_job(run):
    """False for a job the run no longer counts on: an old attempt requeued in the jobs
    dashboard after a Resume queued a new one (two jobs must never write one run)."""
    from rq import get_current_job
    job = get_current_job()
    return job is None or run.job_id is None or job.id == run.job_id


def fetch_job(run_id):
    """Read the run's entity from Exact into staging, then preview or apply."""
    with app_context(), budget.call_class(budget.IMPORT):
        run = db.session.get(ImportRun, run_id)
        if run is None or run.state != FETCHING or not _is_current_job(run):
            return
        with heartbeat(run_id), _stopping_on_error(run_id):
            fetch_run(run)
            run = db.session.get(ImportRun, run_id)
            if run.auto_apply:
                apply_run(run)
            else:
                plan_preview(run)


def apply_job(run_id):
    """Write the run's pending rows into the back office."""
    with app_context(), budget.call_class(budget.IMPORT):
        run = db.session.get(ImportRun, run_id)
        if run is None or run.state != APPLYING or not _is_current_job(run):
            return
        with heartbeat(run_id), _stopping_on_error(run_id):
            apply_run(run)


@contextmanager
def _stopping_on_error(run_id):
    """A run that cannot go on says why on its page, in words an admin can act on."""
    try:
        yield
    except Abandoned:
        db.session.rollback()
    except ExactError as exc:
        db.session.rollback()
        _stop(run_id, f"{exc.message} The import stopped; Resume it once this is solved. "
                      "Rows already imported are kept.")
    except Exception as exc:  # the admin sees a sentence; the log keeps the trace
        db.session.rollback()
        log.exception("Import run %s failed", run_id)
        _stop(run_id, f"The import stopped on an unexpected error ({type(exc).__name__}: "
                      f"{exc}). Rows already imported are kept; Resume it, and if it stops "
                      "again send the worker log to your administrator.")


def _stop(run_id, message):
    run = db.session.get(ImportRun, run_id)
    if run.state in RUNNING_STATES:
        run.resume_state = run.state
    run.state, run.message, run.finished_at = STOPPED, message, utcnow()
    db.session.commit()


def fetch_run(run, echo=None):
    run_id = run.id
    client = staging.client_for(run.connection_id, context=f"import {run.entity}")
    label = entity_spec(run.entity).plural

    def progress(count):
        _still_mine(run_id, FETCHING)
        db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(fetched=count))
        db.session.commit()
        if echo:
            echo(f"Read {count} new or changed {label} from Exact")

    fetched = deleted = 0
    reasons = []
    for name in entity_spec(run.entity).importing.fetch_first + (run.entity,):
        staged, gone = staging.fetch(client, run.connection_id, entity_spec(name),
                                     full=run.full, reasons=reasons,
                                     on_page=progress if name == run.entity else None)
        if name == run.entity:
            fetched, deleted = staged, gone
    _still_mine(run_id, FETCHING)
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        fetched=fetched, deleted=deleted,
        full_read_reason=" ".join(dict.fromkeys(reasons)) or None))
    db.session.commit()


def _batches(run, statuses):
    """Staged rows in id order, a batch at a time, never all in memory."""
    table = StagedRecord.__table__
    scope = (table.c.connection_id == run.connection_id, table.c.entity == run.entity,
             table.c.status.in_(statuses))
    after_id = 0
    while True:
        # Plain rows, not ORM objects: a batch is read once and never changed through them.
        rows = db.session.execute(select(table).where(*scope, table.c.id > after_id)
                                  .order_by(table.c.id).limit(BATCH_SIZE)).all()
        if not rows:
            return
        after_id = rows[-1].id
        yield rows


def plan_context(run):
    return PlanContext(connection_id=run.connection_id, target=entity_spec(run.entity).importing,
                       duplicate_codes=staging.duplicate_codes(run.connection_id, run.entity),
                       updates_only=run.updates_only)


def plan_preview(run):
    """Store the plan of every open row for the preview, and the removals Start will do,
    then wait for the admin's Start."""
    run_id = run.id
    ctx = plan_context(run)
    table = StagedRecord.__table__
    for rows in _batches(run, OPEN_STATES):
        plans = plan_batch(ctx, rows)
        db.session.execute(table.update().where(table.c.id == db.bindparam("_id")), [
            {"_id": row.id, "plan_action": plan.action, "plan_rule": plan.rule,
             "plan_host_id": plan.host_id, "conflict": plan.conflict}
            for row, plan in zip(rows, plans)])
        db.session.commit()
    run = db.session.get(ImportRun, run_id)
    _still_mine(run_id, FETCHING)
    plan_removals = ctx.target.plan_removals
    run.removals = json.dumps(plan_removals(run) if plan_removals else [])
    run.total = count_rows(run, OPEN_STATES)
    run.state = READY
    db.session.commit()


def count_rows(run, statuses):
    return db.session.execute(select(func.count()).where(
        StagedRecord.connection_id == run.connection_id, StagedRecord.entity == run.entity,
        StagedRecord.status.in_(statuses))).scalar()


def deleted_in_exact(run):
    """(code, name) of the records deleted in Exact whose mappings are not flagged yet: the
    preview lists them, Start flags them."""
    from exact_plugin.models import Binding
    host_model = entity_spec(run.entity).host_model
    if not host_model:
        return []
    return db.session.execute(select(StagedRecord.code, StagedRecord.name).join(
        Binding, (Binding.connection_id == StagedRecord.connection_id)
        & (Binding.exact_id == StagedRecord.exact_id) & (Binding.host_model == host_model))
        .where(StagedRecord.connection_id == run.connection_id,
               StagedRecord.entity == run.entity, StagedRecord.status == "deleted",
               Binding.deleted_in_exact.is_(False)).order_by(StagedRecord.code)).all()


def refresh_counts(run):
    """The run's counters, counted from the rows it wrote (never incremented), so a job run
    twice (a requeue, a Resume) counts every row once."""
    counts = {(status, action): number for status, action, number in db.session.execute(
        select(StagedRecord.status, StagedRecord.plan_action, func.count())
        .where(StagedRecord.last_run_id == run.id)
        .group_by(StagedRecord.status, StagedRecord.plan_action))}
    run.created = counts.get((APPLIED, CREATE), 0)
    run.updated = counts.get((APPLIED, UPDATE), 0)
    run.matched = counts.get((APPLIED, MATCH), 0)
    run.failed = sum(number for (status, _a), number in counts.items() if status == FAILED)
    run.skipped = sum(number for (status, _a), number in counts.items() if status == SKIPPED)
    run.done = run.created + run.updated + run.matched + run.failed


def apply_run(run, echo=None):
    run_id = run.id
    ctx = plan_context(run)
    run.state = APPLYING
    refresh_counts(run)
    # What is left plus what this run already wrote: the same total after a Resume.
    run.total = count_rows(run, (PENDING, FAILED)) + run.done - run.failed
    db.session.commit()
    with importing_session():
        for number, rows in enumerate(_batches(run, (PENDING, FAILED)), start=1):
            _still_mine(run_id, APPLYING)
            applying.apply_batch(ctx, rows, run_id)
            run = db.session.get(ImportRun, run_id)
            refresh_counts(run)
            db.session.commit()
            refresh_statistics(ctx.target.written_tables, number)
            if echo:
                echo(f"Imported {run.done} of {run.total} ({run.failed} failed)")
        run = db.session.get(ImportRun, run_id)
        _still_mine(run_id, APPLYING)
        notes = []
        if run.updates_only:
            waiting = count_rows(run, (PENDING,))
            run.total = run.done
            if waiting:
                notes.append(f"{waiting} new, unmapped or removed {entity_spec(run.entity).plural} "
                             "wait for a preview: this run only updates records already "
                             "mapped. Use Import from Exact Online to see and start them.")
        else:
            notes += _flag_deleted(run)
            after_apply = ctx.target.after_apply
            if after_apply is not None:
                notes += after_apply(run.removal_list if not run.auto_apply else None)
        run.notes = json.dumps(notes) if notes else None
        refresh_counts(run)
        run.state, run.finished_at = DONE, utcnow()
        run.message = result_sentence(run)
        db.session.commit()


def _flag_deleted(run):
    """Start flags the mappings of records deleted in Exact (the preview listed them)."""
    from exact_plugin.models import Binding
    gone = deleted_in_exact(run)
    if not gone:
        return []
    host_model = entity_spec(run.entity).host_model
    deleted_ids = select(StagedRecord.exact_id).where(
        StagedRecord.connection_id == run.connection_id, StagedRecord.entity == run.entity,
        StagedRecord.status == "deleted")
    db.session.execute(update(Binding).where(
        Binding.connection_id == run.connection_id, Binding.host_model == host_model,
        Binding.exact_id.in_(deleted_ids), Binding.deleted_in_exact.is_(False))
        .values(deleted_in_exact=True, updated_at=utcnow()))
    return [f"Flagged {len(gone)} mapping(s) as deleted in Exact (the records are kept): "
            + ", ".join(f"{code or ''} {name or ''}".strip() for code, name in gone) + "."]


def result_sentence(run):
    return (f"{run.created} created, {run.updated} updated, {run.matched} matched, "
            f"{run.skipped} skipped, {run.failed} failed.")


def import_now(connection_id, entity_name, *, full=False, echo=None, updates_only=False,
               started_by=CLI):
    """Fetch and apply at once, in this process (CLI, periodic job). Returns the run;
    ImportRefused when another run or an open preview holds the entity."""
    run = new_run(connection_id, entity_name, full=full, auto_apply=True,
                  updates_only=updates_only, started_by=started_by)
    run_id = run.id
    with heartbeat(run_id), _stopping_on_error(run_id):
        fetch_run(run, echo)
        apply_run(db.session.get(ImportRun, run_id), echo)
    db.session.expire_all()
    return db.session.get(ImportRun, run_id)


def kept_in_step():
    """Entities the periodic job can keep in step: those with a sync endpoint."""
    return [spec.name for spec in entities.importable() if spec.incremental]


def schedule_for(connection_id, entity_name, create=False):
    found = db.session.execute(select(ImportSchedule).filter_by(
        connection_id=connection_id, entity=entity_name)).scalar_one_or_none()
    if found is None and create:
        found = ImportSchedule(connection_id=connection_id, entity=entity_name, enabled=False)
        db.session.add(found)
        db.session.flush()
    return found


def next_keep_in_step(now=None):
    """When the 15-minute job runs next (its slots are multiples of the interval)."""
    import time
    from datetime import datetime, timezone
    now = time.time() if now is None else now
    slot = (int(now) // PERIODIC_INTERVAL + 1) * PERIODIC_INTERVAL
    return datetime.fromtimestamp(slot, timezone.utc).replace(tzinfo=None)


def periodic_import():
    """Keep in step the companies and entities whose setting asks for it: read what changed
    in Exact and update the records already mapped. Never creates or deletes (that waits for
    a preview) and never runs over an open preview or another run."""
    from exact_plugin.connection import connected_connections
    from exact_plugin.realtime import subscriptions
    with app_context(), budget.call_class(budget.IMPORT):
        connected = {connection.id: connection for connection in connected_connections()}
        schedules = db.session.execute(select(ImportSchedule).where(
            ImportSchedule.enabled.is_(True)).order_by(ImportSchedule.id)).scalars().all()
        for schedule_id, connection_id, entity_name in [
                (s.id, s.connection_id, s.entity) for s in schedules]:
            if connection_id not in connected or entity_name not in kept_in_step():
                continue
            # While webhooks are healthy they bring the changes; this is the safety net.
            if not subscriptions.import_due(connected[connection_id], entity_spec(entity_name),
                                            last_finished(connection_id, entity_name)):
                continue
            try:
                run = import_now(connection_id, entity_name, updates_only=True,
                                 started_by=KEEP_IN_STEP)
                message, run_id = run.message, run.id
            except ImportRefused as refused:
                message, run_id = f"Skipped: {refused.message}", None
            schedule = db.session.get(ImportSchedule, schedule_id)
            schedule.last_run_at, schedule.last_message = utcnow(), message
            schedule.last_run_id = run_id or schedule.last_run_id
            db.session.commit()


def last_finished(connection_id, entity_name):
    """When the last import of this entity and company finished, or None."""
    return db.session.execute(select(func.max(ImportRun.finished_at)).where(
        ImportRun.connection_id == connection_id, ImportRun.entity == entity_name,
        ImportRun.state == DONE)).scalar()


def daily_imports():
    """Guide: "Import tax rates daily": the entities a company's setting asks to import daily."""
    from exact_plugin.connection import connected_connections
    with app_context(), budget.call_class(budget.IMPORT):
        for connection in connected_connections():
            for spec in entities.importable():
                wanted = spec.importing.daily_setting and \
                    getattr(connection, spec.importing.daily_setting)
                if wanted:
                    try:
                        import_now(connection.id, spec.name, started_by=DAILY_JOB)
                    except ImportRefused as refused:
                        log.info("Daily import skipped: %s", refused.message)


def register_jobs(app):
    import jobs
    jobs.register_periodic_job(app, "exact-import-keep-in-step", periodic_import,
                               interval=PERIODIC_INTERVAL)
    jobs.register_periodic_job(app, "exact-import-tax-rates-daily", daily_imports,
                               interval=DAILY)
    jobs.register_periodic_job(app, "exact-import-reap-dead-runs", reap_job,
                               interval=REAP_INTERVAL)
