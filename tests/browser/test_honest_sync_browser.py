"""Issue 11, the sync side, through the screens: a change made while the module is off (or the
company paused) waits, the badge and the save message say so, Disable asks first and counts the
waiting changes, and enabling again sends the change; the badge turns "Synced" on the open page
without a reload, and the sandbox holds the new e-mail."""
import pytest
from playwright.sync_api import expect

from backoffice.db import db
from backoffice.models import Customer, Site
from tests.conftest import TEST_PASSWORD
from tests.factories import FAST_RETRIES, enable_integration
from tests.fixtures.browser import login_in_browser

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


def badge(page):
    return page.locator("#exact-sync-panel .exact-sync-badge").first.inner_text()


def flashes(page):
    return " ".join(page.locator(".alert").all_inner_texts())


def save_and_stay(page):
    page.click("input[type=submit][name='_continue_editing']")
    page.wait_for_load_state()


def make_synced_customer():
    from exact_plugin.syncing import jobs
    customer = Customer(name="Bakery Jansen", accounting_id="4711", email="old@jansen.test")
    customer.sites.append(Site(name="Main", is_main=True, address_line1="Dorpsstraat 1",
                               city="Utrecht", country="NL"))
    db.session.add(customer)
    db.session.commit()
    jobs.drain()
    return customer.id


def email_in_exact(sandbox, company):
    """The e-mail the sandbox (Exact) holds for the customer's account 4711."""
    accounts = [row for row in sandbox.records(company.division, "Accounts", limit=100000)
                if str(row.get("Code", "")).strip() == "4711"]
    assert len(accounts) == 1
    return accounts[0].get("Email")


def test_disable_edit_enable_sends_the_waiting_change_and_the_badge_follows_without_reload(
        live_server, page, admin_user, connected_company, sandbox):
    enable_integration(default_company=connected_company)
    customer_id = make_synced_customer()
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    edit_url = f"{live_server.url}/admin/customer/edit/?id={customer_id}"
    page.goto(edit_url)
    assert badge(page) == "Synced"

    # Pause the company: an edit waits, the save message and the badge say why.
    page.goto(f"{live_server.url}/admin/exact/companies/edit/?id={connected_company.id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#pause-sync")
    assert "is paused" in flashes(page)
    page.goto(edit_url)
    page.fill("#email", "paused@jansen.test")
    save_and_stay(page)
    assert "Saved; not sent to Exact Online (" in flashes(page)
    assert "paused" in flashes(page)
    assert badge(page) == "Waiting (company paused)"

    # Disable asks first and counts the change that waits; "Keep it enabled" changes nothing.
    page.goto(f"{live_server.url}/admin/integrations/")
    page.click("#disable-exact")
    assert page.locator("#disable-waiting strong").inner_text() == "1"
    page.click("#cancel-disable")
    assert page.locator("#exact-module-state").inner_text() == "Enabled"

    # Resume: the waiting change is sent.
    page.goto(f"{live_server.url}/admin/exact/companies/edit/?id={connected_company.id}")
    page.click("#resume-sync")
    assert "1 waiting change(s) are being sent" in flashes(page)
    assert email_in_exact(sandbox, connected_company) == "paused@jansen.test"

    # Disable (confirmed, nothing waits now), then edit: the change waits for the module.
    page.goto(f"{live_server.url}/admin/integrations/")
    page.click("#disable-exact")
    assert page.locator("#disable-waiting strong").inner_text() == "0"
    page.click("#confirm-disable")
    assert page.locator("#exact-module-state").inner_text() == "Disabled"
    page.goto(edit_url)
    page.fill("#email", "new@jansen.test")
    save_and_stay(page)
    assert "because the Exact Online module is disabled" in flashes(page)
    assert badge(page) == "Waiting (module off)"
    assert email_in_exact(sandbox, connected_company) == "paused@jansen.test"

    # Enable in another tab: the change is sent and the open record page turns "Synced".
    other = page.context.new_page()
    other.goto(f"{live_server.url}/admin/integrations/")
    other.click("#enable-exact")
    assert "1 change(s) recorded while it was off are being sent" in flashes(other)
    expect(page.locator("#exact-sync-panel .exact-sync-badge").first).to_have_text(
        "Synced", timeout=15000)  # no reload: the page polls the state
    assert email_in_exact(sandbox, connected_company) == "new@jansen.test"


def test_save_message_says_why_a_record_cannot_go_to_exact(
        live_server, page, admin_user, connected_company, sandbox):
    enable_integration(default_company=connected_company)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/customer/new/")
    page.fill("#name", "No ID Bakery")  # no customer ID for accounting integration
    save_and_stay(page)
    assert "Saved; not sent to Exact Online (" in flashes(page)
    assert "no customer id for accounting integration" in flashes(page).lower()
    assert badge(page) == "Not synced"
    assert "successfully saved" not in flashes(page).lower() or "not sent" in flashes(page)
