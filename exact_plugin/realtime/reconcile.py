"""The reconciliation report: what differs between the back office and Exact (issue 15).

Per company and imported entity: every Exact record is read once through the entity's bulk
endpoint (1000 rows a call, reference §6.8; else its plain endpoint), mapped with the import's
mapper, and compared field by field with the bound host record, over the fields the import
writes (the mapper's fields less those written only on create). Also listed: bound records
Exact no longer holds ("only here") and Exact records bound to nothing ("only in Exact").
Memory stays flat: a page is compared and its differences written before the next is read.

Fixes go through the normal paths: "take Exact's" fetches the record and applies it like an
import (an unbound one goes to the import preview, never created silently); "send ours"
queues the host record for a full push through the outbox.
"""
import json
import math
from decimal import Decimal

from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import entities
from exact_plugin.entities import BULK, PLAIN
from exact_plugin.errors import ExactError
from exact_plugin.importing.sql import among, insert_rows
from exact_plugin.job_app import app_context
from exact_plugin.mappers.inbound import text
from exact_plugin.models import Binding, ExactConnection
from exact_plugin.realtime.models import Difference, Reconciliation

DIFFERS, ONLY_HERE, ONLY_EXACT = "differs", "only_here", "only_exact"
KIND_LABELS = {DIFFERS: "Differs", ONLY_HERE: "Only in the back office",
               ONLY_EXACT: "Only in Exact Online"}
PAGE_ROWS = 1000   # Exact: bulk and sync pages hold up to 1000 rows (reference §3.3)
# Exact: plain and bulk lists of Accounts and Items refuse a GET without a $filter on one of
# their fields (mandatory filtering, reference §3.4, picqer#591); the key is one of them, and
# no record has the empty GUID, so this filter keeps every record.
EVERY_RECORD = "{key} ne guid'00000000-0000-0000-0000-000000000000'"


def reconcilable():
    """Entities kept on both sides (imported and sent): customers, products."""
    return [spec for spec in entities.importable() if spec.exporting is not None]


def owned_fields(spec, mapped_fields):
    return [name for name in mapped_fields if name not in spec.importing.create_only
            and name in spec.importing.table.c]


def same(ours, theirs):
    def plain(value):
        if value is None or value == "":
            return ""
        if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
            return format(Decimal(str(value)).normalize(), "f")
        return str(value).strip()
    return plain(ours) == plain(theirs)


def estimated_calls(connection_id, spec):
    """Calls a reconciliation of this entity should take: its bound records in pages."""
    bound = db.session.execute(select(func.count()).where(
        Binding.connection_id == connection_id, Binding.host_model == spec.host_model,
        Binding.exact_id.is_not(None))).scalar()
    return math.ceil(max(bound, 1) / PAGE_ROWS) + 1


def reconcile(connection_id, entity_name, client=None):
    """Compare one entity of one company; returns the finished Reconciliation."""
    from exact_plugin.client import ExactClient
    spec = entities.entity(entity_name)
    report = Reconciliation(connection_id=connection_id, entity=spec.name, state="running")
    db.session.add(report)
    db.session.commit()
    report_id = report.id
    try:
        client = client or ExactClient.for_connection(connection_id,
                                                      context=f"reconcile {spec.name}")
        counts = _compare(client, connection_id, spec, report_id)
        state, message = "done", None
    except ExactError as error:
        db.session.rollback()
        counts, state = None, "stopped"
        message = (f"{error.message} The reconciliation stopped; the counts below are "
                   "incomplete. Run it again once this is solved.")
    report = db.session.get(Reconciliation, report_id)
    if counts:
        for name, value in counts.items():
            setattr(report, name, value)
    report.state, report.message, report.finished_at = state, message, utcnow()
    db.session.commit()
    return report


