"""Real time and no drift, in headless Chromium (issue 15): a company created with its webhook
secret is subscribed when its Exact company is chosen; a name edited in Exact shows on the open
customer page within 5 seconds without a reload; with webhooks off, the reconciliation report
shows the drift and "Take Exact's" fixes it."""
import time

import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer
from exact_plugin.importing import runs
from exact_plugin.models import Binding, ExactConnection
from exact_plugin.realtime.models import InboundRequest
from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.sandbox(webhook_validation_delay=0.05)]


def connect_with_webhooks(page, sandbox, live_server):
    page.goto(f"{live_server.url}/admin/exact/companies/new/")
    sandbox.set_redirect_uri(page.input_value("#redirect-uri"))
    page.fill("#name", "Live company")
    page.fill("#client_id", sandbox.client_id)
    page.fill("#new_client_secret", sandbox.client_secret)
    page.fill("#new_webhook_secret", sandbox.webhook_secret)
    page.select_option("#location", label="Local sandbox")
    page.click("#save-and-connect")
    page.wait_for_selector("#authorize")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("#authorize")
    page.wait_for_selector("#division-form")
    page.check(f"#division-{sandbox.divisions[0]}")
    page.click("#choose-division")
    page.wait_for_selector(".alert:has-text('Subscribed to Accounts, Items, SalesInvoices')")
    return db.session.execute(select(ExactConnection)).scalar_one()


def validated(company):
    db.session.expire_all()
    return db.session.execute(select(db.func.count(InboundRequest.id)).where(
        InboundRequest.connection_id == company.id,
        InboundRequest.outcome == "validation")).scalar() == 3


def first_customer(company):
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, host_model="Customer").order_by(Binding.id)).scalars().first()
    return binding, db.session.get(Customer, binding.host_id)


@pytest.fixture
def ready(app, page, live_server, sandbox, admin_user, exact_module_enabled):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    company = connect_with_webhooks(page, sandbox, live_server)
    runs.import_now(company.id, "customers")
    deadline = time.monotonic() + 5
    while not validated(company) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert validated(company), "Exact's validation POSTs did not reach the receiver"
    page.reload()
    assert page.inner_text("#webhooks-health") == "Healthy"
    return company


def test_a_name_edited_in_exact_appears_on_the_open_customer_page_within_5_seconds(
        page, live_server, sandbox, ready):
    binding, customer = first_customer(ready)
    page.goto(f"{live_server.url}/admin/customer/edit/?id={customer.id}")
    page.wait_for_selector("#exact-live", state="attached")
    page.wait_for_timeout(1600)   # the live region has taken its first look
    started = time.monotonic()
    sandbox.update_record(ready.division, "Accounts", binding.exact_id,
                          {"Name": "Renamed in Exact Online"})
    page.wait_for_selector("#exact-live:has-text('Renamed in Exact Online')", timeout=5000)
    assert time.monotonic() - started < 5
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Renamed in Exact Online"


def test_with_webhooks_off_the_report_shows_the_drift_and_take_exacts_fixes_it(
        page, live_server, sandbox, ready):
    binding, customer = first_customer(ready)
    sandbox.set_limits(webhook_delivery=False)
    sandbox.update_record(ready.division, "Accounts", binding.exact_id,
                          {"Name": "Drifted in Exact"})
    time.sleep(0.5)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name != "Drifted in Exact"
    page.goto(f"{live_server.url}/admin/exact/companies/edit/?id={ready.id}")
    page.click("#reconcile-link")
    page.click("#reconcile-run")
    page.wait_for_selector("#reconcile-reports tr[data-entity='customers']")
    assert page.inner_text("#reconcile-reports tr[data-entity='customers'] .differing") == "1"
    page.click("#reconcile-reports tr[data-entity='customers'] .report-link")
    assert page.inner_text("#count-differing") == "1"
    row = page.locator("#reconcile-rows tr[data-field='name']")
    assert row.locator(".exact").inner_text() == "Drifted in Exact"
    assert row.locator(".ours").inner_text() == customer.name
    row.locator(".take-exact").click()
    page.wait_for_selector(".alert:has-text(\"now holds Exact's version\")")
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Drifted in Exact"
    # The summary on the dashboard.
    page.goto(f"{live_server.url}/admin/")
    assert "customers: 1 differing" in page.inner_text("body")
