"""Bulk work from the lists (issue 13): "Send to Exact Online", "Retry", "Retry all failed" per
company, and the progress of what was sent.

Everything goes through the outbox (outbox.write_outbox_entries, then outbox.enqueue_pushes),
so a bulk send is paced like any save: one push job per record, each waiting for the shared
rate budget (exact_plugin/ratelimit.py) before it calls Exact. The request itself only writes
the outbox rows and queues one fan-out job, so it stays quick for thousands of records.

A batch (what one click sent) is remembered in Redis for a day, so its progress page can count
how many of its records are synced, failed or still waiting.
"""
import json
import logging
import uuid

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import binder, connection
from exact_plugin.entities import export_of
from exact_plugin.locks import redis_key
from exact_plugin.models import Binding
from exact_plugin.syncing import companies, outbox
from exact_plugin.syncing.states import FAILED, QUEUED, SYNCED

log = logging.getLogger(__name__)

BATCH_TTL_SECONDS = 86400


def send(host_model, host_ids):
    """Queue these records for Exact. Records without an Exact company get the default one
    (as a new record's form does). Returns (queued records, {reason: count} of those skipped)."""
    host_ids = sorted({int(host_id) for host_id in host_ids})
    bound = {binding.host_id for binding in binder.bindings_of_hosts(host_model, host_ids)}
    unbound = [host_id for host_id in host_ids if host_id not in bound]
    assigned = _assign_default_company(host_model, unbound) if unbound else 0
    skipped = {"no_company": len(unbound) - assigned} if len(unbound) > assigned else {}
    db.session.flush()
    return _queue(host_model, host_ids, skipped)


def _assign_default_company(host_model, host_ids):
    """Give records without a company the one a new record would get; returns how many."""
    from backoffice import models as host
    model = getattr(host, host_model)
    existing = db.session.execute(db.select(model.id).filter(model.id.in_(host_ids))
                                  ).scalars().all()
    if export_of(host_model).company_from:
        # Each its own (an invoice: its customer's company).
        return sum(companies.assign_default_company(host_model, host_id) is not None
                   for host_id in existing)
    company = connection.default_connection()
    if company is None:
        return 0
    db.session.add_all([Binding(connection_id=company.id, host_model=host_model, host_id=host_id)
                        for host_id in existing])
    return len(existing)


def retry(host_model, host_ids):
    """Queue again the records among these whose sync failed; the others are left alone."""
    host_ids = {int(host_id) for host_id in host_ids}
    failed = sorted({binding.host_id for binding in binder.bindings_of_hosts(
        host_model, list(host_ids)) if binding.sync_state == FAILED})
    skipped = {"not_failed": len(host_ids) - len(failed)} if len(failed) < len(host_ids) else {}
    return _queue(host_model, failed, skipped)


def retry_all_failed(company_id):
    """Queue again every failed record of one company. Returns the records queued."""
    rows = db.session.execute(db.select(Binding.host_model, Binding.host_id).filter(
        Binding.connection_id == company_id, Binding.sync_state == FAILED)).all()
    queued = outbox.write_outbox_entries({(model, host_id) for model, host_id in rows})
    db.session.commit()
    _enqueue(queued)
    return sorted(queued)


def _queue(host_model, host_ids, skipped):
    queued = outbox.write_outbox_entries({(host_model, host_id) for host_id in host_ids})
    not_syncing = len(host_ids) - len(queued) - skipped.get("no_company", 0)
    if not_syncing > 0:
        skipped["not_syncing"] = not_syncing
    db.session.commit()
    _enqueue(queued)
    return sorted(queued), skipped


def _enqueue(records):
    """One job fans the pushes out, so the request does not talk to Redis once per record.
    Redis down: the outbox rows are committed and the periodic relay queues them."""
    if not records:
        return
    import jobs
    try:
        jobs.enqueue(enqueue_pushes_job, sorted(records), result_ttl=600)
    except Exception as exc:  # noqa: BLE001 - the relay picks the rows up
        log.warning("Could not queue the bulk push (%s); the outbox relay will queue it.",
                    exc.__class__.__name__)


def enqueue_pushes_job(records):
    from exact_plugin.job_app import app_context
    with app_context():
        return f"queued {outbox.enqueue_pushes([tuple(r) for r in records])} push job(s)"


# -- batches and their progress ----------------------------------------------------------------

def remember_batch(host_model, records):
    """Store what one click queued; returns the batch id, or None when Redis is unreachable."""
    from jobs import get_redis
    batch_id = uuid.uuid4().hex[:16]
    data = {"host_model": host_model, "ids": [host_id for _model, host_id in records],
            "started_at": utcnow().isoformat()}
    try:
        get_redis().set(redis_key("bulk", batch_id), json.dumps(data), ex=BATCH_TTL_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the send itself is done; only progress is lost
        log.warning("Could not remember the bulk send (%s)", exc.__class__.__name__)
        return None
    return batch_id


def batch(batch_id):
    from jobs import get_redis
    raw = get_redis().get(redis_key("bulk", batch_id))
    return json.loads(raw) if raw else None


def progress(data):
    """{total, synced, failed, waiting} for a batch: the records' bindings as they are now."""
    ids = data["ids"]
    counts = {SYNCED: 0, FAILED: 0, QUEUED: 0}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(db.select(Binding.sync_state, db.func.count(Binding.id)).filter(
            Binding.host_model == data["host_model"],
            Binding.host_id.in_(ids[start:start + 500])).group_by(Binding.sync_state)).all()
        for state, number in rows:
            counts[state] = counts.get(state, 0) + number
    # A record bound to two companies is sent to both: counted per company.
    total = sum(counts.values())
    return {"total": total, "synced": counts[SYNCED], "failed": counts[FAILED],
            "waiting": total - counts[SYNCED] - counts[FAILED]}
