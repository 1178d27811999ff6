"""Sales invoice rules: defaults, line pricing, totals, numbering, processing.

Exact: amounts, InvoiceNumber and Status are read-only and computed by Exact
(reference §6.6, §7); the defaulting rules follow the sandbox choices table
(docs/sandbox.md §Invoices).
"""
import datetime as dt
import json
from dataclasses import replace

from . import entities as E
from .errors import ODataError, ValidationFailed
from .odata import parse_datetime_ms
from .receivables import create_for_invoice
from .values import new_guid, normalise_key

STATUS_DESCRIPTIONS = {10: "Draft", 20: "Open", 50: "Processed"}
TYPE_DESCRIPTIONS = {8020: "Normal", 8021: "Credit note", 8023: "Direct sales invoice", 8024: "Direct credit note"}
CREDIT_NOTE_TYPES = (8021, 8024)
DEFAULT_SALES_JOURNAL = "70"   # the division's default sales journal (seed.py)
SALES_JOURNAL_TYPE = 20        # Exact: journal Type 20 = sales (reference §6.5)
MALFORMED = "Error processing request stream. The request should be a valid top-level resource object."


def money(value: float) -> float:
    return round(value + 0.0, 2)


def first_invoice_number(now_s: float, journal_code: str) -> int:
    # Exact numbers from the journal's free numbers; the sandbox starts at YYJJ0001 (ossobv convention, reference §7)
    year = dt.datetime.fromtimestamp(now_s, dt.timezone.utc).year % 100
    return int(f"{year:02d}{int(journal_code) if journal_code.isdigit() else 70:02d}0001")


def next_invoice_number(records, division: int, journal_code: str) -> int:
    rows = records.store.select(
        "SELECT MAX(json_extract(data, '$.InvoiceNumber')) FROM records WHERE division = ? "
        "AND entity = 'SalesInvoices' AND json_extract(data, '$.Journal') = ?", [division, journal_code])
    highest = rows[0][0]
    return highest + 1 if highest else first_invoice_number(records.state.clock.now(), journal_code)


def next_order_number(records, division: int) -> int:
    rows = records.store.select("SELECT MAX(json_extract(data, '$.OrderNumber')) FROM records "
                                "WHERE division = ? AND entity = 'SalesInvoices'", [division])
    return (rows[0][0] or 0) + 1


def lines_of(records, division: int, invoice_id: str) -> list[dict]:
    rows = records.store.select(
        "SELECT data FROM records WHERE division = ? AND entity = 'SalesInvoiceLines' "
        "AND json_extract(data, '$.InvoiceID') = ? ORDER BY seq", [division, invoice_id])
    return [json.loads(row[0]) for row in rows]


def check_credit_sign(records, invoice_type, line: dict, number: int) -> None:
    """Sandbox choice (stricter; docs/sandbox.md §Credit notes): credit note lines carry negative quantities,
    so their amounts are negative as in Exact's ledger; a positive line on a credit note is refused."""
    if invoice_type in CREDIT_NOTE_TYPES and not (line.get("Quantity") or 0) < 0:
        raise ValidationFailed([records.messages()["credit_sign"].format(number)])


def refuse_if_processed(records, invoice: dict | None) -> None:
    if invoice and invoice.get("Status") == 50:
        raise ValidationFailed([records.messages()["processed"]])


def prepare_line(records, division: int, line: dict) -> dict:
    """Fill a line's defaults from its item (reference §6.6: price, VAT code, GL account)."""
    item = records.store.get(division, "Items", line.get("Item") or "")
    if item:
        if line.get("UnitPrice") is None:
            line["UnitPrice"] = item.get("StandardSalesPrice") or 0.0
        line["VATCode"] = line.get("VATCode") or item.get("SalesVatCode")
        line["GLAccount"] = line.get("GLAccount") or item.get("GLRevenue")
        line["Description"] = line.get("Description") or item.get("Description")
        line["UnitCode"] = line.get("UnitCode") or item.get("Unit")
    if line.get("Quantity") is None:
        line["Quantity"] = 1.0
    line["Discount"] = line.get("Discount") or 0.0
    return line


def price_line(records, division: int, line: dict) -> None:
    vat = records.store.find(division, "VATCodes", "Code", line.get("VATCode")) if line.get("VATCode") else None
    percentage = (vat or {}).get("Percentage") or 0.0
    line["NetPrice"] = money((line.get("UnitPrice") or 0.0) * (1 - (line.get("Discount") or 0.0)))
    line["AmountFC"] = line["AmountDC"] = money((line.get("Quantity") or 0.0) * line["NetPrice"])
    line["VATPercentage"] = percentage
    line["VATAmountFC"] = line["VATAmountDC"] = money(line["AmountFC"] * percentage)


