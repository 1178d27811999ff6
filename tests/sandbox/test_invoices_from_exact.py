"""Sales invoices made "by a user in Exact" (docs/sandbox.md §Sales invoices made in Exact, issue 14)."""
from .conftest import DIVISION, first_customer

SYNC, BULK, BULK_LINES = ("sync/SalesInvoice/SalesInvoices", "bulk/SalesInvoice/SalesInvoices",
                          "bulk/SalesInvoice/SalesInvoiceLines")


def make_in_exact(sandbox, customer, **extra):
    body = {"AccountCode": customer["Code"].strip(), "Description": "Made in Exact", "SalesInvoiceLines": [
        {"ItemCode": "SRV00001", "Quantity": 3, "UnitPrice": 50}, {"ItemCode": "SRV00001", "Quantity": 1}], **extra}
    return sandbox.control("POST", f"invoices/{DIVISION}", body)


def highest_timestamp(api, url):
    rows = api.get(url(SYNC), params={"$filter": "Timestamp gt 1L", "$select": "Timestamp"}).json()["d"]["results"]
    return max((row["Timestamp"] for row in rows), default=1)


def test_invoice_made_in_exact_is_processed_for_the_account(sandbox, api, url):
    customer = first_customer(api, url)
    invoice = make_in_exact(sandbox, customer)
    assert (invoice["OrderedBy"], invoice["InvoiceTo"], invoice["Status"]) == (customer["ID"], customer["ID"], 50)
    assert invoice["InvoiceNumber"] and invoice["AmountFCExclVat"] == 150.0 + invoice["SalesInvoiceLines"][1]["AmountFC"]
    assert [line["LineNumber"] for line in invoice["SalesInvoiceLines"]] == [1, 2]


def test_invoice_made_in_exact_can_stay_open(sandbox, api, url):
    assert make_in_exact(sandbox, first_customer(api, url), process=False)["Status"] == 20


def test_sync_feed_serves_header_and_lines_of_an_invoice_made_in_exact(sandbox, api, url):
    since = highest_timestamp(api, url)
    invoice = make_in_exact(sandbox, first_customer(api, url))
    rows = api.get(url(SYNC), params={"$filter": f"Timestamp gt {since}L",
                                      "$select": "ID,InvoiceID,LineNumber,InvoiceNumber,OrderedBy,AmountFC,Status,"
                                                 "Timestamp"}).json()["d"]["results"]
    assert sorted(row["LineNumber"] for row in rows) == [0, 1, 2]
    assert {row["InvoiceID"] for row in rows} == {invoice["InvoiceID"]}
    assert {row["InvoiceNumber"] for row in rows} == {invoice["InvoiceNumber"]}
    header = next(row for row in rows if row["LineNumber"] == 0)
    assert (header["ID"], header["Status"]) == (invoice["InvoiceID"], 50)


def test_bulk_endpoints_serve_an_invoice_made_in_exact_and_its_lines(sandbox, api, url):
    customer = first_customer(api, url)
    invoice = make_in_exact(sandbox, customer)
    headers = api.get(url(BULK), params={"$filter": f"OrderedBy eq guid'{customer['ID']}'",
                                         "$select": "InvoiceID,InvoiceNumber,Status"}).json()["d"]["results"]
    assert [row["InvoiceID"] for row in headers] == [invoice["InvoiceID"]]
    lines = api.get(url(BULK_LINES), params={"$filter": f"InvoiceID eq guid'{invoice['InvoiceID']}'",
                                             "$select": "ID,LineNumber,Quantity"}).json()["d"]["results"]
    assert [(line["LineNumber"], line["Quantity"]) for line in lines] == [(1, 3), (2, 1)]


def test_invoice_made_in_exact_follows_exacts_rules(sandbox, api, url):
    response = sandbox.http.post(f"{sandbox.base_url}/_sandbox/invoices/{DIVISION}", json={
        "AccountCode": "99999", "SalesInvoiceLines": [{"ItemCode": "SRV00001"}]})
    assert response.status_code == 500
