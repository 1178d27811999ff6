"""Outbound mappers: host record -> Exact payload, pure functions.

They read attributes of host records and take every Exact reference (account ID, item group,
VAT code, GL accounts) as arguments, so they need no database, no network and no app, and the
exporter (exact_plugin/syncing/exporter.py) is the one place that looks those references up.
Field names follow shared exact-online-api.md §6; DESIGN.md "Host entity to Exact entity".
"""
import hashlib
import json
from decimal import Decimal

from exact_plugin.mappers import states

# Exact: Item.Description is at most 60 characters, ExtraDescription 255 (reference §6.2);
# SalesInvoice.Description and line descriptions are at most 60 (reference §6.6).
ITEM_DESCRIPTION_MAX = 60
EXTRA_DESCRIPTION_MAX = 255
INVOICE_DESCRIPTION_MAX = 60
# Exact: Account Code is 18 characters, right-aligned with leading spaces (reference §3.4).
ACCOUNT_CODE_WIDTH = 18
# Exact: SalesInvoice.Type 8020 = normal sales invoice (reference §6.6).
SALES_INVOICE_TYPE = 8020
# Exact: 8021 = credit note; its lines have negative quantities (reference §6.6; docs/sandbox.md
# §Credit notes). No API field links it to the invoice it corrects (picqer#464): the
# Description names that invoice.
CREDIT_NOTE_TYPE = 8021
# Exact: SalesInvoice.Status 50 = processed, reached by printing (reference §6.6).
STATUS_PROCESSED = 50

# Account address fields <- attribute of the host site (customers) or supplier.
ADDRESS_FIELDS = {"AddressLine1": "address_line1", "AddressLine2": "address_line2",
                  "AddressLine3": "address_line3", "Postcode": "postcode", "City": "city",
                  "State": "state", "Country": "country"}
CONTACT_FIELDS = {"Email": "email", "Phone": "phone", "VATNumber": "vat_number"}
# The fields of each payload, as an import records what Exact held (held_payload).
CUSTOMER_FIELDS = ("Code", "Name", *ADDRESS_FIELDS, *CONTACT_FIELDS, "Status")
ITEM_FIELDS = ("Code", "Description", "ExtraDescription", "ItemGroup", "SalesVatCode",
               "GLRevenue", "GLCosts", "CostPriceStandard", "IsSalesItem")


def _text(value):
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    return value or None


def _number(value):
    return float(Decimal(value)) if value is not None else None


def padded_account_code(code):
    """The Account Code as Exact stores and filters it: 18 characters, right-aligned."""
    return str(code).strip().rjust(ACCOUNT_CODE_WIDTH)


def odata_string(value):
    """A string literal for $filter: single quotes doubled (reference §3.4)."""
    return "'" + str(value).replace("'", "''") + "'"


def natural_key_filter(field, value, padded=False):
    """`$filter` finding a record again by its natural key (reference §9.7, §3.4).

    `padded`: the field is stored right-aligned in 18 characters (Account Code)."""
    if padded:
        value = padded_account_code(value)
    return f"{field} eq {odata_string(value)}"


def _address(source):
    if source is None:
        return {}
    address = {field: _text(getattr(source, attribute, None))
               for field, attribute in ADDRESS_FIELDS.items()}
    # Exact: State is a state code of the Country (reference §6.1); a free-text state that is
    # no code of the country is left out (the badge says so, states.state_note).
    address["State"] = states.state_code(address["Country"], address["State"])
    return address


def state_note(record):
    """The note for a customer's or supplier's badge when its state could not be sent."""
    source = getattr(record, "main_site", record)
    if source is None:
        return None
    return states.state_note(getattr(source, "country", None), getattr(source, "state", None))


def account_payload(record, address_source, *, is_supplier=False):
    """crm/Accounts payload for a customer (Status C) or a supplier (IsSupplier)."""
    payload = {"Code": str(record.accounting_id).strip(), "Name": _text(record.name)}
    payload.update(_address(address_source))
    payload.update({field: _text(getattr(record, attribute, None))
                    for field, attribute in CONTACT_FIELDS.items()})
    # Archiving in the back office blocks the account in Exact (reference §6.1: Blocked).
    payload["Blocked"] = bool(getattr(record, "archived", False))
    if is_supplier:
        payload["IsSupplier"] = True
    else:
        # Exact: Status C = customer (reference §6.1)
        payload["Status"] = "C"
    return payload


def customer_payload(customer):
    """Account for a customer: code = customer ID for accounting integration, main-site address."""
    return account_payload(customer, customer.main_site)


def supplier_payload(supplier):
    return account_payload(supplier, supplier, is_supplier=True)


