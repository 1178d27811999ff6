"""Business rules: validation errors, invoices, numbering, Timestamps (docs/sandbox.md §Rules, reference §5-§7)."""
from .conftest import DIVISION, error_text, first_customer, first_item


def post_invoice(api, url, customer, item, headers=None, **fields):
    body = {"OrderedBy": customer["ID"], "SalesInvoiceLines": [{"Item": item["ID"], "Quantity": 3}], **fields}
    return api.post(url("salesinvoice/SalesInvoices"), json=body,
                    headers=headers or {"Prefer": "return=representation"})


def test_duplicate_account_code_is_500_data_already_exists(api, url):
    response = api.post(url("crm/Accounts"), json={"Name": "Dubbel", "Code": "7"})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "", "message": {"lang": "", "value": "Data already exists."}}}


def test_duplicate_item_code_is_500_data_already_exists(api, url):
    code = first_item(api, url)["Code"]
    response = api.post(url("logistics/Items"), json={"Code": code, "Description": "Kopie"})
    assert response.status_code == 500 and error_text(response) == "Data already exists."


def test_dutch_setting_gives_gegeven_bestaat_reeds(sandbox, api, url):
    sandbox.set_limits(language="nl")
    assert error_text(api.post(url("crm/Accounts"), json={"Name": "Dubbel", "Code": "7"})) == "Gegeven bestaat reeds."


def test_missing_mandatory_fields_are_joined_by_crlf(api, url):
    response = api.post(url("logistics/Items"), json={})
    assert response.status_code == 500
    assert error_text(response) == "Mandatory: Code\r\nMandatory: Description"


def test_missing_account_name_in_dutch_is_verplicht(sandbox, api, url):
    sandbox.set_limits(language="nl")
    assert error_text(api.post(url("crm/Accounts"), json={"City": "Delft"})) == "Verplicht: Name"


def test_invoice_line_with_unknown_item_is_invalid_reference(api, url):
    customer = first_customer(api, url)
    response = api.post(url("salesinvoice/SalesInvoices"), json={
        "OrderedBy": customer["ID"], "SalesInvoiceLines": [{"Item": "00000000-0000-0000-0000-000000000001"}]})
    assert response.status_code == 500 and error_text(response) == "Invalid reference: Item"


def test_invoice_with_unknown_ordered_by_is_invalid_reference(api, url):
    response = post_invoice(api, url, {"ID": "00000000-0000-0000-0000-000000000002"}, first_item(api, url))
    assert error_text(response) == "Invalid reference: OrderedBy\r\nInvalid reference: InvoiceTo"


def test_item_with_unknown_item_group_or_vat_code_is_invalid_reference(api, url):
    response = api.post(url("logistics/Items"), json={"Code": "NEW1", "Description": "x", "SalesVatCode": "99",
                                                      "ItemGroup": "00000000-0000-0000-0000-000000000003"})
    assert error_text(response) == "Invalid reference: ItemGroup\r\nInvalid reference: SalesVatCode"


def test_item_description_over_60_characters_is_refused(api, url):
    response = api.post(url("logistics/Items"), json={"Code": "LONG1", "Description": "x" * 61})
    assert response.status_code == 500 and "Description" in error_text(response)


def test_invoice_number_is_assigned_at_entry_by_default(api, url):
    response = post_invoice(api, url, first_customer(api, url), first_item(api, url), headers={})
    assert response.status_code == 201 and isinstance(response.json()["d"]["InvoiceNumber"], int)


def test_invoice_numbers_follow_the_journal_sequence(api, url):
    customer, item = first_customer(api, url), first_item(api, url)
    first = post_invoice(api, url, customer, item).json()["d"]["InvoiceNumber"]
    second = post_invoice(api, url, customer, item).json()["d"]["InvoiceNumber"]
    assert second == first + 1


def test_posted_invoice_number_and_status_are_ignored(api, url):
    body = post_invoice(api, url, first_customer(api, url), first_item(api, url), InvoiceNumber=42, Status=10).json()["d"]
    assert body["InvoiceNumber"] != 42 and body["Status"] == 20


