"""The exporter: sends one host record to Exact, exactly once (OCA connector's word).

For each binding of the record (one per Exact company it belongs to):
1. build the payload, validating locally first (validation.py; no API call is spent on a
   product without a product ID);
2. push what the record depends on (an invoice's customer and products) when not in Exact;
3. create it, or, when it is already bound, send only the fields that changed;
4. record the outcome on the binding (sync state, last error, Exact ID, invoice number).

Exactly once: before a create the binding's ExportState is marked "create sent" and committed.
If the answer is lost (ExactOutcomeUnknown, a time-out, a killed worker), the next attempt sees
the mark and looks the record up by its natural key (Account Code, Item Code, invoice YourRef)
before anything is sent again (shared exact-online-api.md §9.7, DESIGN.md rule 4).
"""
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass

import redis
import sqlalchemy.exc
from flask import current_app

from backoffice import models as host
from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import binder, clock
from exact_plugin.errors import (ExactError, ExactRateLimited, ExactTransientError,
                                 ExactValidationError, LocalValidationError, NeedsReconnect,
                                 NotConnected)
from exact_plugin.mappers import outbound
from exact_plugin.models import Binding
from exact_plugin.entities import export_of
from exact_plugin.syncing import locks, notices, validation
from exact_plugin.syncing.companies import connection_syncs
from exact_plugin.syncing.models import ExportState
from exact_plugin.syncing.states import FAILED, NOT_SYNCED, QUEUED, SYNCED

log = logging.getLogger(__name__)

# Our own services failing for a moment: transient, retried like a 503.
INFRASTRUCTURE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                         sqlalchemy.exc.OperationalError)

@dataclass
class Outcome:
    """What happened to one binding. `retry_in` (seconds) is set for transient failures."""
    state: str
    message: str | None = None
    retry_in: float | None = None
    held: bool = False  # the company is paused: the change stays in the outbox


def client_for(company, context):
    """A client for the company: the drain job's shared one (one HTTP session per company and
    job, syncing/pipeline.py), else a new one."""
    from exact_plugin.syncing import pipeline
    return pipeline.client_for(company, context)


def retry_seconds():
    """The outbox's first wait before a transient failure is tried again (then it doubles)."""
    return float(current_app.config["EXACT_SYNC_RETRY_SECONDS"])


# -- the record as a whole ---------------------------------------------------------------

def export_record(host_model, host_id):
    """Push one record to every company it belongs to; returns the binding outcomes."""
    record = db.session.get(getattr(host, host_model), host_id)
    if record is None:
        return []  # deleted meanwhile: deletions are not sent to Exact
    spec = export_of(host_model)
    outcomes = []
    for binding in binder.bindings_of_host(host_model, host_id):
        if not connection_syncs(binding.connection, host_model):
            continue
        if binding.connection.sync_paused:
            outcomes.append(Outcome(QUEUED, held=True))
            continue
        outcomes.append(push_binding(spec, record, binding))
    return outcomes


# -- what the record would send now (the badge compares it with what Exact acknowledged) ---

_dry_run = ContextVar("exact_dry_run", default=False)


def current_payload(spec, record, binding):
    """The payload this record would send now, built without any call to Exact (an invoice's
    customer and products are taken as bound, not pushed). Raises LocalValidationError when
    it cannot be sent."""
    token = _dry_run.set(True)
    try:
        return spec.build(record, binding)
    finally:
        _dry_run.reset(token)


def acknowledged_payload(binding):
    """The payload Exact last acknowledged for this binding, or None (never sent, or a create
    whose answer was lost: sent_payload is stored before the request leaves)."""
    state = db.session.execute(db.select(ExportState).filter_by(binding_id=binding.id)
                               ).scalar_one_or_none()
    if state is None or not state.sent_payload or state.create_sent_at or not binding.exact_id:
        return None
    return payload_of(state)


