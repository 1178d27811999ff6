"""Writing staged Exact records into the back office, a batch at a time.

A batch is planned (planner.py), mapped (mappers/inbound.py), then written with a few
executemany statements: host records, related records, bindings, staging states and the
run's counters, committed together. A record with bad data or a conflict fails on its own
row with the reason; the rest of the batch goes in. If the database still refuses a batch
(a rule only it knows), the batch is written again one row at a time so only the guilty row
fails. A job killed halfway loses at most its current batch; the next run picks up the rows
still pending, and the bindings make sure nothing is created twice.
"""
import json
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import DataError, IntegrityError

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin.importing.sql import among, insert_rows, relax_durability, update_ids
from exact_plugin.importing.models import APPLIED, FAILED, StagedRecord
from exact_plugin.importing.planner import CONFLICT, CREATE, MATCH, UPDATE, plan_batch
from exact_plugin.entities import export_of
from exact_plugin.mappers import outbound
from exact_plugin.models import Binding
from exact_plugin.syncing.models import ExportState
from exact_plugin.syncing.states import SYNCED

STAGED = StagedRecord.__table__
BINDINGS = Binding.__table__
EXPORT_STATES = ExportState.__table__


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    matched: int = 0
    failed: int = 0
    done: int = 0

    def add(self, other):
        for name in ("created", "updated", "matched", "failed", "done"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def apply_batch(ctx, rows, run_id):
    """Write one batch; returns its Tally. Commits nothing (the caller commits)."""
    relax_durability()
    try:
        with db.session.begin_nested():
            return _write_batch(ctx, rows, run_id)
    except (IntegrityError, DataError):
        tally = Tally()
        for row in rows:
            tally.add(_apply_one(ctx, row, run_id))
        return tally


def _apply_one(ctx, row, run_id):
    try:
        with db.session.begin_nested():
            return _write_batch(ctx, [row], run_id)
    except (IntegrityError, DataError) as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        _mark_staged(run_id, [], [(row, None, None, "The back office refused this record: "
                                   f"{reason}. Correct it in Exact and import again.")])
        return Tally(failed=1, done=1)


def _write_batch(ctx, rows, run_id):
    target = ctx.target
    items, failures = [], []
    for row, plan in zip(rows, plan_batch(ctx, rows)):
        if ctx.updates_only and plan.action != UPDATE:
            continue   # left pending for a preview: keep-in-step runs never create
        if plan.action == CONFLICT:
            failures.append((row, plan, None, plan.conflict))
        else:
            items.append((row, plan, target.mapper(json.loads(row.data))))
    if target.prepare and items:
        target.prepare(ctx, [(row, plan.host_id, mapped) for row, plan, mapped in items])
    good = []
    for row, plan, mapped in items:
        if mapped.problems:
            failures.append((row, plan, None, " ".join(mapped.problems)))
        else:
            good.append((row, plan, mapped))
    written = _write_host_records(ctx, good)
    _write_bindings(ctx, written)
    _mark_staged(run_id, written, failures)
    return _tally(written, failures)


def _write_host_records(ctx, good):
    """Insert the creates (ids back in order), update the rest; returns (row, plan, mapped, id)."""
    target = ctx.target
    creates = [(row, plan, mapped) for row, plan, mapped in good if plan.action == CREATE]
    updates = [(row, plan, mapped) for row, plan, mapped in good if plan.action != CREATE]
    new_ids = _insert(target.table, [mapped.fields for _row, _plan, mapped in creates])
    if updates:
        db.session.execute(db.update(target.model), [
            dict({key: value for key, value in mapped.fields.items()
                  if key not in target.create_only}, id=plan.host_id)
            for _row, plan, mapped in updates])
    created = [(row, plan, mapped, host_id)
               for (row, plan, mapped), host_id in zip(creates, new_ids)]
    updated = [(row, plan, mapped, plan.host_id) for row, plan, mapped in updates]
    if target.after_write:
        target.after_write(ctx, [(host_id, mapped) for _r, _p, mapped, host_id in created],
                           [(host_id, mapped) for _r, _p, mapped, host_id in updated])
    return created + updated


def _insert(table, field_rows):
    """Multi-row INSERTs with ids taken beforehand; returns the ids in row order.

    INSERT ... RETURNING in parameter order degrades to one statement per row on SQLite;
    taking the ids first keeps it a few statements on both backends.
    """
    if not field_rows:
        return []
    ids = allocate_ids(table, len(field_rows))
    insert_rows(table, [dict(fields, id=new_id) for fields, new_id in zip(field_rows, ids)])
    return ids


def allocate_ids(table, count):
    """`count` new primary keys for `table`, safe against concurrent writers."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                      {"table": table.name}).scalar()
        return list(db.session.execute(text("SELECT nextval(:sequence) FROM "
                                            "generate_series(1, :count)"),
                                       {"sequence": sequence, "count": count}).scalars())
    # SQLite has one writer at a time: take the write lock first (a write touching no row
    # does), then nobody can insert into the table before this transaction commits.
    db.session.execute(text(f'UPDATE "{table.name}" SET id = id WHERE 0'))
    highest = db.session.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(highest + 1, highest + 1 + count))


def _write_bindings(ctx, written):
    """The guide's mapping table rows: added for created and matched records, refreshed for
    mapped ones, with the hash of what was received (so an unchanged record is not sent back)."""
    if not written:
        return
    now = utcnow()
    existing = dict(db.session.execute(select(Binding.host_id, Binding.id).where(
        Binding.connection_id == ctx.connection_id, Binding.host_model == ctx.target.host_model,
        among(Binding.host_id, [host_id for *_rest, host_id in written]))).all())
    state = {"sync_state": SYNCED, "last_synced_at": now, "last_error": None,
             "deleted_in_exact": False, "updated_at": now}
    inserts, updates = [], []
    for row, _plan, _mapped, host_id in written:
        values = dict(state, exact_id=row.exact_id, exact_code=row.code, sync_hash=row.data_hash)
        if host_id in existing:
            updates.append(dict(values, _id=existing[host_id]))
        else:
            inserts.append(dict(values, connection_id=ctx.connection_id, created_at=now,
                                host_model=ctx.target.host_model, host_id=host_id))
    insert_rows(BINDINGS, inserts)
    if updates:
        db.session.execute(BINDINGS.update().where(BINDINGS.c.id == bindparam("_id")), updates)
    _record_held(ctx, written)


def _record_held(ctx, written):
    """What Exact holds of each imported or matched record, in the outbound payload's shape,
    becomes the binding's last sent payload: the first edit after an import then PUTs only
    the fields the admin changed (never `Code`, which Exact refuses on a PUT, picqer #432)."""
    spec = export_of(ctx.target.host_model)
    if spec is None or not spec.held_fields:
        return
    held = {host_id: json.dumps(outbound.held_payload(json.loads(row.data), spec.held_fields),
                                default=str)
            for row, _plan, _mapped, host_id in written}
    binding_ids = dict(db.session.execute(select(Binding.host_id, Binding.id).where(
        Binding.connection_id == ctx.connection_id, Binding.host_model == ctx.target.host_model,
        among(Binding.host_id, list(held)))).all())
    states = set(db.session.execute(select(EXPORT_STATES.c.binding_id).where(
        among(EXPORT_STATES.c.binding_id, list(binding_ids.values())))).scalars())
    now = utcnow()
    rows = [{"binding_id": binding_ids[host_id], "sent_payload": payload, "updated_at": now}
            for host_id, payload in held.items()]
    insert_rows(EXPORT_STATES, [row for row in rows if row["binding_id"] not in states])
    changes = [dict(row, _binding_id=row["binding_id"]) for row in rows
               if row["binding_id"] in states]
    if changes:
        db.session.execute(EXPORT_STATES.update().where(
            EXPORT_STATES.c.binding_id == bindparam("_binding_id")).values(
            sent_payload=bindparam("sent_payload"), updated_at=bindparam("updated_at")),
            changes)


def _mark_staged(run_id, written, failures):
    """Applied rows in one UPDATE per plan (they share their new state), failures row by row
    (each has its own reason)."""
    now = utcnow()
    groups = {}
    for row, plan, _mapped, _host_id in written:
        groups.setdefault((plan.action, plan.rule), []).append(row.id)
    for (action, rule), ids in groups.items():
        update_ids(STAGED, ids, {"status": APPLIED, "plan_action": action, "plan_rule": rule,
                                 "conflict": None, "error": None, "last_run_id": run_id,
                                 "applied_at": now})
    rows = [{"_id": row.id, "status": FAILED,
             "plan_action": plan.action if plan else None, "plan_rule": plan.rule if plan else None,
             "plan_host_id": plan.host_id if plan else None,
             "conflict": plan.conflict if plan else None, "error": message,
             "last_run_id": run_id, "applied_at": None}
            for row, plan, _mapped, message in failures]
    if rows:
        db.session.execute(STAGED.update().where(STAGED.c.id == bindparam("_id")), rows)


def _tally(written, failures):
    tally = Tally(failed=len(failures), done=len(written) + len(failures))
    for _row, plan, _mapped, _host_id in written:
        if plan.action == CREATE:
            tally.created += 1
        elif plan.action == UPDATE:
            tally.updated += 1
        elif plan.action == MATCH:
            tally.matched += 1
    return tally
