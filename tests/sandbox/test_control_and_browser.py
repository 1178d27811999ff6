"""Test control endpoints, the browser view and the command line (docs/sandbox.md §Control, §Running)."""
import requests

from .conftest import DIVISION, first_customer, first_item


def test_reset_restores_seeded_data(sandbox):
    sandbox.create_record(DIVISION, "Accounts", {"Name": "Tijdelijk"})
    sandbox.reset()
    assert len(sandbox.records(DIVISION, "Accounts")) == 30


def test_seeded_data_is_deterministic_and_realistic(sandbox):
    first = sandbox.records(DIVISION, "Accounts")
    sandbox.reset()
    again = sandbox.records(DIVISION, "Accounts")
    assert [row["Name"] for row in first] == [row["Name"] for row in again]
    assert any(row["IsSupplier"] for row in first) and any(row["Status"] == "C" for row in first)
    assert {row["Country"].strip() for row in first} <= {"NL", "BE", "GB"}


def test_control_update_bumps_timestamp_like_a_user_change(sandbox):
    row = sandbox.records(DIVISION, "Accounts")[0]
    sandbox.update_record(DIVISION, "Accounts", row["ID"], {"Name": "Gewijzigd in Exact"})
    changed = next(r for r in sandbox.records(DIVISION, "Accounts") if r["ID"] == row["ID"])
    assert changed["Name"] == "Gewijzigd in Exact" and changed["Timestamp"] > row["Timestamp"]


def test_clock_can_be_advanced(sandbox):
    before = sandbox.now()
    assert sandbox.advance(3600) - before >= 3600


def test_browser_lists_divisions_and_invoices_with_number_ref_customer_and_totals(sandbox, api, url):
    customer, item = first_customer(api, url), first_item(api, url)
    api.post(url("salesinvoice/SalesInvoices"), json={"OrderedBy": customer["ID"], "YourRef": "BROWSE-1",
                                                      "SalesInvoiceLines": [{"Item": item["ID"]}]})
    home = requests.get(f"{sandbox.base_url}/_sandbox/")
    page = requests.get(f"{sandbox.base_url}/_sandbox/browse/{DIVISION}/SalesInvoices")
    assert "100001" in home.text and "BROWSE-1" in page.text and customer["Name"] in page.text
    assert 'class="AmountFC"' in page.text and 'class="InvoiceNumber"' in page.text


def test_browser_search_finds_accounts_by_name(sandbox):
    name = sandbox.records(DIVISION, "Accounts")[0]["Name"]
    page = requests.get(f"{sandbox.base_url}/_sandbox/browse/{DIVISION}/Accounts", params={"q": name})
    assert name in page.text and "records" in page.text


def test_command_line_sandbox_runs_as_a_subprocess_and_prints_credentials(sandbox_process):
    process = sandbox_process("--accounts", "5", "--items", "3", "--redirect-uri", "http://127.0.0.1:9/cb")
    handle = process.sandbox
    tokens = handle.get_token()
    api = handle.api(tokens["access_token"])
    assert handle.redirect_uri == "http://127.0.0.1:9/cb"
    assert f"client ID      {handle.client_id}" in process.output and handle.base_url in process.output
    assert api.get(handle.url("100001/crm/Accounts"), params={"$filter": "Blocked eq false"}).status_code == 200
    process.stop()
    assert process.process.returncode is not None