def recalculate(records, division: int, invoice_id: str) -> None:
    """Re-price every line, total the header, and give header and lines new Timestamps.

    Exact: any change in header or line gives both a new Timestamp (reference §6.7).
    """
    header = records.store.get(division, "SalesInvoices", invoice_id)
    if header is None:
        return
    lines = lines_of(records, division, invoice_id)
    for line in lines:
        price_line(records, division, line)
    excl = money(sum(line["AmountFC"] for line in lines))
    vat = money(sum(line["VATAmountFC"] for line in lines))
    header.update(AmountFCExclVat=excl, VATAmountFC=vat, VATAmountDC=vat, AmountFC=money(excl + vat),
                  AmountDC=money(excl + vat))
    records.store.update(division, "SalesInvoices", invoice_id, header)
    for line in lines:
        records.store.update(division, "SalesInvoiceLines", line["ID"], line)


def process_invoice(records, division: int, invoice_id: str, invoice_date=None) -> dict:
    """PrintedSalesInvoices: status 50 and an InvoiceNumber if it had none (reference §6.6, §7)."""
    invoice_id = normalise_key(E.SALES_INVOICES.key, invoice_id or "")
    if isinstance(invoice_date, str):  # ISO 8601 or /Date(ms)/, like any date in a request
        invoice_date = parse_datetime_ms(invoice_date)
    with records.store.transaction():
        invoice = records.store.get(division, "SalesInvoices", invoice_id)
        if invoice is None:
            raise ValidationFailed([records.messages()["reference"].format("InvoiceID")])
        if invoice.get("InvoiceNumber") is None:
            invoice["InvoiceNumber"] = next_invoice_number(records, division, invoice["Journal"])
        invoice["Status"], invoice["StatusDescription"] = 50, STATUS_DESCRIPTIONS[50]
        invoice["InvoiceDate"] = invoice_date or invoice.get("InvoiceDate") or records.state.clock.now_ms()
        records.store.update(division, "SalesInvoices", invoice_id, invoice)
        recalculate(records, division, invoice_id)
        # Exact: processing creates the financial transaction (reference §6.6), hence the receivable
        create_for_invoice(records, division, records.store.get(division, "SalesInvoices", invoice_id))
    records.notify(division, E.SALES_INVOICES, "Update", invoice_id)
    return records.store.get(division, "SalesInvoices", invoice_id)


