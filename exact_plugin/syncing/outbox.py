"""Change capture: SQLAlchemy session events write an outbox row in the same transaction.

How a change travels (shared ecosystem-notes §4):
1. `after_flush` collects (model, id) of every created or edited host record that can go to
   Exact (an invoice line or a customer's site counts as a change of its invoice or customer).
2. `before_commit` flushes, then writes one `OutboxEntry` per record that belongs to an Exact
   company syncing that entity, and marks its bindings "queued". A record that already has an
   untaken row gets no second one: several edits before the job runs are coalesced, because
   the job always sends the record as it is when it runs. This does not depend on the module
   switch: while the plugin is installed every change is recorded. A disabled module or a
   paused company *holds* the rows (they are not queued, the relay skips them) until it is
   enabled or resumed again; then they are sent oldest first (`jobs.release_held`).
3. `after_commit` (which may not run SQL) queues the drain job of each company concerned
   (syncing/pipeline.py), swallowing Redis errors: the periodic relay (`relay_outbox`) queues
   whatever was not picked up.
Writes made while `session.info["exact_origin"]` is "import" or "export" are ignored, so an
import does not come back as an export and the exporter's own write-backs do not loop.
"""
import logging
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, or_
from sqlalchemy.orm import Session

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import binder, entities, origin
from exact_plugin.models import Binding, ExactConnection
from exact_plugin.syncing.models import OutboxEntry
from exact_plugin.syncing.companies import connection_syncs
from exact_plugin.syncing.states import QUEUED

log = logging.getLogger(__name__)

CHANGES_KEY = "exact_sync_changes"
NEW_KEY = "exact_sync_new"
FORCED_KEY = "exact_sync_forced"
UNASSIGNED_KEY = "exact_sync_unassigned"
ENQUEUE_KEY = "exact_sync_enqueue"


def _record_of(obj):
    """(host model, id) whose export a changed object affects, or None."""
    model_name = type(obj).__name__
    for host_model, spec in entities.exported().items():
        if model_name == host_model:
            return host_model, obj.id
        if model_name in spec.parts:
            host_id = spec.parts[model_name](obj)
            return (host_model, host_id) if host_id else None
    return None


def _silent(session):
    return origin.is_plugin_write(session)


def _after_flush(session, _flush_context):
    if _silent(session):
        return
    changes = session.info.setdefault(CHANGES_KEY, set())
    new = session.info.setdefault(NEW_KEY, set())
    for obj in session.new:
        record = _record_of(obj)
        if record:
            changes.add(record)
            if record == (type(obj).__name__, obj.id):
                new.add(record)
    for obj in list(session.dirty) + list(session.deleted):
        if obj in session.deleted or session.is_modified(obj, include_collections=False):
            record = _record_of(obj)
            if record:
                changes.add(record)


def mark_for_export(host_model, host_id, session=None):
    """Export this record at the next commit even if none of its columns changed
    (e.g. only its Exact company was set on the form)."""
    (session or db.session).info.setdefault(FORCED_KEY, set()).add((host_model, host_id))


def mark_unassigned(host_model, host_id, session=None):
    """The admin left "Exact Online company" empty on a new record: do not apply the default."""
    (session or db.session).info.setdefault(UNASSIGNED_KEY, set()).add((host_model, host_id))


def _active():
    """Only in an app that runs this plugin (the listeners are process-wide)."""
    return has_app_context() and "exact_sync" in current_app.extensions


def _before_commit(session):
    if _silent(session) or not _active():
        _clear(session)
        return
    session.flush()
    changes = session.info.pop(CHANGES_KEY, set()) | session.info.pop(FORCED_KEY, set())
    new = session.info.pop(NEW_KEY, set()) - session.info.pop(UNASSIGNED_KEY, set())
    if not changes:
        return
    from exact_plugin.syncing import companies
    for host_model, host_id in sorted(new):
        companies.assign_default_company(host_model, host_id)
    write_outbox_entries(changes)   # notes the companies whose drain after_commit queues


def write_outbox_entries(records):
    """Add an outbox row for each record that belongs to a company syncing it; returns the
    records to push now. The companies whose drain job pushes them (syncing/pipeline.py) are
    noted for `after_commit`: none while the module is disabled, no paused company (their rows
    are held)."""
    queued, companies = set(), set()
    from exact_plugin.syncing.companies import integration_enabled
    enabled = integration_enabled()
    by_model = {}
    for host_model, host_id in records:
        if host_model in entities.exported() and host_id is not None:
            by_model.setdefault(host_model, set()).add(host_id)
    for host_model, ids in by_model.items():
        bindings = binder.bindings_of_hosts(host_model, ids)
        exported = {}
        for binding in bindings:
            if connection_syncs(binding.connection, host_model):
                exported.setdefault(binding.host_id, []).append(binding)
        waiting = _records_with_untaken_entry(host_model, exported)
        for host_id, record_bindings in exported.items():
            if host_id not in waiting:
                db.session.add(OutboxEntry(host_model=host_model, host_id=host_id))
            for binding in record_bindings:
                binding.sync_state = QUEUED
                if enabled and not binding.connection.sync_paused:
                    companies.add(binding.connection_id)
                    queued.add((host_model, host_id))
    if companies:
        db.session.info.setdefault(ENQUEUE_KEY, set()).update(companies)
    return queued


def _records_with_untaken_entry(host_model, host_ids):
    if not host_ids:
        return set()
    return set(db.session.execute(db.select(OutboxEntry.host_id).filter(
        OutboxEntry.host_model == host_model, OutboxEntry.host_id.in_(list(host_ids)),
        OutboxEntry.claimed_at.is_(None))).scalars())


