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
from exact_plugin.models import OutboundRequest
from exact_plugin.syncing import locks, notices, validation
from exact_plugin.syncing.models import ExportState
from exact_plugin.syncing.rules import (EXPORTS, INVOICE_LINES, PRINTED_INVOICES,
                                        connection_syncs)

log = logging.getLogger(__name__)

# Our own services failing for a moment: transient, retried like a 503.
INFRASTRUCTURE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
                         sqlalchemy.exc.OperationalError)

# Exact: "Assign - Invoice Number" must be "Entry" for Exact to number the invoice when it is
# created (guide: "Set Invoice numbers to be the same"; reference §7).
NUMBER_AT_PRINTING = (
    "Exact Online did not assign an invoice number when the invoice was created: the division "
    "numbers invoices when they are printed. To give the invoice the same number in both "
    "systems, set 'Assign - Invoice Number' to 'Entry' in Exact Online (sales settings of the "
    "division); until then the invoice keeps number {number} here.")


@dataclass
class Outcome:
    """What happened to one binding. `retry_in` (seconds) is set for transient failures."""
    state: str
    message: str | None = None
    retry_in: float | None = None


def client_for(company, context):
    from exact_plugin.client import ExactClient
    return ExactClient.for_connection(company, context=context)


def setting(name, default):
    return current_app.config.get(name, default)


# -- the record as a whole ---------------------------------------------------------------

def export_record(host_model, host_id):
    """Push one record to every company it belongs to; returns the binding outcomes."""
    record = db.session.get(getattr(host, host_model), host_id)
    if record is None:
        return []  # deleted meanwhile: deletions are not sent to Exact
    spec = EXPORTS[host_model]
    outcomes = []
    for binding in binder.bindings_of_host(host_model, host_id):
        if connection_syncs(binding.connection, host_model):
            outcomes.append(push_binding(spec, record, binding))
    return outcomes


def push_binding(spec, record, binding):
    """Send the record to one company and record the outcome on its binding (committed)."""
    try:
        note = with_retries(lambda: send(spec, record, binding))
        outcome = Outcome("synced", note)
    except validation.NotReady as exc:
        outcome = Outcome("not_synced", exc.message)
    except ExactError as exc:
        db.session.rollback()
        outcome = outcome_of_error(exc, binding)
    except sqlalchemy.exc.IntegrityError:
        db.session.rollback()
        outcome = Outcome("failed", f"The Exact record with this {spec.natural_key} is already "
                          f"linked to another back-office record (mapping tables are 1-1): "
                          f"change this record's accounting ID, or fix the mapping, then Retry.")
    except INFRASTRUCTURE_ERRORS as exc:  # e.g. Redis restarting under the rate budget
        db.session.rollback()
        outcome = Outcome("queued", f"The job queue or the database did not answer "
                          f"({exc.__class__.__name__}); the sync will be retried automatically.",
                          retry_in=float(setting("EXACT_SYNC_RETRY_SECONDS", 30)))
    except Exception:  # a bug must not stop the queue; the admin sees a clear line
        db.session.rollback()
        log.exception("Unexpected error while sending %s %s to Exact", spec.label, record.id)
        outcome = Outcome("failed", "An unexpected error stopped the sync; the application log "
                          "has the details. Press Retry once it is fixed.")
    record_outcome(binding, outcome)
    if outcome.state == "synced":
        notices.sync_succeeded(binding.connection, spec, record, binding)
    return outcome


def outcome_of_error(exc, binding):
    """Map a typed error to the state and message an admin sees on the record."""
    if exc.retryable:
        delay = retry_delay(exc)
        return Outcome("queued", f"Exact Online could not be reached ({exc.message}); "
                       f"the sync will be retried automatically.", retry_in=delay)
    if isinstance(exc, (NeedsReconnect, NotConnected)):
        return Outcome("failed", reconnect_message(binding.connection, exc))
    if isinstance(exc, ExactValidationError):
        return Outcome("failed", f"Exact Online refused it: {exc.message}")
    return Outcome("failed", exc.message)