def item_payload(product, *, item_group_id=None, vat_code=None, gl_revenue_id=None,
                 gl_costs_id=None):
    """logistics/Items payload. Sales prices live in SalesItemPrices (read-only StandardSalesPrice,
    reference §6.2), so invoice lines carry their own price; the cost price is sent here."""
    name = _text(product.name) or ""
    payload = {
        "Code": str(product.accounting_id).strip(),
        "Description": name[:ITEM_DESCRIPTION_MAX],
        "ExtraDescription": name[ITEM_DESCRIPTION_MAX:][:EXTRA_DESCRIPTION_MAX] or None,
        "ItemGroup": item_group_id,
        "SalesVatCode": vat_code,
        "GLRevenue": gl_revenue_id,
        "GLCosts": gl_costs_id,
        "CostPriceStandard": _number(product.cost),
        "IsSalesItem": True,
        # Archiving ends the item in Exact: an item is active between its StartDate and
        # EndDate (reference §6.2); the day it was last changed is the stable choice.
        "EndDate": archived_on(product),
    }
    return payload


def archived_on(record):
    if not getattr(record, "archived", False):
        return None
    return (record.updated_at.date() if record.updated_at else None).isoformat() \
        if record.updated_at else None


def description_was_cut(product):
    return len(_text(product.name) or "") > ITEM_DESCRIPTION_MAX


def invoice_line_payload(line, *, item_id, vat_code=None, credit=False):
    """One SalesInvoiceLines entry: item, quantity, price, VAT code, description. A credit
    note's line credits its quantity: negative in Exact, the price stays positive."""
    description = _text(line.description) or _text(getattr(line.product, "name", None))
    quantity = _number(line.quantity)
    return {
        "Item": item_id,
        "Description": (description or "")[:INVOICE_DESCRIPTION_MAX] or None,
        "Quantity": -quantity if credit and quantity else quantity,
        "UnitPrice": _number(line.unit_price),
        "VATCode": vat_code,
    }


def invoice_payload(invoice, *, account_id, your_ref, lines, journal=None, credits_number=None):
    """salesinvoice/SalesInvoices payload with nested lines (reference §6.6).

    `your_ref` is the host invoice number the invoice was first sent with: YourRef is the
    natural key Exact is searched by after a lost answer (reference §9.7). `journal` is the
    company's sales journal code (a string, never a GUID: reference §9.13); None sends none,
    so Exact's default sales journal applies. The invoice date goes in OrderDate (InvoiceDate
    is read-only here; it is sent when the invoice is printed, `printed_invoice_payload`).
    `credits_number`: this is a credit note for the invoice Exact knows by that number.
    """
    description = (f"Credit note {your_ref} for invoice {credits_number}"
                   if credits_number else f"Invoice {your_ref}")
    return {
        "Journal": journal,
        "OrderedBy": account_id,
        "InvoiceTo": account_id,
        "YourRef": your_ref,
        "Description": description[:INVOICE_DESCRIPTION_MAX],
        "OrderDate": invoice.date.isoformat() if invoice.date else None,
        "DueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "Currency": invoice.currency,
        "Type": CREDIT_NOTE_TYPE if credits_number else SALES_INVOICE_TYPE,
        "SalesInvoiceLines": list(lines),
    }


def printed_invoice_payload(invoice_id, invoice_date):
    """salesinvoice/PrintedSalesInvoices: processing books the invoice, on `InvoiceDate` in
    the VAT period `ReportingYear`/`ReportingPeriod` (reference §6.6); left out, Exact books
    it on the day it is printed."""
    payload = {"InvoiceID": invoice_id}
    if invoice_date is not None:
        payload.update({"InvoiceDate": invoice_date.isoformat(),
                        "ReportingPeriod": invoice_date.month,
                        "ReportingYear": invoice_date.year})
    return payload


def without_empty(payload):
    """A create sends only the fields that have a value (Exact fills its defaults)."""
    return {name: value for name, value in payload.items() if value not in (None, "", [])}


def changed_fields(previous, current, fixed=()):
    """The fields of `current` that differ from what Exact last held (`previous`: what was last
    sent, or what an import read). `fixed` fields are never in a PUT: Exact answers 500 "Data
    already exists." when an Account's `Code` is set on a PUT, even to the same value (picqer
    #432; Exact's own SDK sends only changed fields)."""
    previous = previous or {}
    return {name: value for name, value in current.items()
            if not name.startswith("_") and name not in fixed and previous.get(name) != value}


def held_value(value):
    """A value Exact sent, in the shape the outbound mappers give it: codes trimmed (Exact pads
    them, reference §3.2), empty text as None, numbers as floats."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    return value


def held_payload(record, fields):
    """What Exact holds of a record, in the outbound payload's shape (`fields`): an import or
    a match records it, so the first edit after it sends only what the admin changed."""
    return {name: held_value(record.get(name)) for name in fields if name in record}


def payload_hash(payload):
    """A stable hash of a payload, stored on the binding (Binding.sync_hash)."""
    text = json.dumps({k: v for k, v in payload.items() if not k.startswith("_")},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
