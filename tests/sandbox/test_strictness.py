"""Where Exact refuses, the sandbox refuses (issue 10; docs/sandbox.md §Strictness rules)."""
import pytest

from .conftest import DIVISION, error_text, first_customer, first_item

UNKNOWN_GUID = "00000000-0000-0000-0000-0000000000aa"


def exact_error_shape(response) -> bool:
    body = response.json()
    return set(body) == {"error"} and body["error"]["code"] == "" and isinstance(body["error"]["message"]["value"], str)


# -- field sets per endpoint ---------------------------------------------------------------------------

def test_standard_sales_price_is_not_a_property_of_sync_items(api, url):
    response = api.get(url("sync/Logistics/Items"), params={"$select": "ID,StandardSalesPrice,Timestamp",
                                                             "$filter": "Timestamp gt 1L"})
    assert response.status_code == 400 and exact_error_shape(response)
    assert "StandardSalesPrice" in error_text(response)


@pytest.mark.parametrize("path", ["logistics/Items", "bulk/Logistics/Items"])
def test_standard_sales_price_is_read_on_plain_and_bulk_items(api, url, path):
    response = api.get(url(path), params={"$select": "ID,StandardSalesPrice", "$filter": "IsSalesItem eq true"})
    assert response.status_code == 200 and response.json()["d"]["results"][0]["StandardSalesPrice"] > 0


@pytest.mark.parametrize("path", ["crm/Accounts", "bulk/CRM/Accounts", "logistics/Items", "bulk/Logistics/Items",
                                  "financial/GLAccounts", "bulk/Financial/GLAccounts"])
def test_timestamp_is_refused_outside_sync_endpoints(api, url, path):
    response = api.get(url(path), params={"$select": "ID,Timestamp", "$filter": "ID ne null"})
    assert response.status_code == 400 and exact_error_shape(response)


@pytest.mark.parametrize("path", ["sync/CRM/Accounts", "sync/Logistics/Items", "sync/Financial/GLAccounts",
                                  "sync/SalesInvoice/SalesInvoices"])
def test_timestamp_is_served_on_sync_endpoints(api, url, path):
    response = api.get(url(path), params={"$select": "ID,Timestamp", "$filter": "Timestamp gt 1L"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["crm/Accounts", "bulk/CRM/Accounts", "sync/CRM/Accounts", "logistics/Items",
                                  "bulk/Logistics/Items", "sync/Logistics/Items", "vat/VATCodes",
                                  "salesinvoice/SalesInvoices", "sync/SalesInvoice/SalesInvoices"])
def test_an_unknown_select_field_is_400_in_exacts_error_shape(api, url, path):
    params = {"$select": "Division,NoSuchField"}
    if not path.startswith("vat/"):
        params["$filter"] = "Timestamp gt 1L" if path.startswith("sync/") else "Description ne null" \
            if "Items" in path else "Modified ne null"
    response = api.get(url(path), params=params)
    assert response.status_code == 400 and exact_error_shape(response) and "NoSuchField" in error_text(response)


@pytest.mark.parametrize("path", ["sync/CRM/Accounts", "sync/Logistics/Items", "sync/Financial/GLAccounts",
                                  "sync/SalesInvoice/SalesInvoices"])
def test_select_star_is_refused_on_sync_endpoints(api, url, path):
    response = api.get(url(path), params={"$select": "*", "$filter": "Timestamp gt 1L"})
    assert response.status_code == 400 and exact_error_shape(response)


def test_select_star_is_refused_on_bulk_endpoints(api, url):
    response = api.get(url("bulk/CRM/Accounts"), params={"$select": "*", "$filter": "Blocked eq false"})
    assert response.status_code == 400 and exact_error_shape(response)


def test_select_star_is_allowed_on_plain_endpoints(api, url):
    assert api.get(url("vat/VATCodes"), params={"$select": "*"}).status_code == 200


def test_sync_accounts_have_their_own_documented_fields(api, url):
    refused = api.get(url("sync/CRM/Accounts"), params={"$select": "ID,IsPurchase", "$filter": "Timestamp gt 1L"})
    served = api.get(url("sync/CRM/Accounts"), params={"$select": "ID,Classification1,State,Timestamp",
                                                        "$filter": "Timestamp gt 1L"})
    assert refused.status_code == 400
    assert served.status_code == 200 and served.json()["d"]["results"][0]["Classification1"] is None


def test_sync_sales_invoices_have_no_sales_invoice_lines_navigation(api, url):
    response = api.get(url("sync/SalesInvoice/SalesInvoices"), params={"$select": "ID,SalesInvoiceLines",
                                                                        "$filter": "Timestamp gt 1L"})
    assert response.status_code == 400


def test_sync_items_rows_carry_no_standard_sales_price(api, url):
    row = api.get(url("sync/Logistics/Items"), params={"$top": "1", "$filter": "Timestamp gt 1L"}).json()["d"][
        "results"][0]
    assert "StandardSalesPrice" not in row and isinstance(row["Timestamp"], int)


# -- current/Me types -----------------------------------------------------------------------------------

def test_me_legislation_and_divisions_are_integers(api, sandbox):
    me = api.get(sandbox.url("current/Me"), params={"$select": "CurrentDivision,Legislation,ServerUtcOffset"}
                 ).json()["d"]["results"][0]
    assert type(me["CurrentDivision"]) is int and type(me["Legislation"]) is int
    assert isinstance(me["ServerUtcOffset"], float)


def test_me_with_an_unknown_select_field_is_400(api, sandbox):
    response = api.get(sandbox.url("current/Me"), params={"$select": "CurrentDivision,Nonsense"})
    assert response.status_code == 400 and exact_error_shape(response)


# -- Code in a PUT --------------------------------------------------------------------------------------

def test_put_with_the_unchanged_account_code_is_500_data_already_exists(api, url):
    customer = first_customer(api, url)
    response = api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"Code": customer["Code"], "City": "Ede"})
    assert response.status_code == 500 and error_text(response) == "Data already exists."
    assert api.get(url(f"crm/Accounts(guid'{customer['ID']}')")).json()["d"]["City"] != "Ede"


