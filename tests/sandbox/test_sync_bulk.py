"""Bulk and sync endpoints (docs/sandbox.md §Bulk and sync, reference §6.7, §6.8)."""
import pytest

from .conftest import DIVISION, first_customer, first_item


def test_bulk_without_select_is_refused(api, url):
    response = api.get(url("bulk/CRM/Accounts"))
    assert response.status_code == 400
    assert response.json()["error"]["message"]["value"] == "Please add a $select or a $top=1 statement to the query string."


def test_bulk_pages_at_1000_rows_with_guid_skiptoken(sandbox, url):
    sandbox.reset(accounts=1500)
    api = sandbox.api(sandbox.get_token()["access_token"])
    first = api.get(url("bulk/CRM/Accounts"), params={"$select": "ID,Code", "$filter": "Blocked eq false"}).json()["d"]
    second = api.get(first["__next"]).json()["d"]
    assert len(first["results"]) == 1000 and len(second["results"]) == 500 and "__next" not in second
    assert f"$skiptoken=guid'{first['results'][-1]['ID']}'" in first["__next"]


def test_sync_only_allows_timestamp_in_filter(api, url):
    response = api.get(url("sync/CRM/Accounts"), params={"$select": "ID", "$filter": "Name eq 'x'"})
    assert response.status_code == 400


def test_sync_returns_rows_after_a_timestamp_ordered_by_timestamp(sandbox, api, url):
    rows = api.get(url("sync/CRM/Accounts"), params={"$select": "ID,Timestamp",
                                                     "$filter": "Timestamp gt 1L"}).json()["d"]["results"]
    stamps = [row["Timestamp"] for row in rows]
    assert stamps == sorted(stamps) and len(rows) == 30
    customer = first_customer(api, url)
    api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Breda"})
    changed = api.get(url("sync/CRM/Accounts"), params={"$select": "ID,City,Timestamp",
                                                        "$filter": f"Timestamp gt {stamps[-1]}L"}).json()["d"]["results"]
    assert [(row["ID"], row["City"]) for row in changed] == [(customer["ID"], "Breda")]


def test_sync_skiptoken_is_the_last_timestamp(sandbox, url):
    sandbox.reset(accounts=1200)
    api = sandbox.api(sandbox.get_token()["access_token"])
    first = api.get(url("sync/CRM/Accounts"), params={"$select": "ID,Timestamp", "$filter": "Timestamp gt 1L"}).json()["d"]
    assert f"$skiptoken={first['results'][-1]['Timestamp']}L" in first["__next"]
    assert len(api.get(first["__next"]).json()["d"]["results"]) == 200


def test_sync_sales_invoices_has_header_line_zero_and_lines_in_one_feed(api, url):
    item = first_item(api, url)
    api.post(url("salesinvoice/SalesInvoices"), json={"OrderedBy": first_customer(api, url)["ID"], "SalesInvoiceLines": [
        {"Item": item["ID"]}, {"Item": item["ID"], "Quantity": 2}]})
    rows = api.get(url("sync/SalesInvoice/SalesInvoices"),
                   params={"$select": "ID,InvoiceID,LineNumber,Timestamp"}).json()["d"]["results"]
    assert sorted(row["LineNumber"] for row in rows) == [0, 1, 2]
    assert len({row["InvoiceID"] for row in rows}) == 1


def test_deletes_are_listed_in_sync_deleted_with_entity_type(api, url):
    customer = first_customer(api, url)
    api.delete(url(f"crm/Accounts(guid'{customer['ID']}')"))
    rows = api.get(url("sync/Deleted"), params={"$select": "EntityKey,EntityType,Timestamp",
                                                "$filter": "Timestamp gt 1L and EntityType eq 2"}).json()["d"]["results"]
    assert [(row["EntityKey"], row["EntityType"]) for row in rows] == [(customer["ID"], 2)]


def test_changes_made_in_exact_by_a_user_show_up_in_sync(sandbox, api, url):
    created = sandbox.create_record(DIVISION, "Items", {"Code": "USR1", "Description": "Made in Exact",
                                                        "StandardSalesPrice": 12.5})
    rows = api.get(url("sync/Logistics/Items"), params={"$select": "ID,Code,Timestamp",
                                                        "$filter": "Timestamp gt 1L"}).json()["d"]["results"]
    assert rows[-1]["ID"] == created["ID"] and created["StandardSalesPrice"] == 12.5


BULK_AND_SYNC = ["bulk/CRM/Accounts", "bulk/Logistics/Items", "bulk/Financial/GLAccounts",
                 "bulk/SalesInvoice/SalesInvoices", "sync/CRM/Accounts", "sync/Logistics/Items",
                 "sync/Financial/GLAccounts", "sync/SalesInvoice/SalesInvoices", "sync/Deleted"]


@pytest.mark.parametrize("path", BULK_AND_SYNC)
def test_bulk_and_sync_endpoints_answer_with_select(api, url, path):
    field = {"sync/Deleted": "EntityKey", "bulk/SalesInvoice/SalesInvoices": "InvoiceID"}.get(path, "ID")
    params = {"$select": field}
    if path.startswith("bulk/"):  # mandatory filtering (reference §3.4)
        params["$filter"] = f"{field} ne null"
    response = api.get(url(path), params=params)
    assert response.status_code == 200 and "results" in response.json()["d"]


@pytest.mark.parametrize("path", ["bulk/Logistics/Items", "sync/Financial/GLAccounts"])
def test_bulk_and_sync_accept_top_1_instead_of_select(api, url, path):
    params = {"$top": "1", "$filter": "Timestamp gt 1L" if path.startswith("sync/") else "ID ne null"}
    assert len(api.get(url(path), params=params).json()["d"]["results"]) == 1