class InvoiceRules:
    """Hooks Records calls around SalesInvoices writes."""

    def before_create(self, records, division: int, invoice: dict, nested):
        if nested is not None and not isinstance(nested, list):
            raise ODataError(400, MALFORMED)
        invoice["InvoiceTo"] = invoice.get("InvoiceTo") or invoice.get("OrderedBy")
        self.set_journal(records, division, invoice)
        # Exact: Status is read-only; new invoices are open (reference §6.6)
        invoice["Status"], invoice["StatusDescription"] = 20, STATUS_DESCRIPTIONS[20]
        invoice["Type"] = 8020 if invoice.get("Type") is None else invoice["Type"]
        self.set_type(records, invoice)
        invoice["Currency"] = invoice.get("Currency") or "EUR"
        invoice["OrderDate"] = invoice.get("OrderDate") or records.state.clock.now_ms()
        invoice["OrderNumber"] = invoice.get("OrderNumber") or next_order_number(records, division)
        if records.state.division_setting(division, "assign_invoice_number") == "entry":
            invoice["InvoiceNumber"] = next_invoice_number(records, division, invoice["Journal"])
            invoice["InvoiceDate"] = records.state.clock.now_ms()
        self.check_lines(records, division, nested or [], invoice["Type"])

    def set_type(self, records, invoice: dict) -> None:
        """Exact: Type 8020 sales invoice, 8021 credit note, 8023 direct sales invoice, 8024 direct credit
        note (reference §6.6); any other value is refused (the sandbox's wording, unverified)."""
        if type(invoice["Type"]) is not int or invoice["Type"] not in TYPE_DESCRIPTIONS:
            raise ValidationFailed([records.messages()["type"].format(invoice["Type"])])
        invoice["TypeDescription"] = TYPE_DESCRIPTIONS[invoice["Type"]]

    def set_journal(self, records, division: int, invoice: dict) -> None:
        """Journal: the code of one of the division's sales journals; the default one when none is sent.

        Exact: "Every invoice should be linked to a sales journal" (picqer SyncSalesInvoice.php) and an invalid
        journal is a 500 "Invalid journal. The journal must be a ... journal." (picqer#452). Exact was seen to
        fall back silently to the default journal for a GUID (reference §9.13); the sandbox refuses
        anything that is not a sales journal code instead (the stricter choice, docs/sandbox.md).
        """
        code = invoice.get("Journal")
        if code in (None, ""):
            code = DEFAULT_SALES_JOURNAL
        journal = records.store.find(division, "Journals", "Code", str(code).strip())
        if journal is None or journal.get("Type") != SALES_JOURNAL_TYPE:
            raise ValidationFailed([records.messages()["journal"]])
        invoice["Journal"] = journal["Code"]
        invoice["JournalDescription"] = journal["Description"]

    def check_lines(self, records, division: int, nested: list, invoice_type: int) -> None:
        problems = []
        for number, line in enumerate(nested, start=1):
            try:
                clean = records.clean_payload(E.SALES_INVOICE_LINES, line, False)
                clean.pop("InvoiceID", None)
                records.validate(division, NESTED_LINE, prepare_line(records, division, clean), None)
                check_credit_sign(records, invoice_type, clean, number)
            except ValidationFailed as failure:
                problems += [message for message in failure.messages if message not in problems]
        if problems:
            raise ValidationFailed(problems)

    def after_write(self, records, division: int, invoice: dict, nested) -> None:
        for number, line in enumerate(nested or [], start=1):
            add_line(records, division, invoice["InvoiceID"], line, number)
        recalculate(records, division, invoice["InvoiceID"])

    def before_update(self, records, division: int, invoice: dict, changes: dict | None = None) -> None:
        refuse_if_processed(records, invoice)
        if changes and "Journal" in changes:
            self.set_journal(records, division, changes)
        if changes and "Type" in changes:
            self.set_type(records, changes)
            for line in lines_of(records, division, invoice["InvoiceID"]):
                check_credit_sign(records, changes["Type"], line, line["LineNumber"])

    def before_delete(self, records, division: int, invoice: dict) -> None:
        refuse_if_processed(records, invoice)

    def after_delete(self, records, division: int, invoice: dict) -> None:
        for line in lines_of(records, division, invoice["InvoiceID"]):
            records.store.delete(division, "SalesInvoiceLines", line["ID"])


# Lines nested in an invoice POST need no InvoiceID: the invoice does not exist yet (reference §6.6)
NESTED_LINE = replace(E.SALES_INVOICE_LINES, mandatory=("Item",),
                      references={name: ref for name, ref in E.SALES_INVOICE_LINES.references.items()
                                  if name != "InvoiceID"})


def add_line(records, division: int, invoice_id: str, payload: dict, number: int) -> dict:
    line = {name: None for name in E.SALES_INVOICE_LINES.fields}
    line.update(records.clean_payload(E.SALES_INVOICE_LINES, payload, False))
    line.update(ID=new_guid(), InvoiceID=invoice_id, LineNumber=number, Division=division)
    prepare_line(records, division, line)
    records.derive(division, E.SALES_INVOICE_LINES, line)
    records.store.insert(division, "SalesInvoiceLines", line["ID"], line)
    return line


class LineRules:
    """Hooks for lines written through salesinvoice/SalesInvoiceLines."""

    def before_create(self, records, division: int, line: dict, nested) -> None:
        invoice = records.store.get(division, "SalesInvoices", line.get("InvoiceID") or "")
        refuse_if_processed(records, invoice)
        prepare_line(records, division, line)
        check_credit_sign(records, (invoice or {}).get("Type"), line, "new")
        existing = lines_of(records, division, line.get("InvoiceID") or "")
        line["LineNumber"] = max((each.get("LineNumber") or 0 for each in existing), default=0) + 1

    def after_write(self, records, division: int, line: dict, nested) -> None:
        recalculate(records, division, line["InvoiceID"])
        records.notify(division, E.SALES_INVOICES, "Update", line["InvoiceID"])

    def before_update(self, records, division: int, line: dict, changes: dict | None = None) -> None:
        invoice = records.store.get(division, "SalesInvoices", line["InvoiceID"])
        refuse_if_processed(records, invoice)
        if changes and "Quantity" in changes:
            check_credit_sign(records, (invoice or {}).get("Type"), changes, line["LineNumber"])

    def before_delete(self, records, division: int, line: dict) -> None:
        self.before_update(records, division, line)

    def after_delete(self, records, division: int, line: dict) -> None:
        self.after_write(records, division, line, None)


INVOICE_RULES = {"SalesInvoices": InvoiceRules(), "SalesInvoiceLines": LineRules()}
