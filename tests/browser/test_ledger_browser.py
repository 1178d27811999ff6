"""The ledger as an admin lives it, in a real browser (issue 14): an invoice of three lines is
pushed (processed) to Exact; it is paid in Exact (sandbox control); the back office shows it
paid after a refresh; two of its three lines are credited; the credit note reaches Exact as a
Type 8021 invoice and shows the number Exact gave it."""
import pytest

from backoffice.db import db
from backoffice.models import Invoice
from tests.conftest import TEST_PASSWORD
from tests.factories import (FAST_RETRIES, binding_of, enable_integration, make_customer,
                             make_invoice, make_product)
from tests.fixtures.browser import login_in_browser

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


def test_invoice_paid_in_exact_is_shown_paid_and_two_of_three_lines_are_credited(
        live_server, page, admin_user, connected_company, sandbox):
    enable_integration(default_company=connected_company)
    connected_company.default_invoice_status = 50   # processed: it gets a receivable
    db.session.commit()
    customer = make_customer()
    invoice = make_invoice(customer, [(make_product("Consultancy hour", "1001"), 4, "95.00", None),
                                      (make_product("Travel", "1002", "20.00"), 2, "20.00", None),
                                      (make_product("Licence", "1003", "300.00"), 1, "300.00",
                                       None)])
    binding = binding_of(connected_company, invoice)
    assert binding.sync_state == "synced", binding.last_error
    number = db.session.get(Invoice, invoice.id).number

    sandbox.control("POST", f"payments/{connected_company.division}",
                    {"InvoiceID": binding.exact_id, "Date": "2026-11-27"})

    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/invoice/")
    page.click("text=Payment status from Exact Online")
    page.click("#refresh-payments")
    page.wait_for_load_state()
    row = page.locator("table.model-list tbody tr", has_text=number)
    assert row.locator(".exact-payment-status").inner_text() == "Paid on 2026-11-27"

    row.locator("a[title=Credit]").click()
    page.wait_for_load_state()
    lines = page.locator("#credit-form tbody tr")
    assert lines.count() == 3
    lines.nth(1).locator("input").fill("0")    # keep the travel costs; credit the rest
    page.click("#create-credit-note")
    page.wait_for_load_state()
    assert "was created" in page.content()

    db.session.expire_all()
    [note] = db.session.get(Invoice, invoice.id).credit_notes
    note_binding = binding_of(connected_company, note)
    assert note_binding.sync_state == "synced", note_binding.last_error
    [exact_note] = [row for row in sandbox.records(connected_company.division, "SalesInvoices")
                    if row["Type"] == 8021]
    assert str(exact_note["InvoiceNumber"]) == note.number
    assert exact_note["AmountFCExclVat"] == -(4 * 95 + 300)
    page.goto(f"{live_server.url}/admin/invoice/details/?id={invoice.id}")
    assert page.locator("a.credit-note").inner_text().startswith(note.number)
    page.goto(f"{sandbox.base_url}/_sandbox/browse/{connected_company.division}/SalesInvoices")
    assert note.number in page.content()