def push_binding(spec, record, binding):
    """Send the record to one company and record the outcome on its binding (committed)."""
    try:
        note = send(spec, record, binding)
        outcome = Outcome(SYNCED, note or spec.note(record))
    except validation.NotReady as exc:
        outcome = Outcome(NOT_SYNCED, exc.message)
    except ExactError as exc:
        db.session.rollback()
        outcome = held_outcome(binding) or outcome_of_error(exc, binding)
    except sqlalchemy.exc.IntegrityError:
        db.session.rollback()
        outcome = Outcome(FAILED, f"The Exact record with this {spec.natural_key} is already "
                          f"linked to another back-office record (mapping tables are 1-1): "
                          f"change this record's accounting ID, or fix the mapping, then Retry.")
    except INFRASTRUCTURE_ERRORS as exc:  # e.g. Redis restarting under the rate budget
        db.session.rollback()
        outcome = Outcome(QUEUED, f"The job queue or the database did not answer "
                          f"({exc.__class__.__name__}); the sync will be retried automatically.",
                          retry_in=retry_seconds())
    except Exception:  # a bug must not stop the queue; the admin sees a clear line
        db.session.rollback()
        log.exception("Unexpected error while sending %s %s to Exact", spec.label, record.id)
        outcome = Outcome(FAILED, "An unexpected error stopped the sync; the application log "
                          "has the details. Press Retry once it is fixed.")
    record_outcome(binding, outcome)
    if outcome.state == SYNCED:
        notices.sync_succeeded(binding.connection, spec, record, binding)
    return outcome


def held_outcome(binding):
    """The module was disabled (or the company paused) while the push ran: the change is
    held, not failed (the client refuses every call while the module is off)."""
    from exact_plugin.connection import is_enabled
    db.session.refresh(binding.connection)
    if not is_enabled() or binding.connection.sync_paused:
        return Outcome(QUEUED, held=True)
    return None


def outcome_of_error(exc, binding):
    """Map a typed error to the state and message an admin sees on the record."""
    if exc.retryable:
        delay = retry_delay(exc)
        return Outcome(QUEUED, f"Exact Online could not be reached ({exc.message}); "
                       f"the sync will be retried automatically.", retry_in=delay)
    if isinstance(exc, (NeedsReconnect, NotConnected)):
        return Outcome(FAILED, reconnect_message(binding.connection, exc))
    if isinstance(exc, ExactValidationError):
        return Outcome(FAILED, f"Exact Online refused it: {exc.message}")
    return Outcome(FAILED, exc.message)


# The company's page (exact_plugin/admin/companies.py); a path, as jobs have no request.
COMPANY_PAGE = "/admin/exact/companies/edit/?id={id}"


def reconnect_message(company, exc):
    return (f"{exc.message} The company {company.name!r} must be reconnected: open "
            f"Exact Online > Exact Online companies, edit {company.name!r} and press "
            f"'Reconnect' ({COMPANY_PAGE.format(id=company.id)}), then press Retry.")


def retry_delay(exc):
    if isinstance(exc, ExactRateLimited) and exc.reset_at:
        return max(1.0, exc.reset_at - clock.now())
    return retry_seconds()


def record_outcome(binding, outcome):
    binding = db.session.merge(binding)
    binding.sync_state = outcome.state
    binding.last_error = outcome.message
    if outcome.state == SYNCED:
        binding.last_synced_at = utcnow()
    db.session.commit()


# -- one binding ---------------------------------------------------------------------------

def send(spec, record, binding):
    """Create or update the record in the binding's company; returns a note for the admin
    (e.g. the invoice numbering advice) or None."""
    company = binding.connection
    payload = spec.build(record, binding)
    client = client_for(company, f"{spec.label} {record.id}")
    state = export_state(binding)
    previous = json.loads(state.sent_payload) if state.sent_payload else None
    if not binding.exact_id and state.create_sent_at:
        # A create may have reached Exact without its answer reaching us: find it first.
        found = find_by_natural_key(client, spec, natural_key_of(spec, payload))
        if found is not None:
            refused = adopt(spec, binding, found)
            note = after_create(spec, client, record, binding, state, found) or refused
            previous = payload_of(state)
            return update(spec, client, record, binding, state, previous, payload) or note
    if not binding.exact_id:
        return create(spec, client, record, binding, state, payload)
    return update(spec, client, record, binding, state, previous, payload)


def export_state(binding):
    state = db.session.execute(db.select(ExportState).filter_by(binding_id=binding.id)
                               ).scalar_one_or_none()
    if state is None:
        state = ExportState(binding_id=binding.id)
        db.session.add(state)
        db.session.flush()
    return state


def natural_key_of(spec, payload):
    return payload[spec.natural_key]


def find_by_natural_key(client, spec, value):
    key_filter = outbound.natural_key_filter(spec.natural_key, value, spec.padded_key)
    return client.find_one(spec.endpoint, key_filter,
                           select=",".join(dict.fromkeys((spec.key, spec.natural_key,
                                                          spec.number_field))))