def test_put_with_an_unpadded_account_code_in_dutch_is_gegeven_bestaat_reeds(sandbox, api, url):
    sandbox.set_limits(language="nl")
    customer = first_customer(api, url)
    response = api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"Code": customer["Code"].strip()})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "", "message": {"lang": "", "value": "Gegeven bestaat reeds."}}}


def test_put_with_an_item_code_is_refused_too(api, url):
    item = first_item(api, url)
    response = api.put(url(f"logistics/Items(guid'{item['ID']}')"), json={"Code": item["Code"]})
    assert response.status_code == 500 and error_text(response) == "Data already exists."


def test_put_without_code_is_accepted(api, url):
    customer = first_customer(api, url)
    assert api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Ede"}).status_code == 204


# -- Account State --------------------------------------------------------------------------------------

def post_account(api, url, **fields):
    return api.post(url("crm/Accounts"), json={"Name": "Staat Test", **fields})


@pytest.mark.parametrize("country, state", [("US", "CA"), ("NL", "NH"), ("DE", "BY"), ("GB", "SCT"), ("BE", "VAN"),
                                            ("NL", None), ("FR", "")])
def test_a_valid_state_code_or_no_state_is_accepted(api, url, country, state):
    assert post_account(api, url, Country=country, State=state).status_code == 201


@pytest.mark.parametrize("country, state", [("US", "California"), ("NL", "Noord-Holland"), ("NL", "nh"),
                                            ("US", "NH "), ("FR", "IDF"), (None, "CA")])
def test_a_state_that_is_not_a_code_of_the_country_is_invalid_reference(api, url, country, state):
    response = post_account(api, url, Country=country, State=state)
    assert response.status_code == 500 and error_text(response) == "Invalid reference: State"


def test_changing_the_country_leaves_a_state_that_must_be_valid_for_the_new_country(api, url):
    key = post_account(api, url, Country="US", State="CA").json()["d"]["ID"]
    response = api.put(url(f"crm/Accounts(guid'{key}')"), json={"Country": "NL"})
    assert response.status_code == 500 and error_text(response) == "Invalid reference: State"
    assert api.put(url(f"crm/Accounts(guid'{key}')"), json={"Country": "NL", "State": None}).status_code == 204


# -- Journal on a sales invoice ------------------------------------------------------------------------

def post_invoice(api, url, **fields):
    body = {"OrderedBy": first_customer(api, url)["ID"],
            "SalesInvoiceLines": [{"Item": first_item(api, url)["ID"]}], **fields}
    return api.post(url("salesinvoice/SalesInvoices"), json=body, headers={"Prefer": "return=representation"})


def test_the_division_has_two_sales_journals_and_purchase_and_general_ones(api, url):
    types = [row["Type"] for row in api.get(url("financial/Journals")).json()["d"]["results"]]
    assert types.count(20) >= 2 and 22 in types and 90 in types


def test_an_invoice_can_name_another_sales_journal(api, url):
    response = post_invoice(api, url, Journal="72")
    assert response.status_code == 201 and response.json()["d"]["Journal"] == "72"
    assert str(response.json()["d"]["InvoiceNumber"])[2:4] == "72"


def test_an_invoice_without_journal_gets_the_default_sales_journal(api, url):
    assert post_invoice(api, url).json()["d"]["Journal"] == "70"


@pytest.mark.parametrize("journal", ["60", "90", "71", "99", UNKNOWN_GUID])
def test_an_invoice_naming_anything_but_a_sales_journal_code_is_refused(api, url, journal):
    response = post_invoice(api, url, Journal=journal)
    assert response.status_code == 500
    assert error_text(response) == "Invalid journal. The journal must be a sales journal."


