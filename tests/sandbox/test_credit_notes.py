"""Credit notes: SalesInvoices of Type 8021 (docs/sandbox.md §Credit notes, issue 14)."""
import pytest

from .conftest import DIVISION, error_text, first_customer, first_item
from .test_receivables import pay, post_invoice, process, receivables_for

INVOICES = "salesinvoice/SalesInvoices"


def test_credit_note_with_negative_quantities_is_accepted_with_negative_amounts(api, url):
    credit = post_invoice(api, url, quantity=-2, Type=8021)
    assert (credit["Type"], credit["TypeDescription"]) == (8021, "Credit note")
    assert (credit["AmountFCExclVat"], credit["VATAmountFC"], credit["AmountFC"]) == (-200.0, -42.0, -242.0)
    assert credit["SalesInvoiceLines"]["results"][0]["AmountFC"] == -200.0


def test_credit_note_is_numbered_from_the_journal_like_invoices(api, url):
    invoice = post_invoice(api, url)
    credit = post_invoice(api, url, quantity=-1, Type=8021)
    assert credit["Journal"] == invoice["Journal"] == "70"
    assert credit["InvoiceNumber"] == invoice["InvoiceNumber"] + 1


def test_credit_note_with_a_positive_quantity_is_refused(api, url):
    customer, item = first_customer(api, url), first_item(api, url)
    response = api.post(url(INVOICES), json={"OrderedBy": customer["ID"], "Type": 8021, "SalesInvoiceLines": [
        {"Item": item["ID"], "Quantity": -1}, {"Item": item["ID"], "Quantity": 1}]})
    assert response.status_code == 500
    assert error_text(response) == "A credit note line must have a negative quantity (line 2)."


def test_positive_line_added_to_a_credit_note_is_refused(api, url):
    credit = post_invoice(api, url, quantity=-1, Type=8021)
    response = api.post(url("salesinvoice/SalesInvoiceLines"), json={
        "InvoiceID": credit["InvoiceID"], "Item": first_item(api, url)["ID"], "Quantity": 3})
    assert response.status_code == 500


@pytest.mark.parametrize("invoice_type", [8022, 20, "8021", 0])
def test_an_invalid_type_is_refused(api, url, invoice_type):
    customer = first_customer(api, url)
    response = api.post(url(INVOICES), json={"OrderedBy": customer["ID"], "Type": invoice_type})
    assert response.status_code == 500
    assert error_text(response).startswith("Invalid value for Type:")


@pytest.mark.parametrize("invoice_type", [8020, 8023])
def test_invoice_types_accept_positive_lines(api, url, invoice_type):
    assert post_invoice(api, url, Type=invoice_type)["Type"] == invoice_type


def test_changing_an_invoice_with_positive_lines_into_a_credit_note_is_refused(api, url):
    invoice = post_invoice(api, url)
    response = api.put(url(f"{INVOICES}(guid'{invoice['InvoiceID']}')"), json={"Type": 8021})
    assert response.status_code == 500


def test_posting_a_credit_note_with_the_invoice_id_of_a_processed_invoice_is_refused(api, url):
    invoice = post_invoice(api, url)
    process(api, url, invoice)
    customer = first_customer(api, url)
    response = api.post(url(INVOICES), json={"InvoiceID": invoice["InvoiceID"], "OrderedBy": customer["ID"],
                                             "Type": 8021})
    assert response.status_code == 500
    assert error_text(response) == "Processed invoices can't be changed."


def test_processed_credit_note_has_a_negative_receivable_that_a_refund_settles(sandbox, api, url):
    credit = post_invoice(api, url, quantity=-1, Type=8021)
    process(api, url, credit)
    [receivable] = receivables_for(api, url, credit["InvoiceNumber"])
    assert (receivable["AmountDC"], receivable["Status"], receivable["TransactionType"]) == (-121.0, 20, 21)
    assert pay(sandbox, credit, Amount=-121)["outstanding"] == 0