def test_printing_setting_leaves_number_null_until_printed(sandbox, api, url):
    sandbox.set_division_setting(DIVISION, assign_invoice_number="printing")
    invoice = post_invoice(api, url, first_customer(api, url), first_item(api, url)).json()["d"]
    assert invoice["InvoiceNumber"] is None
    printed = api.post(url("salesinvoice/PrintedSalesInvoices"), json={"InvoiceID": invoice["InvoiceID"]})
    after = api.get(url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')")).json()["d"]
    assert printed.status_code == 201 and after["Status"] == 50 and isinstance(after["InvoiceNumber"], int)


def test_processed_invoice_cannot_be_changed(api, url):
    invoice = post_invoice(api, url, first_customer(api, url), first_item(api, url)).json()["d"]
    api.post(url("salesinvoice/PrintedSalesInvoices"), json={"InvoiceID": invoice["InvoiceID"]})
    response = api.put(url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')"), json={"Description": "x"})
    assert response.status_code == 500


def test_line_amounts_and_header_totals_are_computed(api, url):
    customer, item = first_customer(api, url), first_item(api, url)
    body = api.post(url("salesinvoice/SalesInvoices"), headers={"Prefer": "return=representation"}, json={
        "OrderedBy": customer["ID"], "SalesInvoiceLines": [
            {"Item": item["ID"], "Quantity": 300, "UnitPrice": 25, "VATCode": "2"}]}).json()["d"]
    line = body["SalesInvoiceLines"]["results"][0]
    assert (line["AmountFC"], line["VATAmountFC"], line["VATPercentage"]) == (7500, 1575, 0.21)
    assert (body["AmountFCExclVat"], body["VATAmountFC"], body["AmountFC"]) == (7500, 1575, 9075)


def test_line_defaults_price_vat_code_and_gl_account_from_the_item(api, url):
    item = first_item(api, url)
    line = post_invoice(api, url, first_customer(api, url), item).json()["d"]["SalesInvoiceLines"]["results"][0]
    assert line["UnitPrice"] == item["StandardSalesPrice"] and line["VATCode"] == item["SalesVatCode"]
    assert line["GLAccount"] == item["GLRevenue"]


def test_invoice_to_defaults_to_ordered_by_and_journal_to_the_default_sales_journal_70(api, url):
    customer = first_customer(api, url)
    body = post_invoice(api, url, customer, first_item(api, url)).json()["d"]
    assert body["InvoiceTo"] == customer["ID"] and body["Journal"] == "70"


def test_your_ref_is_stored_and_filterable(api, url):
    post_invoice(api, url, first_customer(api, url), first_item(api, url), YourRef="PSA-2026-0042")
    rows = api.get(url("salesinvoice/SalesInvoices"), params={"$filter": "YourRef eq 'PSA-2026-0042'"}).json()["d"]["results"]
    assert len(rows) == 1


def test_expand_sales_invoice_lines_inlines_the_lines(api, url):
    invoice = post_invoice(api, url, first_customer(api, url), first_item(api, url)).json()["d"]
    body = api.get(url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')"),
                   params={"$expand": "SalesInvoiceLines"}).json()["d"]
    assert len(body["SalesInvoiceLines"]["results"]) == 1


def test_lines_can_be_added_through_sales_invoice_lines(api, url):
    item = first_item(api, url)
    invoice = post_invoice(api, url, first_customer(api, url), item).json()["d"]
    added = api.post(url("salesinvoice/SalesInvoiceLines"),
                     json={"InvoiceID": invoice["InvoiceID"], "Item": item["ID"], "Quantity": 1})
    header = api.get(url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')")).json()["d"]
    assert added.status_code == 201 and header["AmountFCExclVat"] > invoice["AmountFCExclVat"]


def test_every_write_bumps_the_division_timestamp(sandbox, api, url):
    customer = first_customer(api, url)
    before = {row["ID"]: row["Timestamp"] for row in sandbox.records(DIVISION, "Accounts")}[customer["ID"]]
    api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Zwolle"})
    after = {row["ID"]: row["Timestamp"] for row in sandbox.records(DIVISION, "Accounts")}[customer["ID"]]
    highest_item = max(row["Timestamp"] for row in sandbox.records(DIVISION, "Items"))
    assert after > before and after > highest_item


def test_invoice_line_with_unknown_vat_code_or_gl_account_is_invalid_reference(api, url):
    response = api.post(url("salesinvoice/SalesInvoices"), json={
        "OrderedBy": first_customer(api, url)["ID"], "SalesInvoiceLines": [
            {"Item": first_item(api, url)["ID"], "VATCode": "77",
             "GLAccount": "00000000-0000-0000-0000-000000000004"}]})
    assert error_text(response) == "Invalid reference: VATCode\r\nInvalid reference: GLAccount"


def test_nested_lines_that_are_not_an_array_are_a_malformed_request(api, url):
    response = api.post(url("salesinvoice/SalesInvoices"), json={
        "OrderedBy": first_customer(api, url)["ID"], "SalesInvoiceLines": {"Item": "x"}})
    assert response.status_code == 400


def test_unknown_property_on_post_is_400(api, url):
    assert api.post(url("crm/Accounts"), json={"Name": "X", "Nonsense": 1}).status_code == 400


def test_deferred_sales_invoice_lines_uri_lists_the_lines(api, url):
    invoice = post_invoice(api, url, first_customer(api, url), first_item(api, url), headers={})
    uri = api.get(url(f"salesinvoice/SalesInvoices(guid'{invoice.json()['d']['InvoiceID']}')")).json()["d"][
        "SalesInvoiceLines"]["__deferred"]["uri"]
    assert [line["Quantity"] for line in api.get(uri).json()["d"]["results"]] == [3]
