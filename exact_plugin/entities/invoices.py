"""Invoices: Exact sales invoices (`salesinvoice/SalesInvoices`, nested lines), sent only.

A credit note (a host invoice that credits another) goes the same way as Type 8021 with
negative quantities, and gets its own number back like any invoice.

Export: the customer and products go first (dependencies); YourRef carries the back office's
number; after the create the invoice is processed when the company asks for status 50, and
the number Exact assigned is written back so both systems show the same one.
"""
from sqlalchemy.exc import IntegrityError

from backoffice import models as host
from backoffice.db import db
from exact_plugin.entities.declaration import ExactEntity, Export
from exact_plugin.errors import LocalValidationError
from exact_plugin.mappers import outbound
from exact_plugin.models import OutboundRequest

ENDPOINT = "salesinvoice/SalesInvoices"
# Exact: processing (status 50) is done by printing (reference §6.6).
PRINTED_INVOICES = "salesinvoice/PrintedSalesInvoices"
INVOICE_LINES = "salesinvoice/SalesInvoiceLines"

# Exact: "Assign - Invoice Number" must be "Entry" for Exact to number the invoice when it is
# created (guide: "Set Invoice numbers to be the same"; reference §7).
NUMBER_AT_PRINTING = (
    "Exact Online did not assign an invoice number when the invoice was created: the division "
    "numbers invoices when they are printed. To give the invoice the same number in both "
    "systems, set 'Assign - Invoice Number' to 'Entry' in Exact Online (sales settings of the "
    "division); until then the invoice keeps number {number} here.")


def build_invoice(invoice, binding):
    from exact_plugin.syncing import validation
    from exact_plugin.syncing.exporter import dependency_exact_id
    company = binding.connection
    validation.check_invoice(invoice, company)  # every local check before the first call
    account_id = dependency_exact_id("Customer", invoice.customer, company)
    credited = invoice.credits_invoice
    lines = []
    for line in invoice.lines:
        item_id = dependency_exact_id("Product", line.product, company)
        lines.append(outbound.invoice_line_payload(
            line, item_id=item_id, vat_code=validation.vat_code_of(line.tax_rate, company),
            credit=credited is not None))
    your_ref = binding.exact_code or invoice.number
    return outbound.invoice_payload(invoice, account_id=account_id, your_ref=your_ref,
                                    lines=lines, journal=company.sales_journal or None,
                                    credits_number=credited.number if credited else None)


def wants_processing(company):
    return company.default_invoice_status == outbound.STATUS_PROCESSED


def finish_invoice(client, invoice, binding, state, exact_record):
    """After the create: process it when asked, then write Exact's number back."""
    number = exact_record.get("InvoiceNumber")
    if wants_processing(binding.connection):
        number = process_invoice(client, invoice, binding, state) or number
    return write_back_number(invoice, binding, number)


def process_invoice(client, invoice, binding, state):
    """Exact: status 50 is reached by printing (reference §6.6); printing also numbers the
    invoice when the division assigns numbers at printing (reference §7). Printing books it:
    the back office's invoice date is sent as the date and VAT period Exact books."""
    from exact_plugin.syncing.exporter import payload_of, remember_sent
    client.create(PRINTED_INVOICES, outbound.printed_invoice_payload(binding.exact_id,
                                                                     invoice.date))
    remember_sent(binding, state, payload_of(state), processed=True)
    printed = client.get_by_key(ENDPOINT, binding.exact_id, select="InvoiceNumber,Status")
    return (printed or {}).get("InvoiceNumber")


def write_back_number(invoice, binding, number):
    """Give the host invoice the number Exact assigned, so both systems show the same one.

    Returns the note to show on the invoice when that could not be done, else None."""
    note = None
    if number is None:
        note = NUMBER_AT_PRINTING.format(number=invoice.number)
        note_in_outbound_log(binding, note)
    else:
        from exact_plugin.entities import export_of
        from exact_plugin.syncing.exporter import take_number
        number = str(number)
        note = take_number(export_of("Invoice"), binding, number)
        if note is None and invoice.number != number:
            taken = db.session.execute(db.select(host.Invoice.id).filter(
                host.Invoice.number == number, host.Invoice.id != invoice.id)).first()
            if taken or not _renumber(invoice, number):
                note = (f"Exact Online numbered this invoice {number}, which another invoice "
                        f"here already has; it keeps number {invoice.number}.")
    db.session.commit()
    return note


def _renumber(invoice, number):
    """Give the invoice Exact's number unless another invoice took it a moment ago (two
    companies' divisions can hand out the same number at once); True when done."""
    try:
        with db.session.begin_nested():
            invoice.number = number
    except IntegrityError:
        return False
    return True


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
    from exact_plugin.syncing.exporter import remember_sent
    previous = previous or {}
    processed = previous.get("_processed", False)
    changes = outbound.changed_fields(previous, payload)
    if changes and processed:
        raise LocalValidationError(
            f"Invoice {invoice.number} is processed in Exact Online and can no longer be "
            f"changed there; correct it with a credit note in Exact.")
    header = {name: value for name, value in changes.items() if name != "SalesInvoiceLines"}
    if header:
        client.update(ENDPOINT, binding.exact_id, header)
    if "SalesInvoiceLines" in changes:
        replace_lines(client, binding.exact_id, payload["SalesInvoiceLines"])
    remember_sent(binding, state, payload, processed=processed)
    if wants_processing(binding.connection) and not processed:
        return write_back_number(invoice, binding, process_invoice(client, invoice, binding,
                                                                   state))
    if not binding.exact_number:
        fetched = client.get_by_key(ENDPOINT, binding.exact_id, select="InvoiceNumber")
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


def invoice_of_line(line):
    """A line belongs to its invoice's export."""
    return line.invoice_id or (line.invoice.id if line.invoice is not None else None)


# Exact: key InvoiceID; YourRef carries the back office's number (reference §6.6, §9.7).
ENTITY = ExactEntity(
    name="invoices", plural="invoices", endpoint=ENDPOINT,
    select=("InvoiceID", "InvoiceNumber", "YourRef", "Status", "OrderedBy", "AmountFCExclVat"),
    key="InvoiceID", natural_key="YourRef", deleted_type=13, host_model="Invoice",
    webhook_topic="SalesInvoices",
    exporting=Export(label="Invoice", setting="sync_invoices", build=build_invoice,
                     number_field="InvoiceNumber", number_attribute="exact_number",
                     after_create=finish_invoice, update=update_invoice,
                     parts={"InvoiceLine": invoice_of_line},
                     company_from=("Customer", "customer_id")))
