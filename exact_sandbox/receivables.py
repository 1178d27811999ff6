"""Receivables: what a processed sales invoice leaves outstanding, and payments against it.

Exact: processing an invoice (PrintedSalesInvoices) creates its financial transaction
(reference §6.6), and with it the receivable served by ``cashflow/Receivables`` and
``bulk/Cashflow/Receivables`` (picqer ``Receivable.php``; pisys ``Cashflow/Receivables.php``).
Status 20 = open, 50 = matched (pisys).  "A receivable can be split so that one part is
received on a different date. In that case the two records get a different EntryID"
(picqer/pisys ``EntryID``): a partial payment splits the open receivable into a matched part
and an open remainder.  The rest is the sandbox's choice (docs/sandbox.md §Receivables).
"""
import datetime as dt
import json

from .values import new_guid

OPEN, MATCHED = 20, 50                      # Exact: receivable Status codes (pisys Cashflow/Receivables.php)
RECEIVABLES_GL_TYPE = 20                    # Exact: "G/L account … Must be of type 20 (Accounts receivable)"
# Sandbox choices (unverified): transaction types of a sales entry and a sales credit note, the payment
# term when the invoice has no DueDate (payment conditions are not modelled)
TRANSACTION_TYPES = {8020: 20, 8023: 20, 8021: 21, 8024: 21}
DEFAULT_PAYMENT_DAYS = 30
DAY_MS = 86400 * 1000
INVOICE_LINK = "_InvoiceID"                 # stored, never served: the invoice a receivable belongs to


def money(value: float) -> float:
    return round(value + 0.0, 2)


def receivables_of(records, division: int, invoice_id: str) -> list[dict]:
    rows = records.store.select(
        "SELECT data FROM records WHERE division = ? AND entity = 'Receivables' "
        f"AND json_extract(data, '$.{INVOICE_LINK}') = ? ORDER BY seq", [division, invoice_id])
    return [json.loads(row[0]) for row in rows]


