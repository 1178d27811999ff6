"""Syncing in a real browser: a customer with an Exact company and accounting ID, a product
with a generated ID, an invoice for them; the badges turn to synced, the sandbox's data view
shows all three, and the invoice shows the number Exact assigned."""
import pytest
from playwright.sync_api import expect

from backoffice.db import db
from backoffice.models import Customer, Invoice, Product
from tests.conftest import TEST_PASSWORD
from tests.factories import FAST_RETRIES, enable_integration
from tests.fixtures.browser import login_in_browser, pick_in_select2

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


def save_and_stay(page):
    page.click("input[type=submit][name='_continue_editing']")
    page.wait_for_load_state()


def badge(page):
    return page.locator("#exact-sync-panel .exact-sync-badge").first.inner_text()


def test_customer_product_and_invoice_made_in_the_browser_reach_exact_with_the_same_number(
        live_server, page, admin_user, connected_company, sandbox):
    enable_integration(default_company=connected_company)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.goto(f"{live_server.url}/admin/customer/new/")
    page.fill("#name", "Bakery Jansen")
    page.fill("#accounting_id", "4711")
    assert page.locator("#exact_company option:checked").inner_text() == str(connected_company)
    page.click("#sites-button")
    page.fill("#sites-0-name", "Main")
    page.check("#sites-0-is_main")
    page.fill("#sites-0-address_line1", "Dorpsstraat 1")
    page.fill("#sites-0-city", "Utrecht")
    page.fill("#sites-0-country", "NL")
    save_and_stay(page)
    assert badge(page) == "Synced"

    page.goto(f"{live_server.url}/admin/product/new/")
    page.fill("#name", "Consultancy hour")
    page.fill("#price", "95")
    page.click("#exact-generate-product-id")
    # (no wait_for_function: its string is evaluated, which the CSP forbids without unsafe-eval)
    expect(page.locator("#accounting_id")).not_to_have_value("")
    generated = page.input_value("#accounting_id")
    save_and_stay(page)
    assert badge(page) == "Synced"

    page.goto(f"{live_server.url}/admin/invoice/new/")
    pick_in_select2(page, "customer", "Bakery", "Bakery Jansen")
    page.click("#lines-button")
    pick_in_select2(page, "lines-0-product", "Consult", "Consultancy hour")
    page.fill("#lines-0-description", "Consultancy March")
    page.fill("#lines-0-quantity", "3")
    page.fill("#lines-0-unit_price", "95")
    save_and_stay(page)
    assert badge(page) == "Synced"
    exact_number = page.locator("#exact-sync-panel .exact-number").inner_text()
    assert page.input_value("#number") == exact_number

    division = connected_company.division
    page.goto(f"{sandbox.base_url}/_sandbox/browse/{division}/Accounts")
    assert "Bakery Jansen" in page.content()
    page.goto(f"{sandbox.base_url}/_sandbox/browse/{division}/Items")
    assert "Consultancy hour" in page.content()
    page.goto(f"{sandbox.base_url}/_sandbox/browse/{division}/SalesInvoices")
    assert exact_number in page.content() and "Bakery Jansen" in page.content()

    db.session.expire_all()
    assert db.session.execute(db.select(Product)).scalar_one().accounting_id == generated
    assert db.session.execute(db.select(Invoice)).scalar_one().number == exact_number
    assert db.session.execute(db.select(Customer)).scalar_one().accounting_id == "4711"
