"""Receivables and payments "in Exact" (docs/sandbox.md §Receivables, issue 14)."""
import datetime as dt

import pytest

from .conftest import DIVISION, error_text, first_customer, first_item

RECEIVABLES, BULK = "cashflow/Receivables", "bulk/Cashflow/Receivables"


def post_invoice(api, url, quantity=2, unit_price=100.0, **header):
    customer, item = first_customer(api, url), first_item(api, url)
    body = {"OrderedBy": customer["ID"], "YourRef": "BO-1", "SalesInvoiceLines": [
        {"Item": item["ID"], "Quantity": quantity, "UnitPrice": unit_price, "VATCode": "2"}], **header}
    response = api.post(url("salesinvoice/SalesInvoices"), json=body, headers={"Prefer": "return=representation"})
    assert response.status_code == 201, response.text
    return response.json()["d"]


def process(api, url, invoice):
    response = api.post(url("salesinvoice/PrintedSalesInvoices"), json={"InvoiceID": invoice["InvoiceID"]})
    assert response.status_code == 201, response.text


def receivables_for(api, url, invoice_number):
    response = api.get(url(RECEIVABLES), params={"$filter": f"InvoiceNumber eq {invoice_number}"})
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]


def pay(sandbox, invoice, **payment):
    return sandbox.control("POST", f"payments/{DIVISION}", {"InvoiceID": invoice["InvoiceID"], **payment})


@pytest.fixture
def processed_invoice(api, url):
    invoice = post_invoice(api, url)
    process(api, url, invoice)
    return invoice


def test_an_open_invoice_has_no_receivable(api, url):
    invoice = post_invoice(api, url)
    assert receivables_for(api, url, invoice["InvoiceNumber"]) == []


def test_processing_an_invoice_creates_its_open_receivable(api, url, processed_invoice):
    [receivable] = receivables_for(api, url, processed_invoice["InvoiceNumber"])
    assert (receivable["Status"], receivable["IsFullyPaid"], receivable["AmountDC"]) == (20, False, 242.0)
    assert receivable["TransactionAmountDC"] == 242.0
    assert receivable["Account"] == processed_invoice["InvoiceTo"]
    assert receivable["YourRef"] == "BO-1"
    assert receivable["EntryNumber"] == processed_invoice["InvoiceNumber"]
    assert receivable["LastPaymentDate"] is None
    assert receivable["DueDate"].startswith("/Date(")
    assert receivable["TransactionEntryID"] != processed_invoice["InvoiceID"]


def test_full_payment_matches_the_receivable(sandbox, api, url, processed_invoice):
    answer = pay(sandbox, processed_invoice, Date="2026-11-20")
    assert answer["outstanding"] == 0
    [receivable] = receivables_for(api, url, processed_invoice["InvoiceNumber"])
    assert (receivable["Status"], receivable["IsFullyPaid"]) == (50, True)
    paid_on = int(dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc).timestamp() * 1000)
    assert receivable["LastPaymentDate"] == receivable["EndDate"] == f"/Date({paid_on})/"


def test_partial_payment_splits_into_a_matched_part_and_an_open_remainder(sandbox, api, url, processed_invoice):
    assert pay(sandbox, processed_invoice, Amount=42)["outstanding"] == 200.0
    rows = receivables_for(api, url, processed_invoice["InvoiceNumber"])
    assert sorted((row["Status"], row["AmountDC"], row["IsFullyPaid"]) for row in rows) == [
        (20, 200.0, False), (50, 42.0, True)]
    assert len({row["EntryID"] for row in rows}) == 2
    assert pay(sandbox, processed_invoice)["outstanding"] == 0


def test_paying_more_than_is_outstanding_is_refused(sandbox, processed_invoice):
    response = sandbox.http.post(f"{sandbox.base_url}/_sandbox/payments/{DIVISION}",
                                 json={"InvoiceID": processed_invoice["InvoiceID"], "Amount": 242.01})
    assert response.status_code == 400


def test_paying_an_unprocessed_invoice_is_refused(sandbox, api, url):
    invoice = post_invoice(api, url)
    response = sandbox.http.post(f"{sandbox.base_url}/_sandbox/payments/{DIVISION}",
                                 json={"InvoiceID": invoice["InvoiceID"]})
    assert response.status_code == 400
    assert "processed" in response.json()["error"]


def test_a_payment_can_name_the_invoice_by_number(sandbox, processed_invoice):
    answer = sandbox.control("POST", f"payments/{DIVISION}", {"InvoiceNumber": processed_invoice["InvoiceNumber"]})
    assert answer["InvoiceID"] == processed_invoice["InvoiceID"]


def test_plain_receivables_need_a_filter(api, url):
    response = api.get(url(RECEIVABLES))
    assert response.status_code == 400
    assert error_text(response).startswith("This endpoint has mandatory filtering applied.")


def test_receivables_are_read_only(api, url, processed_invoice):
    [receivable] = receivables_for(api, url, processed_invoice["InvoiceNumber"])
    assert api.post(url(RECEIVABLES), json={"Description": "x"}).status_code == 405
    assert api.put(url(f"{RECEIVABLES}(guid'{receivable['ID']}')"), json={"Description": "x"}).status_code == 405


def test_modified_filter_returns_only_receivables_changed_since(sandbox, api, url, processed_invoice):
    other = post_invoice(api, url)
    process(api, url, other)
    since = sandbox.advance(60)
    pay(sandbox, processed_invoice)
    stamp = dt.datetime.fromtimestamp(since - 1, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    rows = api.get(url(RECEIVABLES), params={"$filter": f"Modified ge datetime'{stamp}'"}).json()["d"]["results"]
    assert [row["InvoiceNumber"] for row in rows] == [processed_invoice["InvoiceNumber"]]


def test_bulk_receivables_need_select_and_serve_1000_a_page(api, url, processed_invoice):
    assert api.get(url(BULK), params={"$filter": "Status eq 20"}).status_code == 400
    response = api.get(url(BULK), params={"$filter": "Status eq 20", "$select": "ID,InvoiceNumber,AmountDC"})
    assert response.status_code == 200
    assert [row["InvoiceNumber"] for row in response.json()["d"]["results"]] == [processed_invoice["InvoiceNumber"]]


@pytest.mark.parametrize("field", ["Modified", "YourRef", "IsFullyPaid"])
def test_bulk_receivables_refuse_filters_outside_the_documented_list(api, url, field):
    value = {"Modified": "datetime'2026-01-01T00:00:00'", "YourRef": "'BO-1'", "IsFullyPaid": "true"}[field]
    response = api.get(url(BULK), params={"$filter": f"{field} eq {value}", "$select": "ID"})
    assert response.status_code == 400
    assert error_text(response) == f"Filtering on these fields is not supported: {field}."


def test_bulk_end_date_filter_finds_what_was_paid_since(sandbox, api, url, processed_invoice):
    pay(sandbox, processed_invoice, Date="2026-11-20T10:00:00")
    response = api.get(url(BULK), params={"$filter": "EndDate ge datetime'2026-11-20T00:00:00'",
                                          "$select": "InvoiceNumber,Status,IsFullyPaid,LastPaymentDate"})
    assert [(row["InvoiceNumber"], row["Status"]) for row in response.json()["d"]["results"]] == [
        (processed_invoice["InvoiceNumber"], 50)]
