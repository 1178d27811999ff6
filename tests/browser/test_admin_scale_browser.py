"""Working at scale in a real browser (issue 13): the outbound log at 1366 px, list filters and
bulk actions, Retry all failed, the Exact Online dashboard."""
import json

import pytest

from exact_plugin import outbound
from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

LAPTOP = {"width": 1366, "height": 768}


def inside_viewport(page, locator):
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_the_outbound_log_shows_time_status_and_error_without_scrolling_at_1366_px(
        live_server, page, admin_user, connected_company):
    long_error = "Mandatory: Name. " * 30
    outbound.record(connection_id=connected_company.id, method="POST",
                    url="https://start.exactonline.nl/api/v1/100001/crm/Accounts?" + "x" * 300,
                    entity="crm/Accounts", status=400, duration_ms=123, error=long_error,
                    request_body=json.dumps({"City": "Nowhere", "client_secret": "s3cr3t"}))
    page.set_viewport_size(LAPTOP)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/exact/outbound/")
    header = page.locator("th:has-text('Status')")
    assert inside_viewport(page, header)
    row = page.locator("table.model-list tbody tr").first
    assert inside_viewport(page, row.locator("td.col-error"))
    assert inside_viewport(page, row.locator("td.col-status"))
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    time_text = row.locator("td.col-created_at").inner_text().strip()
    assert len(time_text) == len("2026-01-01 10:00:00"), time_text   # seconds, no microseconds

    row.locator("a[title='View Record']").click()
    body = page.locator("pre.exact-body").first.inner_text()
    assert '"City": "Nowhere"' in body and "s3cr3t" not in body and "[redacted]" in body
    assert "x" * 300 in page.content()   # the full URL


# -- filters and bulk actions --------------------------------------------------------------------

def add_filter(page, name, value):
    """Add a list filter through Flask-Admin's filter menu, as an admin does, and apply it."""
    page.click("a.dropdown-toggle:has-text('Add Filter')")
    page.click(f"a.filter:has-text('{name}')")
    page.locator("select.filter-val").last.select_option(label=value, force=True)
    with page.expect_navigation():
        page.click("button:has-text('Apply')")


def test_send_every_customer_matching_a_filter_across_pages_then_retry_all_failed(
        live_server, page, admin_user, connected_company, sandbox, app_config):
    from backoffice.db import db
    from exact_plugin.syncing.states import FAILED, SYNCED
    from exact_plugin.models import Binding
    from tests.factories import FAST_RETRIES, enable_integration, make_customer
    app_config.update(FAST_RETRIES)
    # 60 customers made before any default company: none has an Exact company yet.
    for number in range(60):
        make_customer(name=f"Customer {number:02d}", accounting_id=str(5000 + number),
                      commit=False)
    db.session.commit()
    enable_integration(default_company=connected_company)

    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/customer/")
    add_filter(page, "Exact sync", "No Exact company")
    assert page.locator("#all-matching-count").inner_text() == "60"
    assert page.locator("table.model-list tbody tr").count() == 50   # one page of 50
    page.check("#all-matching")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("a.dropdown-toggle:has-text('With selected')")
    # Jobs run inside the request in the tests, so the 60 pushes happen before the answer.
    with page.expect_navigation(timeout=180_000):
        page.click("a.dropdown-item:has-text('Send to Exact Online')", timeout=180_000)
    assert "60 customer(s) queued" in page.content()
    page.wait_for_function(
        "document.getElementById('bulk-synced-count').textContent === '60'", timeout=60_000)
    assert page.locator("#bulk-done").is_visible()
    states = db.session.execute(db.select(Binding.sync_state).filter_by(
        host_model="Customer")).scalars().all()
    assert states.count(SYNCED) == 60

    # The list filters by sync state and company.
    page.goto(f"{live_server.url}/admin/customer/")
    add_filter(page, "Exact Online company", connected_company.name)
    assert page.locator("#all-matching-count").inner_text() == "60"

    # Two fail (made so here); "Retry all failed" on the sync page sends them again.
    failed = db.session.execute(db.select(Binding).filter_by(host_model="Customer")
                                .limit(2)).scalars().all()
    for binding in failed:
        binding.sync_state, binding.last_error = FAILED, "Made to fail by the test"
    db.session.commit()
    page.goto(f"{live_server.url}/admin/exact-sync/")
    link = page.locator("#exact-sync-failed a").first
    assert f"/admin/customer/edit/?id={failed[0].host_id}" in link.get_attribute("href") or \
        f"/admin/customer/edit/?id={failed[1].host_id}" in link.get_attribute("href")
    with page.expect_navigation(timeout=60_000):
        page.click(f"button.exact-retry-all:has-text('Retry all 2 failed of {connected_company.name}')")
    page.wait_for_function(
        "document.getElementById('bulk-synced-count').textContent === '2'", timeout=60_000)
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Binding.id)).filter_by(
        sync_state=FAILED)).scalar() == 0


