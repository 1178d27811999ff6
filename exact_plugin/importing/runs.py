"""Import runs: fetch, preview, apply, result; the job functions and the periodic jobs.

A run belongs to one company and one entity. Started from a list view it stops after the
fetch with a preview (state "ready"); the admin's Start applies the selected rows. Started
from the CLI or a periodic job it applies straight away. Job functions take ids and are safe
to run twice: the fetch resumes from the stored cursor, the apply from the rows still pending.
"""
import json
import logging
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select, update

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import budget, entities
from exact_plugin.entities import entity as entity_spec
from exact_plugin.errors import ExactError
from exact_plugin.importing import apply as applying
from exact_plugin.importing import staging
from exact_plugin.importing.sql import refresh_statistics
from exact_plugin.importing.models import (APPLYING, DONE, FAILED, FETCHING, OPEN_STATES,
                                           PENDING, READY, SKIPPED, STOPPED, ImportRun,
                                           StagedRecord, SyncCursor)
from exact_plugin.importing.planner import PlanContext, plan_batch
from exact_plugin.job_app import app_context
from exact_plugin.origin import importing_session

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
PERIODIC_INTERVAL = 15 * 60
DAILY = 24 * 60 * 60
# A large first import waits on Exact's rate limit (60 calls a minute, reference §4).
JOB_TIMEOUT = 6 * 60 * 60
# A run still "running" after this long died with its worker; it no longer blocks new runs.
STALE_AFTER = timedelta(hours=6)


def start_run(connection_id, entity_name, *, full=False, auto_apply=False):
    """Create a run and enqueue its fetch; returns the run."""
    import jobs
    run = new_run(connection_id, entity_name, full=full, auto_apply=auto_apply)
    jobs.enqueue(fetch_job, run.id, job_id=f"exact-import-fetch-{run.id}", unique=True,
                 job_timeout=JOB_TIMEOUT)
    return run


def new_run(connection_id, entity_name, *, full=False, auto_apply=False):
    entity_spec(entity_name)
    run = ImportRun(connection_id=connection_id, entity=entity_name, state=FETCHING, full=full,
                    auto_apply=auto_apply, started_at=utcnow())
    db.session.add(run)
    db.session.commit()
    return run


def start_apply(run, deselected_ids=()):
    """The admin's Start: deselected rows are skipped, every other open row goes in."""
    import jobs
    choose_rows(run, deselected_ids)
    jobs.enqueue(apply_job, run.id, job_id=f"exact-import-apply-{run.id}", unique=True,
                 job_timeout=JOB_TIMEOUT)


def choose_rows(run, deselected_ids):
    deselected = [int(row_id) for row_id in deselected_ids]
    open_rows = (StagedRecord.connection_id == run.connection_id,
                 StagedRecord.entity == run.entity, StagedRecord.status.in_(OPEN_STATES))
    if deselected:
        db.session.execute(update(StagedRecord).where(
            *open_rows, StagedRecord.id.in_(deselected)).values(status=SKIPPED,
                                                                last_run_id=run.id))
    db.session.execute(update(StagedRecord).where(
        *open_rows, StagedRecord.id.not_in(deselected or [0])).values(status=PENDING))
    run.skipped = len(deselected)
    run.state = APPLYING
    db.session.commit()


def fetch_job(run_id):
    """Read the run's entity from Exact into staging, then preview or apply."""
    with app_context(), budget.call_class(budget.IMPORT):
        run = db.session.get(ImportRun, run_id)
        if run is None or run.state != FETCHING:
            return
        with _stopping_on_error(run_id):
            fetch_run(run)
            if run.auto_apply:
                apply_run(run)
            else:
                plan_preview(run)


def apply_job(run_id):
    """Write the run's pending rows into the back office."""
    with app_context(), budget.call_class(budget.IMPORT):
        run = db.session.get(ImportRun, run_id)
        if run is None or run.state != APPLYING:
            return
        with _stopping_on_error(run_id):
            apply_run(run)


@contextmanager
def _stopping_on_error(run_id):
    """A run that cannot go on says why on its page, in words an admin can act on."""
    try:
        yield
    except ExactError as exc:
        db.session.rollback()
        _stop(run_id, f"{exc.message} The import stopped; start it again once this is solved. "
                      "Rows already imported are kept.")
    except Exception as exc:  # the admin sees a sentence; the log keeps the trace
        db.session.rollback()
        log.exception("Import run %s failed", run_id)
        _stop(run_id, f"The import stopped on an unexpected error ({type(exc).__name__}: "
                      f"{exc}). Rows already imported are kept; start it again, and if it stops "
                      "again send the worker log to your administrator.")