# The company's page (exact_plugin/admin/companies.py); a path, as jobs have no request.
COMPANY_PAGE = "/admin/exact/companies/edit/?id={id}"


def reconnect_message(company, exc):
    return (f"{exc.message} The company {company.name!r} must be reconnected: open "
            f"Exact Online > Exact Online companies, edit {company.name!r} and press "
            f"'Reconnect' ({COMPANY_PAGE.format(id=company.id)}), then press Retry.")


def retry_delay(exc):
    if isinstance(exc, ExactRateLimited) and exc.reset_at:
        return max(1.0, exc.reset_at - clock.now())
    return float(setting("EXACT_SYNC_RETRY_SECONDS", 30))


def record_outcome(binding, outcome):
    binding = db.session.merge(binding)
    binding.sync_state = outcome.state
    binding.last_error = outcome.message
    if outcome.state == "synced":
        binding.last_synced_at = utcnow()
    db.session.commit()


def with_retries(action):
    """Run `action`, retrying transient failures a few times with backoff.

    Exact: 502/503/504, time-outs and dropped connections are retried; 429 waits for the
    reset (DESIGN.md rule 3). A lost create is safe to retry: `send` looks it up first.
    """
    delays = setting("EXACT_SYNC_BACKOFF", (0.5, 2.0))
    for attempt, delay in enumerate([*delays, None]):
        try:
            return action()
        except ExactRateLimited as exc:
            wait = (exc.reset_at or 0) - clock.now()
            if delay is None or wait > setting("EXACT_SYNC_MAX_WAIT_SECONDS", 65):
                raise
            db.session.rollback()
            clock.sleep(max(wait, delay))
        except ExactTransientError:
            if delay is None:
                raise
            db.session.rollback()
            clock.sleep(delay)


# -- one binding ---------------------------------------------------------------------------

def send(spec, record, binding):
    """Create or update the record in the binding's company; returns a note for the admin
    (e.g. the invoice numbering advice) or None."""
    company = binding.connection
    payload = BUILDERS[spec.host_model](record, binding)
    client = client_for(company, f"{spec.label} {record.id}")
    state = export_state(binding)
    previous = json.loads(state.sent_payload) if state.sent_payload else None
    if not binding.exact_id and state.create_sent_at:
        # A create may have reached Exact without its answer reaching us: find it first.
        found = find_by_natural_key(client, spec, natural_key_of(spec, payload))
        if found is not None:
            adopt(spec, binding, found)
            note = after_create(spec, client, record, binding, state, found)
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
    binding.exact_id = exact_record[spec.key]
    number = exact_record.get(spec.number_field)
    if spec.host_model != "Invoice" and number is not None:
        binding.exact_code = str(number).strip()


def create(spec, client, record, binding, state, payload):
    # The natural key is kept on the binding: an invoice's YourRef stays the number it was
    # sent with, even after Exact's number is written back to the host invoice.
    binding.exact_code = binding.exact_code or str(natural_key_of(spec, payload))
    state.create_sent_at = utcnow()
    state.sent_payload = json.dumps(payload, default=str)
    db.session.commit()  # the mark must be stored before the request leaves
    created = client.create(spec.endpoint, outbound.without_empty(payload))
    adopt(spec, binding, created)
    return after_create(spec, client, record, binding, state, created)


def after_create(spec, client, record, binding, state, exact_record):
    state.create_sent_at = None
    binding.sync_hash = outbound.payload_hash(payload_of(state))
    db.session.commit()
    if spec.host_model == "Invoice":
        return finish_invoice(client, record, binding, state, exact_record)
    return None


def payload_of(state):
    return json.loads(state.sent_payload) if state.sent_payload else {}