def create_for_invoice(records, division: int, invoice: dict) -> dict | None:
    """The open receivable of a just-processed invoice (none for a zero amount)."""
    if not invoice.get("AmountDC") or receivables_of(records, division, invoice["InvoiceID"]):
        return None
    store, now = records.store, records.state.clock.now_ms()
    account = store.get(division, "Accounts", invoice.get("InvoiceTo") or "") or {}
    gl = store.find(division, "GLAccounts", "Type", RECEIVABLES_GL_TYPE) or {}
    invoice_date = invoice.get("InvoiceDate") or now
    due = invoice.get("DueDate") or invoice_date + DEFAULT_PAYMENT_DAYS * DAY_MS
    day = dt.datetime.fromtimestamp(invoice_date / 1000, dt.timezone.utc)
    receivable = {
        "ID": new_guid(), INVOICE_LINK: invoice["InvoiceID"], "Account": account.get("ID"),
        "AccountCode": account.get("Code"), "AccountName": account.get("Name"),
        "AccountCountry": account.get("Country"), "AmountDC": invoice["AmountDC"], "AmountFC": invoice["AmountFC"],
        "AmountDiscountDC": 0.0, "AmountDiscountFC": 0.0, "Currency": invoice.get("Currency"),
        "Description": invoice.get("Description"), "Division": division, "DueDate": due,
        "EntryDate": invoice_date, "EntryID": new_guid(),
        # Exact: printing copies InvoiceNumber to the sales entry's EntryNumber (reference §7)
        "EntryNumber": invoice.get("InvoiceNumber"), "GLAccount": gl.get("ID"), "GLAccountCode": gl.get("Code"),
        "GLAccountDescription": gl.get("Description"), "InvoiceDate": invoice_date,
        "InvoiceNumber": invoice.get("InvoiceNumber"), "IsBatchBooking": 0, "IsFullyPaid": False,
        "Journal": invoice.get("Journal"), "JournalDescription": invoice.get("JournalDescription"),
        "LastPaymentDate": None, "EndDate": None, "OrderNumber": invoice.get("OrderNumber"),
        "PaymentCondition": invoice.get("PaymentCondition"), "PaymentMethod": "B",  # Exact: B = on credit (default)
        "PaymentDays": int((due - invoice_date) // DAY_MS), "PaymentReference": invoice.get("PaymentReference"),
        "RateFC": 1.0, "Status": OPEN, "TransactionAmountDC": invoice["AmountDC"],
        "TransactionAmountFC": invoice["AmountFC"], "TransactionDueDate": due,
        # the sales entry is a different record than the invoice: its own ID (do not match on it)
        "TransactionEntryID": new_guid(), "TransactionID": new_guid(), "TransactionIsReversal": False,
        "TransactionReportingPeriod": day.month, "TransactionReportingYear": day.year,
        "TransactionType": TRANSACTION_TYPES.get(invoice.get("Type")), "YourRef": invoice.get("YourRef"),
    }
    records.stamp(division, receivable, created=True)
    store.insert(division, "Receivables", receivable["ID"], receivable)
    return receivable


class PaymentRefused(ValueError):
    """A payment the sandbox cannot book (answered 400 by the control API)."""


def record_payment(records, division: int, invoice_id: str, amount: float | None, paid_on_ms: int) -> list[dict]:
    """Book a payment ("paid in Exact"): the whole open amount, or a part of it (same sign)."""
    with records.store.transaction():
        rows = receivables_of(records, division, invoice_id)
        if not rows:
            raise PaymentRefused("the invoice has no receivable: only processed invoices have one")
        open_rows = [row for row in rows if row["Status"] == OPEN]
        if not open_rows:
            raise PaymentRefused("the invoice is already fully paid")
        receivable = open_rows[0]
        outstanding = receivable["AmountDC"]
        amount = outstanding if amount is None else money(float(amount))
        if amount == 0 or (amount > 0) != (outstanding > 0) or abs(amount) > abs(outstanding):
            raise PaymentRefused(f"amount must be between 0 and the outstanding {outstanding} (same sign)")
        if amount == outstanding:
            settle(receivable, paid_on_ms)
        else:
            paid = {**receivable, "ID": new_guid(), "EntryID": new_guid(), "AmountDC": amount, "AmountFC": amount}
            settle(paid, paid_on_ms)
            records.stamp(division, paid, created=True)
            records.store.insert(division, "Receivables", paid["ID"], paid)
            remainder = money(outstanding - amount)
            receivable.update(AmountDC=remainder, AmountFC=remainder, LastPaymentDate=paid_on_ms)
        records.stamp(division, receivable, created=False)
        records.store.update(division, "Receivables", receivable["ID"], receivable)
    return receivables_of(records, division, invoice_id)


def outstanding(rows: list[dict]) -> float:
    return money(sum(row["AmountDC"] for row in rows if row["Status"] == OPEN))


def find_invoice(records, division: int, body: dict) -> dict:
    """The invoice a control call names by ``InvoiceID`` or by ``InvoiceNumber`` (+ optional ``Journal``)."""
    if body.get("InvoiceID"):
        invoice = records.store.get(division, "SalesInvoices", str(body["InvoiceID"]).strip("{}").lower())
    else:
        rows = records.store.select(
            "SELECT data FROM records WHERE division = ? AND entity = 'SalesInvoices' "
            "AND json_extract(data, '$.InvoiceNumber') = ? AND (? IS NULL OR json_extract(data, '$.Journal') = ?)",
            [division, body.get("InvoiceNumber"), body.get("Journal"), body.get("Journal")])
        invoice = json.loads(rows[0][0]) if len(rows) == 1 else None
    if invoice is None:
        raise PaymentRefused("no such invoice: give InvoiceID, or InvoiceNumber (and Journal if ambiguous)")
    return invoice


def settle(receivable: dict, paid_on_ms: int) -> None:
    receivable.update(Status=MATCHED, IsFullyPaid=True, LastPaymentDate=paid_on_ms, EndDate=paid_on_ms)