def _stop(run_id, message):
    run = db.session.get(ImportRun, run_id)
    run.state, run.message, run.finished_at = STOPPED, message, utcnow()
    db.session.commit()


def fetch_run(run, echo=None):
    client = staging.client_for(run.connection_id, context=f"import {run.entity}")
    label = entity_spec(run.entity).plural

    def progress(count):
        run.fetched = count
        db.session.commit()
        if echo:
            echo(f"Read {count} new or changed {label} from Exact")

    reasons = []
    for name in entity_spec(run.entity).importing.fetch_first + (run.entity,):
        staged, deleted = staging.fetch(client, run.connection_id, entity_spec(name),
                                        full=run.full, reasons=reasons,
                                        on_page=progress if name == run.entity else None)
        if name == run.entity:
            run.fetched, run.deleted = staged, deleted
    run.full_read_reason = " ".join(dict.fromkeys(reasons)) or None
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
                       duplicate_codes=staging.duplicate_codes(run.connection_id, run.entity))


def plan_preview(run):
    """Store the plan of every open row for the preview, then wait for the admin's Start."""
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
    run.total = count_rows(run, OPEN_STATES)
    run.state = READY
    db.session.commit()


def count_rows(run, statuses):
    return db.session.execute(select(func.count()).where(
        StagedRecord.connection_id == run.connection_id, StagedRecord.entity == run.entity,
        StagedRecord.status.in_(statuses))).scalar()


def apply_run(run, echo=None):
    run_id = run.id
    ctx = plan_context(run)
    run.state = APPLYING
    run.total, run.done = count_rows(run, (PENDING, FAILED)), 0
    db.session.commit()
    with importing_session():
        for number, rows in enumerate(_batches(run, (PENDING, FAILED)), start=1):
            tally = applying.apply_batch(ctx, rows, run_id)
            run = db.session.get(ImportRun, run_id)
            for name in ("created", "updated", "matched", "failed", "done"):
                setattr(run, name, getattr(run, name) + getattr(tally, name))
            db.session.commit()
            refresh_statistics(ctx.target.written_tables, number)
            if echo:
                run = db.session.get(ImportRun, run_id)
                echo(f"Imported {run.done} of {run.total} ({run.failed} failed)")
        run = db.session.get(ImportRun, run_id)
        after_apply = ctx.target.after_apply
        if after_apply is not None:
            run.notes = json.dumps(after_apply())
        run.state, run.finished_at = DONE, utcnow()
        run.message = result_sentence(run)
        db.session.commit()


def result_sentence(run):
    return (f"{run.created} created, {run.updated} updated, {run.matched} matched, "
            f"{run.skipped} skipped, {run.failed} failed.")


def import_now(connection_id, entity_name, *, full=False, echo=None):
    """Fetch and apply at once, in this process (CLI, periodic job). Returns the run."""
    run = new_run(connection_id, entity_name, full=full, auto_apply=True)
    run_id = run.id
    with _stopping_on_error(run_id):
        fetch_run(run, echo)
        apply_run(run, echo)
    db.session.expire_all()
    return db.session.get(ImportRun, run_id)


def kept_in_step():
    """Entities the periodic job keeps in step once imported: those with a sync endpoint."""
    return [spec.name for spec in entities.importable() if spec.incremental]


def periodic_import():
    """Keep imported entities in step: every connected company, every entity imported before."""
    from exact_plugin.connection import connected_connections
    from exact_plugin.realtime import subscriptions
    with app_context(), budget.call_class(budget.IMPORT):
        for connection in connected_connections():
            imported = set(db.session.execute(select(SyncCursor.entity).where(
                SyncCursor.connection_id == connection.id)).scalars())
            for entity_name in kept_in_step():
                if entity_name in imported and running_run(connection.id, entity_name) is None \
                        and subscriptions.import_due(connection, entity_spec(entity_name),
                                                     last_finished(connection.id, entity_name)):
                    import_now(connection.id, entity_name)


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
                if wanted and running_run(connection.id, spec.name) is None:
                    import_now(connection.id, spec.name)


def running_run(connection_id, entity_name):
    """The run of this entity and company still reading or writing, if any."""
    return db.session.execute(select(ImportRun).where(
        ImportRun.connection_id == connection_id, ImportRun.entity == entity_name,
        ImportRun.state.in_((FETCHING, APPLYING)),
        ImportRun.created_at > utcnow() - STALE_AFTER).order_by(ImportRun.id.desc())
        .limit(1)).scalar()


def register_jobs(app):
    import jobs
    jobs.register_periodic_job(app, "exact-import-keep-in-step", periodic_import,
                               interval=PERIODIC_INTERVAL)
    jobs.register_periodic_job(app, "exact-import-tax-rates-daily", daily_imports,
                               interval=DAILY)