def test_a_put_moving_an_invoice_to_a_purchase_journal_is_refused(api, url):
    invoice = post_invoice(api, url).json()["d"]
    response = api.put(url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')"), json={"Journal": "60"})
    assert response.status_code == 500


# -- mandatory filtering --------------------------------------------------------------------------------

FILTERED = ["crm/Accounts", "bulk/CRM/Accounts", "logistics/Items", "bulk/Logistics/Items", "financial/GLAccounts",
            "bulk/Financial/GLAccounts", "salesinvoice/SalesInvoices", "bulk/SalesInvoice/SalesInvoices",
            "salesinvoice/SalesInvoiceLines", "bulk/SalesInvoice/SalesInvoiceLines"]


@pytest.mark.parametrize("path", FILTERED)
def test_a_list_without_filter_on_an_endpoint_with_a_sync_counterpart_is_refused(api, url, path):
    response = api.get(url(path), params={"$select": "Division"})
    assert response.status_code == 400 and exact_error_shape(response)
    assert error_text(response).startswith("This endpoint has mandatory filtering applied. A GET request for this "
                                           "endpoint must have a $filter parameter with one of the following "
                                           "fields in the url:")


@pytest.mark.parametrize("path", FILTERED)
def test_a_list_with_a_filter_is_served(api, url, path):
    assert api.get(url(path), params={"$select": "Division", "$filter": "Division eq 100001"}).status_code == 200


def test_count_without_filter_is_refused_on_a_filtered_endpoint(sandbox, tokens, url):
    response = sandbox.api(tokens["access_token"]).get(url("crm/Accounts/$count"), headers={"Accept": "*/*"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["vat/VATCodes", "financial/Journals", "logistics/ItemGroups", "logistics/Units"])
def test_endpoints_without_a_sync_counterpart_need_no_filter(api, url, path):
    assert api.get(url(path)).status_code == 200


def test_a_key_get_needs_no_filter(api, url):
    customer = first_customer(api, url)
    assert api.get(url(f"crm/Accounts(guid'{customer['ID']}')")).status_code == 200


# -- read-only fields of SalesInvoices ------------------------------------------------------------------

READ_ONLY_INVOICE_FIELDS = {"InvoiceNumber": 99999999, "InvoiceDate": "2001-02-03T00:00:00Z", "Status": 50,
                            "AmountFC": 1.0, "AmountFCExclVat": 1.0, "VATAmountFC": 1.0, "AmountDC": 1.0}


def test_read_only_invoice_fields_on_post_are_ignored(api, url):
    response = post_invoice(api, url, **READ_ONLY_INVOICE_FIELDS)
    body = response.json()["d"]
    assert response.status_code == 201 and body["Status"] == 20 and body["InvoiceNumber"] != 99999999
    assert body["InvoiceDate"] != "/Date(981158400000)/" and body["AmountFCExclVat"] > 1.0


def test_read_only_invoice_fields_on_put_are_ignored(api, url):
    invoice = post_invoice(api, url).json()["d"]
    uri = url(f"salesinvoice/SalesInvoices(guid'{invoice['InvoiceID']}')")
    response = api.put(uri, json={**READ_ONLY_INVOICE_FIELDS, "Description": "Aangepast"})
    after = api.get(uri).json()["d"]
    assert (response.status_code, response.content) == (204, b"")
    assert after["Description"] == "Aangepast"
    assert {name: after[name] for name in READ_ONLY_INVOICE_FIELDS} == \
        {name: invoice[name] for name in READ_ONLY_INVOICE_FIELDS}


def test_division_legislation_is_an_integer_too(api, url):
    row = api.get(url(f"system/Divisions({DIVISION})")).json()["d"]
    assert type(row["Legislation"]) is int


# -- query options the sandbox does not serve are refused, not ignored ----------------------------------

def test_skip_is_refused(api, url):
    response = api.get(url("vat/VATCodes"), params={"$skip": "2"})
    assert response.status_code == 400 and exact_error_shape(response)


def test_comparing_two_properties_in_a_filter_is_refused(api, url):
    response = api.get(url("crm/Accounts"), params={"$filter": "Name eq City"})
    assert response.status_code == 400 and exact_error_shape(response)


def test_expanding_anything_but_sales_invoice_lines_is_refused(api, url):
    response = api.get(url("crm/Accounts"), params={"$filter": "Blocked eq false", "$expand": "BankAccounts"})
    assert response.status_code == 400


def test_documented_properties_not_modelled_are_served_as_null_on_plain_endpoints(api, url):
    rows = api.get(url("crm/Accounts"), params={"$select": "ID,Classification1,StateName",
                                                "$filter": "Blocked eq false"}).json()["d"]["results"]
    assert rows[0]["Classification1"] is None and rows[0]["StateName"] is None
