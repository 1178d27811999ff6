"""The back office in a real browser (Debian Chromium through Playwright) against a live server:
log in, create a customer with a site, create an invoice with two lines, see the totals."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backoffice.db import db
from backoffice.models import Customer, Invoice, InvoiceLine
from tests import factories as f
from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser, pick_in_select2

pytestmark = [pytest.mark.browser,
              # One backend is enough to drive the screens; the forms are tested on both.
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def app_config(app_config):
    # The host's screens alone: the plugin's pages have their own browser tests.
    return {**app_config, "PLUGINS": []}


def save_form(page):
    page.click("input[type=submit][value='Save']")
    page.wait_for_load_state()


def test_admin_creates_a_customer_with_a_site_then_an_invoice_and_sees_its_totals(
        live_server, page, admin_user):
    f.tax_rate("VAT high", "21")
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.goto(f"{live_server.url}/admin/customer/new/")
    page.fill("#name", "Acme BV")
    page.fill("#accounting_id", "1001")
    page.click("#sites-button")
    page.fill("#sites-0-name", "Head office")
    page.fill("#sites-0-city", "Utrecht")
    page.fill("#sites-0-country", "NL")
    save_form(page)
    assert "Record was successfully created." in page.inner_text(".alert-success")

    page.goto(f"{live_server.url}/admin/invoice/new/")
    pick_in_select2(page, "customer", "Acme", "Acme BV")
    page.click("#lines-button")
    page.fill("#lines-0-description", "Support")
    page.fill("#lines-0-quantity", "2")
    page.fill("#lines-0-unit_price", "100")
    pick_in_select2(page, "lines-0-tax_rate", None, "VAT high")
    page.click("#lines-button")
    page.fill("#lines-1-description", "Travel")
    page.fill("#lines-1-quantity", "1")
    page.fill("#lines-1-unit_price", "25.50")
    save_form(page)

    row = page.locator("table.model-list tbody tr").filter(has_text="Acme BV")
    assert "225.50" in row.inner_text()   # excl. tax
    assert "42.00" in row.inner_text()    # 21 % of 200
    assert "267.50" in row.inner_text()   # incl. tax
    customer = db.session.execute(db.select(Customer)).scalar_one()
    assert customer.main_site.name == "Head office"
    invoice = db.session.execute(db.select(Invoice)).scalar_one()
    assert len(invoice.lines) == 2


def test_invoice_line_left_without_a_price_shows_and_saves_the_products_price(
        live_server, page, admin_user):
    f.customer(name="Acme BV")
    f.product(name="Support hour", price="80")
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.goto(f"{live_server.url}/admin/invoice/new/")
    pick_in_select2(page, "customer", "Acme", "Acme BV")
    page.click("#lines-button")
    pick_in_select2(page, "lines-0-product", "Support", "Support hour")
    page.fill("#lines-0-quantity", "2")

    price = page.locator("#lines-0-unit_price")
    expect(price).to_have_value("")
    expect(price).to_have_attribute("placeholder", "80.00")
    expect(page.locator("#lines .form-text").filter(has_text="Empty: the product's price")
           ).to_have_text("Empty: the product's price, 80.00.")
    save_form(page)

    assert "Record was successfully created." in page.inner_text(".alert-success")
    line = db.session.execute(db.select(InvoiceLine)).scalar_one()
    assert (line.unit_price, line.net) == (Decimal("80.00"), Decimal("160.00"))


def test_refused_customer_shows_the_message_in_the_browser(live_server, page, admin_user):
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.goto(f"{live_server.url}/admin/customer/new/")
    page.fill("#name", "Acme BV")
    page.fill("#accounting_id", "AB12")
    save_form(page)

    assert page.get_by_text("Customer ID for accounting integration must be a number").is_visible()
    assert f.count(Customer) == 0


def test_log_out_button_ends_the_session(live_server, page, admin_user):
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.click("#logout-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/customer/")

    assert "/login" in page.url
