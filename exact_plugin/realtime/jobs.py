"""The webhook job: what an accepted notification leads to (issue 15).

`schedule(company)` queues one job per company (a unique job id, so a burst of notifications
queues it once). The job waits a moment for the rest of a burst (EXACT_WEBHOOK_COALESCE_SECONDS,
with a worker only), then takes every pending event of the company, grouped by record:

- events that are the echo of our own writes (exact_own_write: one per POST/PUT we made) are
  ignored without a call;
- a record whose last event is a Delete has its binding flagged, as `sync/Deleted` does;
- every other record is fetched ONCE by its key (through the client, so within the rate
  budget) and applied with the import's rules: staged, planned; a record bound here is updated
  at once; a new one waits in the import preview (never created silently).

Notifications for topics no imported entity declares (SalesInvoices) are marked ignored.
Events left pending (an event arriving while the job finishes) are picked up by the
periodic sweep (`sweep`), which also prunes old rows.
"""
import logging
from datetime import timedelta
from itertools import groupby

from flask import current_app
from sqlalchemy import delete, select, update

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import binder, clock, entities
from exact_plugin.entities import PLAIN
from exact_plugin.errors import ExactError
from exact_plugin.importing import staging
from exact_plugin.importing.apply import apply_batch
from exact_plugin.importing.models import (OPEN_STATES, PENDING, READY, ImportRun,
                                           StagedRecord)
from exact_plugin.importing.planner import UPDATE, PlanContext, plan_batch
from exact_plugin.job_app import app_context
from exact_plugin.origin import importing_session
from exact_plugin.realtime.models import (EVENT_DONE, EVENT_IGNORED, EVENT_OWN, EVENT_PENDING,
                                          OwnWrite, WebhookEvent)

log = logging.getLogger(__name__)
EVENTS_PER_ROUND = 5000
KEEP_EVENTS = timedelta(days=7)
PREVIEW_MESSAGE = ("New records from Exact Online (webhooks): check them and click Start to "
                   "import them.")


def job_id(connection_id):
    return f"exact-webhooks-{connection_id}"


def schedule(connection_id):
    import jobs
    jobs.enqueue(apply_pending_events_job, connection_id, job_id=job_id(connection_id), unique=True)


def apply_pending_events_job(connection_id):
    with app_context():
        from jobs.queues import jobs_run_inline
        if not jobs_run_inline():
            clock.sleep(current_app.config["EXACT_WEBHOOK_COALESCE_SECONDS"])
        apply_pending_events(connection_id)


def apply_pending_events(connection_id):
    """Handle every pending event of one company; returns {"fetched": n, "own": n, ...}."""
    from exact_plugin.client import ExactClient
    tally = {"fetched": 0, "own": 0, "deleted": 0, "ignored": 0, "failed": 0}
    client = None
    while True:
        events = db.session.execute(select(WebhookEvent).where(
            WebhookEvent.connection_id == connection_id, WebhookEvent.state == EVENT_PENDING)
            .order_by(WebhookEvent.exact_key, WebhookEvent.id).limit(EVENTS_PER_ROUND)
        ).scalars().all()
        if not events:
            return tally
        for key, group in groupby(events, key=lambda event: event.exact_key):
            group = list(group)
            try:
                if client is None and _needs_client(group):
                    client = ExactClient.for_connection(connection_id, context="webhook")
                outcome = apply_events_of_record(client, connection_id, key, group)
            except ExactError as error:
                # Left pending: the next notification or the sweep tries again; the outbound
                # log holds the failed call.
                db.session.rollback()
                log.warning("Webhook fetch of %s for company %s failed: %s", key,
                            connection_id, error.message)
                tally["failed"] += 1
                return tally
            tally[outcome] += 1


def _needs_client(group):
    return bool(_specs(group[0].topic)) and group[-1].action.lower() != "delete"


def _specs(topic):
    """The imported entities whose records this topic's notifications are about."""
    return [spec for spec in entities.all_entities().values()
            if spec.webhook_topic == topic and spec.importing is not None]


def apply_events_of_record(client, connection_id, key, group):
    specs = _specs(group[0].topic)
    if not specs:
        return _close(group, EVENT_IGNORED, "ignored")
    if group[-1].action.lower() == "delete":
        for spec in specs:
            staging.mark_deleted(connection_id, spec, [key])
            # Exact itself says the record is gone: its mapping is flagged (the host record is
            # kept), as issue 15 asks; a sync/Deleted row read by an import waits for Start.
            binding = binder.binding_for_exact(connection_id, spec.host_model, key)
            if binding is not None:
                binding.deleted_in_exact = True
        return _close(group, EVENT_DONE, "deleted")
    left = _without_own_echoes(connection_id, key, group)
    if not left:
        return _close(group, EVENT_OWN, "own")
    fields = tuple(dict.fromkeys(name for spec in specs for name in spec.fields(PLAIN)))
    db.session.commit()   # nothing of ours uncommitted while the client logs (SQLite)
    record = client.get_by_key(specs[0].endpoint, key, select=fields)
    for spec in specs:
        if record is None:   # Exact: 404, it is gone (a Delete may still be on its way)
            staging.mark_deleted(connection_id, spec, [key])
        elif spec.is_record(record):
            apply_record(connection_id, spec, record)
    return _close(left, EVENT_DONE, "fetched")