def adopt(spec, binding, exact_record):
    """Bind to the Exact record; returns a note when Exact's code could not be taken over."""
    binding.exact_id = exact_record[spec.key]
    number = exact_record.get(spec.number_field)
    if spec.number_attribute == "exact_code" and number is not None:
        return take_number(spec, binding, str(number).strip())
    return None


def take_number(spec, binding, number):
    """Write Exact's code or number back on the binding, unless another record of the company
    already holds it: Exact sending one code for many records must not give them all that code.
    Returns the note said on the record when refused, else None."""
    attribute = spec.number_attribute
    holder = db.session.execute(db.select(Binding).filter(
        Binding.connection_id == binding.connection_id, Binding.host_model == binding.host_model,
        getattr(Binding, attribute) == number, Binding.id != binding.id)).scalars().first()
    if holder is not None:
        return (f"Exact Online gave this {spec.label.lower()} the number {number}, which "
                f"{spec.label.lower()} #{holder.host_id} here already holds; it was not taken "
                f"over. Check both records in Exact Online.")
    setattr(binding, attribute, number)
    return None


def create(spec, client, record, binding, state, payload):
    # The natural key is kept on the binding: an invoice's YourRef stays the number it was
    # sent with, even after Exact's number is written back to the host invoice.
    binding.exact_code = binding.exact_code or str(natural_key_of(spec, payload))
    state.create_sent_at = utcnow()
    state.sent_payload = json.dumps(payload, default=str)
    db.session.commit()  # the mark must be stored before the request leaves
    created = client.create(spec.endpoint, outbound.without_empty(payload))
    refused = adopt(spec, binding, created)
    return after_create(spec, client, record, binding, state, created) or refused


def after_create(spec, client, record, binding, state, exact_record):
    state.create_sent_at = None
    binding.sync_hash = outbound.payload_hash(payload_of(state))
    db.session.commit()
    return spec.after_create(client, record, binding, state, exact_record)


def payload_of(state):
    return json.loads(state.sent_payload) if state.sent_payload else {}


def update(spec, client, record, binding, state, previous, payload):
    if spec.update is not None:
        return spec.update(client, record, binding, state, previous, payload)
    # The natural key is only sent on create: Exact refuses `Code` on a PUT (picqer #432).
    changes = outbound.changed_fields(previous, payload, fixed=(spec.natural_key,))
    if changes:
        client.update(spec.endpoint, binding.exact_id, changes)
    held_key = (previous or {}).get(spec.natural_key) or binding.exact_code
    remember_sent(binding, state, {**payload, spec.natural_key: held_key})
    return key_change_note(spec, payload, held_key)


def key_change_note(spec, payload, held_key):
    """Said on the badge when the record's code here is no longer the one Exact keeps."""
    wanted = payload.get(spec.natural_key)
    if held_key is None or wanted is None or str(wanted).strip() == str(held_key).strip():
        return None
    return (f"The {spec.natural_key} here is {wanted} but Exact Online keeps {held_key}: Exact "
            f"does not let an app change the {spec.natural_key} of an existing record. Change "
            f"it in Exact Online by hand if it must change; the other fields were sent.")


def remember_sent(binding, state, payload, **marks):
    stored = {**payload, **{f"_{name}": value for name, value in marks.items()}}
    state.sent_payload = json.dumps(stored, default=str)
    binding.sync_hash = outbound.payload_hash(payload)
    db.session.commit()


# -- dependencies ------------------------------------------------------------------------

def dependency_exact_id(host_model, record, company):
    """The Exact ID of an invoice's customer or product, pushing it first when not in Exact."""
    binding = binder.binding_for_host(company.id, host_model, record.id)
    if binding.exact_id or _dry_run.get():
        return binding.exact_id
    spec = export_of(host_model)
    with locks.record_lock(host_model, record.id) as locked:
        if not locked:
            raise ExactTransientError(f"{spec.label} '{record}' is being sent by another job")
        db.session.refresh(binding)
        if not binding.exact_id:
            outcome = push_binding(spec, record, binding)
            if outcome.held:
                raise NotConnected(f"{spec.label} '{record}' is held: the module is disabled "
                                   f"or the company paused")
            if outcome.retry_in is not None:
                raise ExactTransientError(outcome.message)
            if outcome.state != SYNCED:
                raise LocalValidationError(
                    f"{spec.label} '{record}' could not be created in Exact Online first: "
                    f"{outcome.message}")
        return binding.exact_id