def _compare(client, connection_id, spec, report_id):
    table = spec.importing.table
    path, endpoint = (spec.bulk_path, BULK) if spec.bulk_path else (spec.endpoint, PLAIN)
    seen = set()
    counts = {"compared": 0, "differing": 0, "only_here": 0, "only_exact": 0, "calls": 0}
    db.session.commit()   # nothing of ours uncommitted while the client logs (SQLite)
    for page in client.iter_pages(path, select=spec.fields(endpoint),
                                  filter=EVERY_RECORD.format(key=spec.key)):
        counts["calls"] += 1
        records = {text(row.get(spec.key)): row for row in page if spec.is_record(row)}
        seen.update(records)
        bound = dict(db.session.execute(select(Binding.exact_id, Binding.host_id).where(
            Binding.connection_id == connection_id, Binding.host_model == spec.host_model,
            among(Binding.exact_id, list(records)))).all())
        hosts = {row.id: row for row in db.session.execute(select(table).where(
            among(table.c.id, list(bound.values())))).all()} if bound else {}
        rows = []
        for exact_id, record in records.items():
            mapped = spec.importing.mapper(record)
            label = text(record.get(spec.name_field)) or text(record.get(spec.natural_key))
            host = hosts.get(bound.get(exact_id))
            if host is None:
                counts["only_exact"] += 1
                rows.append(_row(report_id, ONLY_EXACT, None, exact_id, label, []))
                continue
            counts["compared"] += 1
            fields = [{"field": name, "ours": _shown(getattr(host, name)),
                       "exact": _shown(mapped.fields[name])}
                      for name in owned_fields(spec, mapped.fields)
                      if not same(getattr(host, name), mapped.fields[name])]
            if fields:
                counts["differing"] += 1
                rows.append(_row(report_id, DIFFERS, host.id, exact_id, label, fields))
        insert_rows(Difference.__table__, rows)
        db.session.commit()
    counts["only_here"] = _only_here(connection_id, spec, report_id, seen)
    return counts


def _only_here(connection_id, spec, report_id, seen):
    """Bound records Exact no longer lists, in batches (bindings are read by id ranges)."""
    table = spec.importing.table
    found, after = 0, 0
    while True:
        batch = db.session.execute(select(Binding.id, Binding.exact_id, Binding.host_id).where(
            Binding.connection_id == connection_id, Binding.host_model == spec.host_model,
            Binding.exact_id.is_not(None), Binding.id > after).order_by(Binding.id)
            .limit(PAGE_ROWS)).all()
        if not batch:
            return found
        after = batch[-1].id
        missing = [row for row in batch if row.exact_id not in seen]
        if missing:
            names = dict(db.session.execute(select(table.c.id, table.c[
                spec.importing.name_column]).where(among(table.c.id, [row.host_id for row in
                                                                      missing]))).all())
            insert_rows(Difference.__table__, [
                _row(report_id, ONLY_HERE, row.host_id, row.exact_id, names.get(row.host_id), [])
                for row in missing])
            found += len(missing)
            db.session.commit()


def _row(report_id, kind, host_id, exact_id, label, fields):
    return {"reconciliation_id": report_id, "kind": kind, "host_id": host_id,
            "exact_id": exact_id, "label": (label or "")[:255],
            "fields": json.dumps(fields) if fields else None, "fixed": None}


def _shown(value):
    return None if value is None else str(value)


# -- fixes -----------------------------------------------------------------------------------

def take_exact(difference_id):
    """Fetch the Exact record and apply it like an import; returns a sentence."""
    from exact_plugin.client import ExactClient
    from exact_plugin.importing import staging
    from exact_plugin.realtime.jobs import apply_record
    difference, report = _difference(difference_id)
    spec = entities.entity(report.entity)
    client = ExactClient.for_connection(report.connection_id, context=f"reconcile {spec.name}")
    db.session.commit()
    record = client.get_by_key(spec.endpoint, difference.exact_id, select=spec.fields(PLAIN))
    if record is None:
        staging.mark_deleted(report.connection_id, spec, [difference.exact_id])
        outcome = "Exact no longer holds it: its mapping is flagged as deleted in Exact."
    else:
        outcome = apply_record(report.connection_id, spec, record, force=True)
    difference = db.session.get(Difference, difference_id)
    difference.fixed = "took Exact's"
    db.session.commit()
    return outcome


def send_ours(difference_id):
    """Queue a full push of the host record (every field sent again, not only changes)."""
    from exact_plugin.syncing import outbox
    from exact_plugin.syncing.models import ExportState
    difference, report = _difference(difference_id)
    spec = entities.entity(report.entity)
    if difference.host_id is None or spec.exporting is None:
        return f"There is no back-office {spec.importing.label} to send for this row."
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=report.connection_id, host_model=spec.host_model,
        host_id=difference.host_id)).scalar_one_or_none()
    if binding is None:
        return f"The {spec.importing.label} is no longer mapped to this company."
    if difference.kind == ONLY_HERE:
        # Gone from Exact: a push creates it again.
        binding.exact_id, binding.deleted_in_exact = None, False
    # Exact holds something else than what we last sent: forget it, so every field is sent
    # again, except the code: Exact refuses a PUT that sets Code, even unchanged (reference
    # §6.1, picqer#432).
    sent = {spec.exporting.natural_key: binding.exact_code} if binding.exact_id else None
    state = db.session.execute(select(ExportState).filter_by(binding_id=binding.id)
                               ).scalar_one_or_none()
    if state is None:
        state = ExportState(binding_id=binding.id)
        db.session.add(state)
    state.sent_payload = json.dumps(sent) if sent else None
    difference.fixed = "sent ours"
    outbox.mark_for_export(spec.host_model, difference.host_id)
    db.session.commit()
    return f"The {spec.importing.label} is queued to be sent to Exact Online."


