"""Fetching from Exact into the staging table, one page (up to 1000 rows) at a time.

The first read of an entity goes through its sync endpoint from Timestamp 0; later reads ask
only for what changed since the highest Timestamp stored per company and entity, and read
`sync/Deleted` for what was deleted (reference §6.7), marked in staging until a Start. Entities without a sync endpoint (VAT
codes, item groups: a handful of rows) are read whole. Each page is written and committed
before the next is asked for, with the cursor, so memory stays flat and an interrupted fetch
resumes where it stopped.
"""
import queue
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin.importing.sql import among, insert_rows, refresh_statistics, relax_durability
from exact_plugin.importing.models import DELETED, PENDING, StagedRecord, SyncCursor
from exact_plugin.entities import PLAIN, SYNC
from exact_plugin.mappers.inbound import record_json, text
from exact_plugin.models import Binding, ExactConnection

STAGED = StagedRecord.__table__


PREFETCH_PAGES = 2


def prefetched(pages):
    """Yield `pages`, asking Exact for the next page while the caller writes this one.

    Still one request at a time (Exact: no parallel calls, reference §9.5, §9.8); the thread
    only overlaps the wait for Exact with our own database work.
    """
    app = current_app._get_current_object()
    buffer, stop = queue.Queue(maxsize=PREFETCH_PAGES), threading.Event()

    def read_ahead():
        with app.app_context():
            try:
                for page in pages:
                    while not stop.is_set():
                        try:
                            buffer.put(("page", page), timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                buffer.put(("end", None))
            except BaseException as exc:  # handed to the reader, raised there
                buffer.put(("error", exc))

    thread = threading.Thread(target=read_ahead, name="exact-import-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = buffer.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def client_for(connection_id, context):
    from exact_plugin.client import ExactClient
    return ExactClient.for_connection(connection_id, context=context)


def cursor_for(connection_id, entity_name):
    cursor = db.session.execute(select(SyncCursor).filter_by(
        connection_id=connection_id, entity=entity_name)).scalar_one_or_none()
    if cursor is None:
        cursor = SyncCursor(connection_id=connection_id, entity=entity_name, timestamp=0,
                            deleted_timestamp=0)
        db.session.add(cursor)
        db.session.flush()
    return cursor


# Exact keeps sync/Deleted for two months (reference §6.7, §9 item 15): a cursor last read
# longer ago may have missed deletions, so the run reads everything again.
DELETED_LOG_DAYS = 60


def fetch(client, connection_id, spec, *, full=False, on_page=None, reasons=None):
    """Read `spec` from Exact into staging. Returns (records staged, deletions applied).

    `reasons`: a list the caller gets back the sentence in when an incremental read had to
    become a full one (a division move, a cursor too old)."""
    if not spec.incremental:
        return _fetch_whole(client, connection_id, spec, on_page), 0
    cursor = cursor_for(connection_id, spec.name)
    if not full and cursor.timestamp:
        reason = full_read_reason(client, connection_id, spec, cursor)
        if reason:
            full = True
            if reasons is not None:
                reasons.append(reason)
    if full:
        cursor.timestamp = 0
    # Nothing of ours stays uncommitted while the client writes its request log (SQLite).
    db.session.commit()
    staged = 0
    # Exact: only Timestamp may be filtered on; Int64 literals need the L suffix (reference
    # §6.7, §3.2).
    pages = client.iter_pages(spec.sync_path, select=spec.fields(SYNC) + ("Timestamp",),
                              filter=f"Timestamp gt {int(cursor.timestamp)}L")
    if spec.importing is not None and spec.importing.enrich is not None:
        pages = spec.importing.enrich(client, pages)
    pages = prefetched(pages)
    for number, page in enumerate(pages, start=1):
        staged += stage_page(connection_id, spec, page)
        cursor.timestamp = max([cursor.timestamp] + [_timestamp(row) for row in page])
        db.session.commit()
        refresh_statistics((STAGED,), number)
        if on_page:
            on_page(staged)
    deletions = fetch_deletions(client, connection_id, spec, cursor)
    cursor.read_at, cursor.full_read_reason = utcnow(), None
    db.session.commit()
    return staged, deletions


def full_read_reason(client, connection_id, spec, cursor):
    """Why `Timestamp gt cursor` cannot be trusted for this entity now, or None."""
    if cursor.full_read_reason:
        return cursor.full_read_reason
    last_read = cursor.read_at or cursor.updated_at
    if last_read is not None and utcnow() - last_read > timedelta(days=DELETED_LOG_DAYS):
        return (f"The {spec.plural} were last read from Exact Online on "
                f"{last_read:%Y-%m-%d}, longer ago than the two months Exact keeps its log of "
                f"deletions: this run read everything again, so no deletion is missed.")
    moved = division_moved(client, connection_id)
    if moved:
        # Every entity's Timestamps were regenerated: each one's next run reads everything.
        db.session.execute(update(SyncCursor).where(
            SyncCursor.connection_id == connection_id, SyncCursor.timestamp > 0).values(
            full_read_reason=moved))
        return moved
    return None


def division_moved(client, connection_id):
    """A sentence when system/Divisions says the division moved since we last looked (its
    Timestamps are then regenerated, reference §6.7), else None. One call per client."""
    if getattr(client, "move_checked", False):
        return None
    client.move_checked = True
    current = client.division_move_date()
    connection = db.session.get(ExactConnection, connection_id)
    seen = connection.division_move_date
    connection.division_move_date = current
    # Never looked before (seen is None): a move at an unknown moment counts as a move.
    if current == (seen if seen is not None else ""):
        return None
    return ("Exact Online moved this company's administration to another database "
            f"(DivisionMoveDate {current}), which renumbers every record's Timestamp: this run "
            "read everything again instead of only what changed.")


def _timestamp(row):
    # Exact: Int64 values may come as JSON strings (reference §3.2).
    return int(row.get("Timestamp") or 0)


def _fetch_whole(client, connection_id, spec, on_page):
    """Read a small entity completely; records no longer in Exact are marked deleted."""
    seen, staged = set(), 0
    for page in client.iter_pages(spec.endpoint, select=spec.fields(PLAIN)):
        staged += stage_page(connection_id, spec, page)
        seen.update(text(row.get(spec.key)) for row in page)
        db.session.commit()
        if on_page:
            on_page(staged)
    gone = db.session.execute(select(StagedRecord.exact_id).filter(
        StagedRecord.connection_id == connection_id, StagedRecord.entity == spec.name,
        StagedRecord.status != DELETED)).scalars().all()
    mark_deleted(connection_id, spec, [exact_id for exact_id in gone if exact_id not in seen])
    db.session.commit()
    return staged


def fetch_deletions(client, connection_id, spec, cursor):
    """Apply `sync/Deleted` for this entity to staging and bindings (reference §6.7)."""
    if spec.deleted_type is None:
        return 0
    deleted = 0
    pages = client.iter_pages("sync/Deleted", select=("EntityKey", "EntityType", "Timestamp"),
                              filter=f"Timestamp gt {int(cursor.deleted_timestamp)}L "
                                     f"and EntityType eq {spec.deleted_type}")
    for page in pages:
        keys = [text(row.get("EntityKey")) for row in page
                if int(row.get("EntityType") or 0) == spec.deleted_type]
        deleted += mark_deleted(connection_id, spec, keys)
        cursor.deleted_timestamp = max([cursor.deleted_timestamp] + [_timestamp(r) for r in page])
        db.session.commit()
    return deleted


def mark_deleted(connection_id, spec, exact_ids):
    """Mark staged records deleted in Exact. Their mappings are flagged only by a Start whose
    preview listed them (runs.deleted_in_exact); the host records are kept."""
    exact_ids = [exact_id for exact_id in exact_ids if exact_id]
    if not exact_ids:
        return 0
    db.session.execute(update(StagedRecord).where(
        StagedRecord.connection_id == connection_id, StagedRecord.entity == spec.name,
        among(StagedRecord.exact_id, exact_ids)).values(status=DELETED))
    return len(exact_ids)


def stage_page(connection_id, spec, page):
    """Insert new records, update changed ones; a record read again unchanged keeps its state."""
    records = _latest_by_id(spec, page)
    if not records:
        return 0
    relax_durability()
    existing = dict(db.session.execute(select(StagedRecord.exact_id, StagedRecord.data_hash).where(
        StagedRecord.connection_id == connection_id, StagedRecord.entity == spec.name,
        among(StagedRecord.exact_id, list(records)))).all())
    now = utcnow()
    inserts, updates = [], []
    for exact_id, record in records.items():
        row = _staged_row(spec, record)
        if exact_id not in existing:
            inserts.append(dict(row, connection_id=connection_id, entity=spec.name,
                                exact_id=exact_id, status=PENDING, fetched_at=now))
        elif existing[exact_id] != row["data_hash"]:
            updates.append(dict(row, _exact_id=exact_id, fetched_at=now))
    insert_rows(STAGED, inserts)
    if updates:
        db.session.execute(STAGED.update().where(
            STAGED.c.connection_id == connection_id, STAGED.c.entity == spec.name,
            STAGED.c.exact_id == bindparam("_exact_id")).values(
            status=PENDING, conflict=None, error=None), updates)
    return len(inserts) + len(updates)


def _latest_by_id(spec, page):
    """Exact: a sync feed may hold the same ID twice; keep the highest Timestamp (§6.7)."""
    latest = {}
    for record in page:
        exact_id = text(record.get(spec.key))
        if not exact_id or not spec.is_record(record):
            continue
        if exact_id not in latest or _timestamp(record) >= _timestamp(latest[exact_id]):
            latest[exact_id] = record
    return latest


def _staged_row(spec, record):
    data, data_hash = record_json(record)
    name = text(record.get(spec.name_field))
    code = text(record.get(spec.natural_key))
    return {"code": code[:60] if code else None, "name": name[:255] if name else None,
            "data": data, "data_hash": data_hash, "exact_timestamp": _timestamp(record) or None}


def duplicate_codes(connection_id, entity_name):
    """Codes that more than one live Exact record of this entity carries."""
    return set(db.session.execute(
        select(StagedRecord.code).where(
            StagedRecord.connection_id == connection_id, StagedRecord.entity == entity_name,
            StagedRecord.code.is_not(None), StagedRecord.status != DELETED)
        .group_by(StagedRecord.code).having(func.count() > 1)).scalars())


