"""Payment status of pushed invoices, read back from Exact's receivables, incrementally.

One refresh of a company reads, through the bulk endpoint (1000 rows a call, reference §6.8):
1. every **open** receivable (`Status eq 20`): an invoice with open rows is open or partly
   paid, its outstanding amount the sum of its open rows (a partial payment splits the row,
   picqer/pisys EntryID; docs/sandbox.md §Receivables);
2. every receivable **matched since** the last refresh (`Status eq 50 and EndDate ge ...`, less
   two days for time zones: Exact's dates may be Amsterdam local time, reference §9.9): what
   was settled meanwhile, with its date;
3. only for invoices never checked or open last time that are in neither read (paid with a
   date before the period read, which `EndDate` misses), their rows by invoice number,
   `LOOKUP_BATCH` numbers a call.
So 10,000 invoices cost about ceil(open/1000) + ceil(settled since/1000) calls
(bench/bench_payment_status.py). Receivables are found by the number Exact gave the invoice
(the binding's `exact_number`; Exact copies it to the receivable's InvoiceNumber, reference
§7) and, when the row carries one, the YourRef the invoice was sent with.
An invoice Exact has not processed has no receivable yet (reference §6.6): "Not processed".
"""
import logging
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from backoffice.db import db
from backoffice.models import round_money, utcnow
from exact_plugin.entities import BULK, entity
from exact_plugin.errors import ExactError
from exact_plugin.importing.sql import among
from exact_plugin.ledger.models import (NOT_PROCESSED, OPEN, PAID, PARTLY_PAID,
                                        PaymentStatus)
from exact_plugin.models import Binding, ExactConnection

log = logging.getLogger(__name__)

# Exact: receivable Status 20 open, 50 matched (pisys Cashflow/Receivables.php).
RECEIVABLE_OPEN, RECEIVABLE_MATCHED = 20, 50
# Exact dates may be Amsterdam local time encoded as UTC (reference §9.9): read back further.
SINCE_MARGIN = timedelta(days=2)
LOOKUP_BATCH = 40   # invoice numbers per lookup call (an OData `or` list; URL length)
HOST_MODEL = "Invoice"
# Invoices with no row in the first two reads that are looked up by number: those never
# checked (paid before the dates read) and those open last time (paid with an older date).
# An invoice Exact had not processed is not looked up again each time: once processed it
# shows among the open rows, or among the matched ones when paid (with a later date).
LOOKED_UP = (None, OPEN, PARTLY_PAID)
_DATE = re.compile(r"/Date\((-?\d+)")


def exact_date(value):
    """`/Date(ms)/` (reference §3.2) -> a date; None stays None."""
    if not value:
        return None
    match = _DATE.match(str(value))
    if not match:
        return None
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc).date()


def refresh_all_companies():
    """The periodic job: every connected company, one after the other."""
    from exact_plugin.job_app import app_context
    summaries = []
    with app_context():
        for company in db.session.execute(db.select(ExactConnection)).scalars().all():
            if company.is_connected:
                try:
                    summaries.append(refresh_company(company.id))
                except ExactError as exc:
                    log.warning("Payment status of %s not refreshed: %s", company.name, exc)
                    summaries.append(f"{company.name}: {exc.message}")
    return "; ".join(summaries)


def refresh_company(company_id, client=None):
    """Refresh the payment status of every invoice of one company that reached Exact."""
    from exact_plugin.client import ExactClient
    company = db.session.get(ExactConnection, company_id)
    bindings = _pushed_invoices(company.id)
    if not bindings:
        return f"{company.name}: no invoices in Exact"
    started = utcnow()
    client = client or ExactClient.for_connection(company, context="Payment status")
    spec = entity("receivables")
    by_number = {binding.exact_number: binding for binding in bindings}
    known = _statuses(bindings)
    rows = defaultdict(list)
    _collect(rows, by_number, _read(client, spec, f"Status eq {RECEIVABLE_OPEN}"))
    open_numbers = set(rows)
    since = _since(company, bindings)
    _collect(rows, by_number, _read(client, spec, f"Status eq {RECEIVABLE_MATCHED} and "
                                                  f"EndDate ge datetime'{since:%Y-%m-%d}T00:00:00'"))
    missing = [number for number, binding in by_number.items() if number not in rows
               and known.get(binding.id) in LOOKED_UP]
    for start in range(0, len(missing), LOOKUP_BATCH):
        numbers = " or ".join(f"InvoiceNumber eq {int(number)}"
                              for number in missing[start:start + LOOKUP_BATCH])
        _collect(rows, by_number, _read(client, spec, f"({numbers})"))
    changed = _store(company, by_number, rows, open_numbers, known, started)
    return f"{company.name}: {len(bindings)} invoice(s) checked, {changed} changed"