def test_retry_from_the_list_sends_only_the_failed_rows(
        live_server, page, admin_user, connected_company, sandbox, app_config):
    from backoffice.db import db
    from exact_plugin.models import Binding
    from exact_plugin.syncing.states import FAILED
    from tests.factories import FAST_RETRIES, assign, enable_integration, make_customer
    app_config.update(FAST_RETRIES)
    enable_integration(default_company=connected_company)
    first, second = make_customer("First BV", "7001"), make_customer("Second BV", "7002")
    binding = db.session.execute(db.select(Binding).filter_by(host_model="Customer",
                                                               host_id=first.id)).scalar_one()
    binding.sync_state = FAILED
    db.session.commit()

    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/customer/")
    page.locator("input.action-rowtoggle").check()
    page.click("a.dropdown-toggle:has-text('With selected')")
    with page.expect_navigation():
        page.click("a.dropdown-item:has-text('Retry sending to Exact Online')")
    content = page.content()
    assert "1 customer(s) were not sent: they had not failed" in content
    assert "1 customer(s) queued to be sent again" in content


# -- the dashboard -------------------------------------------------------------------------------

def test_the_dashboard_shows_calls_waiting_failures_linked_and_the_home_page_a_summary(
        live_server, page, admin_user, connected_company, sandbox, app_config):
    from backoffice.db import db
    from exact_plugin.models import Binding
    from exact_plugin.syncing.states import FAILED
    from tests.factories import FAST_RETRIES, enable_integration, make_customer
    app_config.update(FAST_RETRIES)
    enable_integration(default_company=connected_company)
    synced, broken = make_customer("Synced BV", "7101"), make_customer("Broken BV", "7102")
    binding = db.session.execute(db.select(Binding).filter_by(
        host_model="Customer", host_id=broken.id)).scalar_one()
    binding.sync_state, binding.last_error = FAILED, "Exact refused: Mandatory: Name"
    db.session.commit()

    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    line = page.locator("#exact-home-summary .exact-home-line").first
    assert connected_company.name in line.inner_text() and "1 failed" in line.inner_text()
    assert "last push 20" in line.inner_text()

    page.click("#exact-home-summary a:has-text('Exact Online')")
    card = page.locator(f"#exact-health-{connected_company.id}")
    assert card.locator(".exact-state").inner_text() == "Connected"
    assert int(card.locator(".exact-calls-24h").inner_text()) >= 2   # the two pushes at least
    assert card.locator(".exact-calls-1").inner_text() != "unknown (no call yet)"
    assert card.locator(".exact-hours .bar").count() == 24
    assert card.locator(".exact-failed-count").inner_text() == "1"
    assert "UTC" in card.locator(".exact-last-push").inner_text()
    assert "customers" in card.locator(".exact-imports").inner_text()
    with page.expect_navigation():
        card.locator(".exact-failures a").first.click()
    assert f"/admin/customer/edit/?id={broken.id}" in page.url
    page.go_back()
    with page.expect_navigation():
        page.locator(f"#exact-health-{connected_company.id} button.exact-retry-all").click()
    page.wait_for_function(
        "document.getElementById('bulk-synced-count').textContent === '1'", timeout=60_000)
    assert synced.id != broken.id


# -- previews that show the change ---------------------------------------------------------------

def test_the_customer_preview_shows_a_rename_and_a_new_address_old_to_new(
        live_server, page, admin_user, connected_company, sandbox):
    from tests.factories import customer_with_main_site, map_customer
    exact = next(record for record in sandbox.records(connected_company.division, "Accounts")
                 if record.get("Status") == "C" and record.get("Name"))
    host = customer_with_main_site("Old name BV", address="Old street 9")
    map_customer(connected_company, host, exact)

    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/exact-import/customers/")
    with page.expect_navigation():
        page.click("button:has-text('Read from Exact and preview')")
    page.wait_for_selector("#preview", timeout=60_000)
    row = page.locator(f"#preview tbody tr:has(td:text-is('{exact['Name']}'))")
    changes = row.locator(".preview-changes").inner_text()
    assert f"name: Old name BV → {exact['Name']}" in changes
    if exact.get("AddressLine1"):
        assert f"address line1: Old street 9 → {exact['AddressLine1']}" in changes
    created = page.locator("#preview tbody tr").filter(has_text="Create").first
    assert created.locator(".preview-changes").inner_text().strip() == ""