def update(spec, client, record, binding, state, previous, payload):
    if spec.host_model == "Invoice":
        return update_invoice(client, record, binding, state, previous, payload)
    changes = outbound.changed_fields(previous, payload)
    if changes:
        client.update(spec.endpoint, binding.exact_id, changes)
    remember_sent(binding, state, payload)
    return None


def remember_sent(binding, state, payload, **marks):
    stored = {**payload, **{f"_{name}": value for name, value in marks.items()}}
    state.sent_payload = json.dumps(stored, default=str)
    binding.sync_hash = outbound.payload_hash(payload)
    db.session.commit()


# -- payload builders (one per exported model) ---------------------------------------------

def build_account(record, binding):
    validation.require_accounting_id(record, type(record).__name__)
    if isinstance(record, host.Customer):
        return outbound.customer_payload(record)
    return outbound.supplier_payload(record)


def build_item(product, binding):
    validation.require_accounting_id(product, "Product")
    company = binding.connection
    problem = validation.product_problem(product, company) or \
        validation.vat_code_problem(product.tax_rate, company)
    if problem:
        raise LocalValidationError(f"Product cannot be synced to Exact Online: {problem}.")
    payload = outbound.item_payload(
        product, item_group_id=item_group_of(product, company),
        vat_code=validation.vat_code_of(product.tax_rate, company),
        gl_revenue_id=gl_account_of(product.income_account or _group_account(product, "income"),
                                    company),
        gl_costs_id=gl_account_of(product.expense_account or _group_account(product, "expense"),
                                  company))
    return payload


def _group_account(product, kind):
    group = product.group
    if group is None:
        return None
    return group.default_income_account if kind == "income" else group.default_expense_account


def item_group_of(product, company):
    from exact_plugin.models import ItemGroupMapping
    if product.group_id is None:
        return None
    mapping = db.session.execute(db.select(ItemGroupMapping).filter_by(
        connection_id=company.id, product_group_id=product.group_id
    ).order_by(ItemGroupMapping.id)).scalars().first()
    return mapping.exact_item_group_id if mapping else None


def gl_account_of(account, company):
    if account is None:
        return None
    binding = binder.binding_for_host(company.id, "GLAccount", account.id)
    return binding.exact_id if binding is not None else None


def build_invoice(invoice, binding):
    company = binding.connection
    validation.check_invoice(invoice, company)  # every local check before the first call
    account_id = dependency_exact_id("Customer", invoice.customer, company)
    lines = []
    for line in invoice.lines:
        item_id = dependency_exact_id("Product", line.product, company)
        lines.append(outbound.invoice_line_payload(
            line, item_id=item_id, vat_code=validation.vat_code_of(line.tax_rate, company)))
    your_ref = binding.exact_code or invoice.number
    return outbound.invoice_payload(invoice, account_id=account_id, your_ref=your_ref,
                                    lines=lines)


BUILDERS = {"Customer": build_account, "Supplier": build_account, "Product": build_item,
            "Invoice": build_invoice}


def dependency_exact_id(host_model, record, company):
    """The Exact ID of an invoice's customer or product, pushing it first when not in Exact."""
    binding = binder.binding_for_host(company.id, host_model, record.id)
    if binding.exact_id:
        return binding.exact_id
    spec = EXPORTS[host_model]
    with locks.record_lock(host_model, record.id) as locked:
        if not locked:
            raise ExactTransientError(f"{spec.label} '{record}' is being sent by another job")
        db.session.refresh(binding)
        if not binding.exact_id:
            outcome = push_binding(spec, record, binding)
            if outcome.retry_in is not None:
                raise ExactTransientError(outcome.message)
            if outcome.state != "synced":
                raise LocalValidationError(
                    f"{spec.label} '{record}' could not be created in Exact Online first: "
                    f"{outcome.message}")
        return binding.exact_id


# -- invoices ------------------------------------------------------------------------------

def wants_processing(company):
    return company.default_invoice_status == outbound.STATUS_PROCESSED