def _pushed_invoices(company_id):
    """Invoice bindings of the company that Exact numbered (so may have a receivable)."""
    return db.session.execute(db.select(Binding).filter(
        Binding.connection_id == company_id, Binding.host_model == HOST_MODEL,
        Binding.exact_id.is_not(None), Binding.exact_number.is_not(None))).scalars().all()


def _statuses(bindings):
    ids = [binding.id for binding in bindings]
    return dict(db.session.execute(db.select(PaymentStatus.binding_id, PaymentStatus.status)
                                   .where(among(PaymentStatus.binding_id, ids))).all())


def _since(company, bindings):
    """From the last refresh on, or from the first pushed invoice the first time."""
    start = company.payments_checked_at or min(binding.created_at for binding in bindings)
    return (start - SINCE_MARGIN).date()


def _read(client, spec, filter):
    return client.iter_rows(spec.bulk_path, select=",".join(spec.fields(BULK)), filter=filter)


def _collect(rows, by_number, receivables):
    for row in receivables:
        number = str(row.get("InvoiceNumber") or "")
        binding = by_number.get(number)
        if binding is None or not _same_invoice(row, binding):
            continue
        if all(row["ID"] != seen["ID"] for seen in rows[number]):
            rows[number].append(row)


def _same_invoice(row, binding):
    """Another journal may reuse the number; when the row carries a YourRef it must be ours."""
    your_ref = (row.get("YourRef") or "").strip()
    return not your_ref or not binding.exact_code or your_ref == binding.exact_code


def status_of(receivables):
    """(status, amount, outstanding, settled_on) from every receivable row of one invoice."""
    open_rows = [row for row in receivables if row.get("Status") == RECEIVABLE_OPEN]
    outstanding = round_money(sum((Decimal(str(row.get("AmountDC") or 0)) for row in open_rows),
                                  Decimal(0)))
    amount = round_money(Decimal(str(receivables[0].get("TransactionAmountDC") or 0)))
    if not open_rows:
        settled = max((exact_date(row.get("LastPaymentDate") or row.get("EndDate"))
                       for row in receivables), default=None, key=lambda d: d or date.min)
        return PAID, amount, Decimal(0), settled
    if abs(outstanding) < abs(amount):
        return PARTLY_PAID, amount, outstanding, None
    return OPEN, amount, outstanding, None


def _store(company, by_number, rows, open_numbers, known, started):
    """Write the new status of each invoice (one insert, one update); returns how many changed."""
    existing = dict(db.session.execute(db.select(PaymentStatus.binding_id, PaymentStatus.id)
                                       .where(among(PaymentStatus.binding_id,
                                                    [b.id for b in by_number.values()]))).all())
    inserts, updates, changed = [], [], 0
    for number, binding in by_number.items():
        if number in rows:
            status, amount, outstanding, settled = status_of(rows[number])
        elif known.get(binding.id) == PAID:
            continue   # settled before: nothing new about it
        else:
            status, amount, outstanding, settled = NOT_PROCESSED, None, None, None
        values = dict(binding_id=binding.id, status=status, amount=amount,
                      outstanding=outstanding, settled_on=settled, checked_at=started)
        changed += known.get(binding.id) != status
        if binding.id in existing:
            updates.append(dict(values, id=existing[binding.id]))
        else:
            inserts.append(values)
    if inserts:
        db.session.execute(db.insert(PaymentStatus), inserts)
    if updates:
        db.session.execute(db.update(PaymentStatus), updates)
    company.payments_checked_at = started
    db.session.commit()
    return changed


def status_of_invoice(invoice_id):
    """The PaymentStatus of a host invoice (its first company), or None."""
    return db.session.execute(db.select(PaymentStatus).join(
        Binding, Binding.id == PaymentStatus.binding_id).filter(
        Binding.host_model == HOST_MODEL, Binding.host_id == invoice_id)
        .order_by(Binding.id)).scalars().first()
