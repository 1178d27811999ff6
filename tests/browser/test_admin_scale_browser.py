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