def _without_own_echoes(connection_id, key, group):
    """The events left once each of our own recent writes of this record took one."""
    since = utcnow() - timedelta(seconds=current_app.config["EXACT_WEBHOOK_ECHO_SECONDS"])
    writes = db.session.execute(select(OwnWrite).where(
        OwnWrite.connection_id == connection_id, OwnWrite.exact_key == key,
        OwnWrite.consumed.is_(False), OwnWrite.written_at >= since)
        .order_by(OwnWrite.id)).scalars().all()
    echoes = group[:len(writes)]
    for write in writes[:len(echoes)]:
        write.consumed = True
    _close(echoes, EVENT_OWN, None)
    return group[len(echoes):]


def _close(events, state, outcome):
    now = utcnow()
    for event in events:
        event.state, event.processed_at = state, now
    db.session.commit()
    return outcome


def apply_record(connection_id, spec, record, force=False):
    """The import's path for one record: staged, planned, applied when bound, else previewed.
    `force`: applied even when Exact's record is what was last read (our side changed).
    Returns a sentence for the admin."""
    staging.stage_page(connection_id, spec, [record])
    table = StagedRecord.__table__
    exact_id = staging.text(record.get(spec.key))
    scope = (table.c.connection_id == connection_id, table.c.entity == spec.name,
             table.c.exact_id == exact_id)
    if force:
        db.session.execute(table.update().where(*scope).values(status=PENDING))
    db.session.commit()
    row = db.session.execute(select(table).where(*scope)).first()
    if row is None or row.status not in OPEN_STATES:
        return "Unchanged in Exact Online since it was last read: nothing to do."
    ctx = PlanContext(connection_id=connection_id, target=spec.importing,
                      duplicate_codes=staging.duplicate_codes(connection_id, spec.name))
    plan = plan_batch(ctx, [row])[0]
    if plan.action == UPDATE:
        with importing_session():
            tally = apply_batch(ctx, [row], None)
        db.session.commit()
        if tally.failed:
            error = db.session.execute(select(table.c.error).where(*scope)).scalar()
            return f"Exact's version could not be applied: {error}"
        return f"The {spec.importing.label} now holds Exact's version."
    db.session.execute(table.update().where(table.c.id == row.id).values(
        plan_action=plan.action, plan_rule=plan.rule, plan_host_id=plan.host_id,
        conflict=plan.conflict))
    _preview_run(connection_id, spec.name)
    db.session.commit()
    return (f"It is not mapped here: it waits in the import preview of {spec.plural} "
            "(Exact Online > Import), to be checked and imported.")


def _preview_run(connection_id, entity_name):
    """The import preview new records wait in: the company's open one, or a new one."""
    from exact_plugin.importing import runs
    run = db.session.execute(select(ImportRun).where(
        ImportRun.connection_id == connection_id, ImportRun.entity == entity_name,
        ImportRun.state == READY).order_by(ImportRun.id.desc()).limit(1)).scalar()
    if run is None:
        run = ImportRun(connection_id=connection_id, entity=entity_name, state=READY,
                        started_at=utcnow(), message=PREVIEW_MESSAGE)
        db.session.add(run)
        db.session.flush()
    run.total = runs.count_rows(run, OPEN_STATES)
    run.fetched = run.total
    return run


def sweep():
    """Periodic: queue the job of every company with events still pending; prune old rows."""
    with app_context():
        pending = db.session.execute(select(WebhookEvent.connection_id).where(
            WebhookEvent.state == EVENT_PENDING).distinct()).scalars().all()
        old = utcnow() - KEEP_EVENTS
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.state != EVENT_PENDING,
                                                      WebhookEvent.received_at < old))
        db.session.execute(delete(OwnWrite).where(OwnWrite.written_at < old))
        db.session.commit()
        for connection_id in pending:
            schedule(connection_id)


def remember_own_write(connection_id, key):
    """Called by the client around each POST/PUT: its echo must not cost a fetch. Written in
    its own transaction, so it is seen before the echo arrives; when the caller's open
    transaction blocks that (SQLite has one writer), it goes in with the caller's work instead
    (an echo arriving before that commit then costs one fetch, nothing worse)."""
    if not connection_id or not key:
        return
    values = dict(connection_id=connection_id, exact_key=str(key).strip("{}").lower(),
                  written_at=utcnow(), consumed=False)
    try:
        with db.engine.begin() as own:
            own.execute(OwnWrite.__table__.insert().values(**values))
    except Exception:
        db.session.add(OwnWrite(**values))


def forget_own_write(connection_id, key):
    """The write was refused: no echo will come. (Remembered in the caller's transaction
    instead, it goes with that transaction's rollback.)"""
    statement = update(OwnWrite.__table__).where(
        OwnWrite.connection_id == connection_id,
        OwnWrite.exact_key == str(key).strip("{}").lower(),
        OwnWrite.consumed.is_(False)).values(consumed=True)
    try:
        with db.engine.begin() as own:
            own.execute(statement)
    except Exception as exc:
        log.warning("Could not forget our refused write of %s: %s", key, exc.__class__.__name__)