def _difference(difference_id):
    difference = db.session.get(Difference, difference_id)
    if difference is None:
        raise ExactError("That row of the reconciliation report no longer exists.")
    return difference, db.session.get(Reconciliation, difference.reconciliation_id)


def fix_all(reconciliation_id, direction):
    """The bulk fix (a job): every open row of a report in one direction."""
    with app_context():
        ids = db.session.execute(select(Difference.id).where(
            Difference.reconciliation_id == reconciliation_id, Difference.fixed.is_(None))
            .order_by(Difference.id)).scalars().all()
        fix = take_exact if direction == "exact" else send_ours
        done = 0
        for difference_id in ids:
            kind = db.session.get(Difference, difference_id).kind
            if direction == "ours" and kind == ONLY_EXACT:
                continue
            try:
                fix(difference_id)
                done += 1
            except ExactError:
                db.session.rollback()
        return done


# -- runs --------------------------------------------------------------------------------------

def reconcile_company(connection_id):
    return [reconcile(connection_id, spec.name) for spec in reconcilable()]


def reconcile_job(connection_id):
    with app_context():
        reconcile_company(connection_id)


def nightly():
    """Every connected company, when its calls left today allow it (a share of the budget)."""
    from flask import current_app
    from exact_plugin.connection import calls_left, connected_connections
    share = current_app.config["EXACT_RECONCILE_BUDGET_SHARE"]
    with app_context():
        for connection in connected_connections():
            left = calls_left(connection)["daily_remaining"]
            for spec in reconcilable():
                if left is not None and estimated_calls(connection.id, spec) > left * share:
                    _postponed(connection.id, spec, left, share)
                    continue
                report = reconcile(connection.id, spec.name)
                if left is not None:
                    left -= report.calls


def _postponed(connection_id, spec, left, share):
    db.session.add(Reconciliation(
        connection_id=connection_id, entity=spec.name, state="postponed", finished_at=utcnow(),
        message=(f"Not run tonight: it needs about {estimated_calls(connection_id, spec)} "
                 f"calls and may use {int(share * 100)} % of the {left} calls left today. "
                 "Run it on demand from this page when the budget allows.")))
    db.session.commit()


def latest(connection_id):
    """The newest report of each entity of a company (for the company page and dashboard)."""
    newest = select(func.max(Reconciliation.id)).where(
        Reconciliation.connection_id == connection_id).group_by(Reconciliation.entity)
    return db.session.execute(select(Reconciliation).where(Reconciliation.id.in_(newest))
                              .order_by(Reconciliation.entity)).scalars().all()


def latest_all():
    newest = select(func.max(Reconciliation.id)).group_by(Reconciliation.connection_id,
                                                          Reconciliation.entity)
    return db.session.execute(select(Reconciliation).where(Reconciliation.id.in_(newest))
                              .order_by(Reconciliation.connection_id, Reconciliation.entity)
                              ).scalars().all()


def summary_banners():
    """The dashboard (every admin page): one line per company whose last reconciliation found
    drift or could not finish."""
    from flask import url_for
    from markupsafe import Markup, escape
    from exact_plugin.connection import is_enabled
    if not is_enabled():
        return []
    by_company = {}
    for report in latest_all():
        by_company.setdefault(report.connection_id, []).append(report)
    banners = []
    for connection_id, reports in by_company.items():
        drift = [f"{report.entity}: {report.differing} differing, {report.only_here} only here, "
                 f"{report.only_exact} only in Exact" for report in reports
                 if report.differing or report.only_here or report.only_exact]
        stopped = [report.entity for report in reports if report.state in ("stopped",
                                                                            "postponed")]
        if not drift and not stopped:
            continue
        said = "; ".join(drift) if drift else "no drift found"
        if stopped:
            said += f" (not complete for {', '.join(stopped)}: see the report)"
        banners.append(("warning", Markup(
            '<strong>Reconciliation of "{name}":</strong> {said}. <a class="alert-link" '
            'id="reconcile-banner-link" href="{url}">Open the report</a>').format(
                name=escape(reports[0].connection.name), said=said,
                url=url_for("exact_reconcile.index", company_id=connection_id))))
    return banners
