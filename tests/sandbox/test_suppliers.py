"""Supplier accounts (docs/sandbox.md §Suppliers, issue 14)."""
import pytest

from .conftest import error_text, first_customer

ACCOUNTS = "crm/Accounts"


def suppliers(api, url, path=ACCOUNTS, **params):
    response = api.get(url(path), params={"$filter": "IsSupplier eq true", **params})
    assert response.status_code == 200, response.text
    return response.json()["d"]["results"]


def test_seeded_suppliers_are_served_and_filterable(api, url):
    rows = suppliers(api, url)
    assert rows and all(row["IsSupplier"] and row["IsPurchase"] for row in rows)
    assert all(row["Status"] != "C" for row in rows)


def test_bulk_accounts_filter_on_is_supplier(api, url):
    rows = suppliers(api, url, "bulk/CRM/Accounts", **{"$select": "ID,Code,IsSupplier"})
    assert [row["ID"] for row in rows] == [row["ID"] for row in suppliers(api, url)]


def test_a_posted_supplier_is_a_purchase_account(api, url):
    response = api.post(url(ACCOUNTS), json={"Name": "Leverancier B.V.", "IsSupplier": True},
                        headers={"Prefer": "return=representation"})
    created = response.json()["d"]
    assert (created["IsSupplier"], created["IsPurchase"], created["IsSales"]) == (True, True, False)
    assert created["ID"] in [row["ID"] for row in suppliers(api, url)]


@pytest.mark.parametrize("language, message", [("en", "Data already exists."), ("nl", "Gegeven bestaat reeds.")])
def test_a_supplier_cannot_take_a_customers_code(sandbox, api, url, language, message):
    sandbox.set_limits(language=language)
    customer = first_customer(api, url)
    response = api.post(url(ACCOUNTS), json={"Name": "Leverancier", "IsSupplier": True,
                                             "Code": customer["Code"].strip()})
    assert (response.status_code, error_text(response)) == (500, message)