def finish_invoice(client, invoice, binding, state, exact_record):
    """After the create: process it when asked, then write Exact's number back."""
    number = exact_record.get("InvoiceNumber")
    if wants_processing(binding.connection):
        number = process_invoice(client, binding, state) or number
    return write_back_number(invoice, binding, number)


def process_invoice(client, binding, state):
    """Exact: status 50 is reached by printing (reference §6.6); printing also numbers the
    invoice when the division assigns numbers at printing (reference §7)."""
    client.create(PRINTED_INVOICES, {"InvoiceID": binding.exact_id})
    remember_sent(binding, state, payload_of(state), processed=True)
    printed = client.get_by_key(EXPORTS["Invoice"].endpoint, binding.exact_id,
                                select="InvoiceNumber,Status")
    return (printed or {}).get("InvoiceNumber")


def write_back_number(invoice, binding, number):
    """Give the host invoice the number Exact assigned, so both systems show the same one.

    Returns the note to show on the invoice when that could not be done, else None."""
    note = None
    if number is None:
        note = NUMBER_AT_PRINTING.format(number=invoice.number)
        note_in_outbound_log(binding, note)
    else:
        number = str(number)
        binding.exact_number = number
        if invoice.number != number:
            taken = db.session.execute(db.select(host.Invoice.id).filter(
                host.Invoice.number == number, host.Invoice.id != invoice.id)).first()
            if taken:
                note = (f"Exact Online numbered this invoice {number}, which another invoice "
                        f"here already has; it keeps number {invoice.number}.")
            else:
                invoice.number = number
    db.session.commit()
    return note


def note_in_outbound_log(binding, message):
    """Say it in the Outbound requests log too, on the request that created the invoice."""
    request = db.session.execute(db.select(OutboundRequest).filter_by(
        connection_id=binding.connection_id, method="POST",
        context=f"Invoice {binding.host_id}").order_by(OutboundRequest.id.desc())
    ).scalars().first()
    if request is not None:
        request.error = message


def update_invoice(client, invoice, binding, state, previous, payload):
    """Header fields that changed are PUT; changed lines are replaced (Exact: nested lines
    cannot be replaced by a PUT, reference §3.5). A processed invoice cannot change
    (reference §6.6), so that is said without a call."""
    previous = previous or {}
    processed = previous.get("_processed", False)
    changes = outbound.changed_fields(previous, payload)
    if changes and processed:
        raise LocalValidationError(
            f"Invoice {invoice.number} is processed in Exact Online and can no longer be "
            f"changed there; correct it with a credit note in Exact.")
    header = {name: value for name, value in changes.items() if name != "SalesInvoiceLines"}
    if header:
        client.update(EXPORTS["Invoice"].endpoint, binding.exact_id, header)
    if "SalesInvoiceLines" in changes:
        replace_lines(client, binding.exact_id, payload["SalesInvoiceLines"])
    remember_sent(binding, state, payload, processed=processed)
    if wants_processing(binding.connection) and not processed:
        return write_back_number(invoice, binding, process_invoice(client, binding, state))
    if not binding.exact_number:
        fetched = client.get_by_key(EXPORTS["Invoice"].endpoint, binding.exact_id,
                                    select="InvoiceNumber")
        return write_back_number(invoice, binding, (fetched or {}).get("InvoiceNumber"))
    return None


def replace_lines(client, invoice_id, lines):
    """Add the new lines, then delete the old ones. A retry after a partial failure lists the
    lines again, so half-added lines are deleted with the old ones: the end state is right."""
    old = [row["ID"] for row in client.iter_rows(
        INVOICE_LINES, filter=f"InvoiceID eq guid'{invoice_id}'", select="ID")]
    for line in lines:
        client.create(INVOICE_LINES, outbound.without_empty({**line, "InvoiceID": invoice_id}))
    for line_id in old:
        client.delete(INVOICE_LINES, line_id)