def _after_commit(session):
    companies = session.info.pop(ENQUEUE_KEY, None)
    if companies:
        from exact_plugin.syncing import pipeline
        pipeline.enqueue_drains(companies, queue="high")   # a fresh change goes first


def enqueue_pushes(records, tag=None):
    """Queue the drains that push these records (bulk.py's fan-out); returns how many records
    they cover. A Redis failure leaves them to the relay."""
    from exact_plugin.syncing import pipeline
    pipeline.enqueue_drains(companies_of(records))
    return len(records)


def _clear(session, *_args):
    for key in (CHANGES_KEY, NEW_KEY, FORCED_KEY, UNASSIGNED_KEY, ENQUEUE_KEY):
        session.info.pop(key, None)


def _after_soft_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        _clear(session)


def due_filters(now, lease_seconds):
    """An outbox row is due when its backoff is over and no live job has taken it."""
    return (OutboxEntry.available_at <= now,
            or_(OutboxEntry.claimed_at.is_(None),
                OutboxEntry.claimed_at < now - timedelta(seconds=lease_seconds)))


def due_records(now=None, lease_seconds=300, limit=None, host_model=None, min_age=0,
                company_id=None):
    """(model, id) of records with an outbox row that is due and not taken by a live job,
    oldest change first. Held rows are left out: none while the module is disabled, and only
    records with a company that is not paused (`company_id`: with a binding in that company)."""
    from exact_plugin.syncing.companies import integration_enabled
    if not integration_enabled():
        return []
    now = now or utcnow()
    live = db.select(Binding.id).join(ExactConnection, Binding.connection).filter(
        Binding.host_model == OutboxEntry.host_model, Binding.host_id == OutboxEntry.host_id,
        ExactConnection.sync_paused.is_(False))
    if company_id is not None:
        live = live.filter(Binding.connection_id == company_id)
    query = db.select(OutboxEntry.host_model, OutboxEntry.host_id).filter(
        *due_filters(now, lease_seconds),
        OutboxEntry.created_at <= now - timedelta(seconds=min_age),
        live.exists())
    if host_model:
        query = query.filter(OutboxEntry.host_model == host_model)
    query = query.group_by(OutboxEntry.host_model, OutboxEntry.host_id).order_by(
        db.func.min(OutboxEntry.id))
    if limit:
        query = query.limit(limit)
    return [tuple(row) for row in db.session.execute(query)]


def companies_of(records):
    """The connection ids syncing these records (the drains that push them)."""
    found = set()
    for host_model, host_id in records:
        for binding in binder.bindings_of_host(host_model, host_id):
            if connection_syncs(binding.connection, host_model):
                found.add(binding.connection_id)
    return found


_installed = False


def install_listeners():
    """Register the session events once per process (they apply to every Session)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _installed = True


# -- the rows a push job takes and settles -----------------------------------------------

def claim_entries(host_model, host_id, lease_seconds):
    """Take the record's due rows (committed, so the relay leaves them to this job)."""
    now = utcnow()
    query = db.select(OutboxEntry).filter(
        OutboxEntry.host_model == host_model, OutboxEntry.host_id == host_id,
        OutboxEntry.available_at <= now,
        db.or_(OutboxEntry.claimed_at.is_(None),
               OutboxEntry.claimed_at < now - timedelta(seconds=lease_seconds))
    ).order_by(OutboxEntry.id).with_for_update(skip_locked=True)
    entries = db.session.execute(query).scalars().all()
    for entry in entries:
        entry.claimed_at = now
        entry.attempts += 1
    db.session.commit()
    return [entry.id for entry in entries]


def settle(entry_ids, outcomes, max_backoff):
    """Delete the rows the push covered, or schedule them again after a transient failure."""
    retry_in = [outcome.retry_in for outcome in outcomes if outcome.retry_in is not None]
    held = any(outcome.held for outcome in outcomes)
    entries = db.session.execute(db.select(OutboxEntry).filter(OutboxEntry.id.in_(entry_ids))
                                 ).scalars().all()
    for entry in entries:
        if held and not retry_in:
            # A paused company of the record still has to get this change: keep the row.
            entry.claimed_at = None
        elif retry_in:
            backoff = min(max(retry_in) * (2 ** min(entry.attempts - 1, 5)), max_backoff)
            entry.available_at = utcnow() + timedelta(seconds=backoff)
            entry.claimed_at = None
            entry.last_error = next(o.message for o in outcomes if o.retry_in is not None)
        else:
            db.session.delete(entry)
    db.session.commit()


def waiting_count(company_id=None):
    """Records with a change not yet in Exact (in one company's records when given)."""
    records = db.select(OutboxEntry.host_model, OutboxEntry.host_id).distinct()
    if company_id is not None:
        records = records.filter(db.select(Binding.id).filter(
            Binding.host_model == OutboxEntry.host_model, Binding.host_id == OutboxEntry.host_id,
            Binding.connection_id == company_id).exists())
    return db.session.execute(db.select(db.func.count()).select_from(records.subquery())
                              ).scalar()


def has_waiting_entry(host_model, host_id):
    """(waiting, taken): whether the record has a change in the outbox, and whether a job is
    sending it right now."""
    rows = db.session.execute(db.select(OutboxEntry.claimed_at, OutboxEntry.last_error).filter(
        OutboxEntry.host_model == host_model, OutboxEntry.host_id == host_id)).all()
    return bool(rows), any(row.claimed_at for row in rows), next(
        (row.last_error for row in rows if row.last_error), None)


def waiting_entries(limit):
    """The oldest rows still waiting, for the sync page."""
    return db.session.execute(db.select(OutboxEntry).order_by(OutboxEntry.id).limit(limit)
                              ).scalars().all()
