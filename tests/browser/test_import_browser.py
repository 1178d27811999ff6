"""Importing from Exact in a real browser: from each list view, preview, untick one row, Start,
follow the progress bar to the end, read the result. Jobs run on the embedded worker thread,
so the page really follows a job running in the background."""
import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer, GLAccount, Product, TaxRate
from exact_plugin.importing import runs
from jobs.worker import stop_embedded_worker
from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser

pytestmark = [pytest.mark.browser,
              # One backend drives the screens; the import itself is tested on both.
              pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

# list page, entity, host model and its name column, Exact entity and its name field
LISTS = (
    ("/admin/customer/", "customers", Customer, "Accounts"),
    ("/admin/product/", "products", Product, "Items"),
    ("/admin/taxrate/", "tax_rates", TaxRate, "VATCodes"),
    ("/admin/glaccount/", "gl_accounts", GLAccount, "GLAccounts"),
)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "JOBS_ASYNC": True}   # the embedded worker thread runs the jobs


@pytest.fixture
def worker_app(live_server):
    yield live_server.app
    stop_embedded_worker(live_server.app)


def import_from_list_view(page, live_server, list_url):
    """List view -> Import from Exact Online -> company -> preview; returns the unticked name."""
    page.goto(live_server.url + list_url)
    page.click("a.list-action:has-text('Import from Exact Online')")
    page.click("button:has-text('Read from Exact and preview')")
    page.wait_for_selector("#preview-form", timeout=30_000)   # the page reloads when read
    first_row = page.locator("#preview tbody tr").first
    left_out = first_row.locator("td").nth(2).inner_text().strip()
    first_row.locator("input.row-select").uncheck()
    page.click("#start")
    page.wait_for_selector("#result", timeout=60_000)
    return left_out


@pytest.mark.parametrize("list_url,entity_name,model,exact_entity", LISTS,
                         ids=[entity for _url, entity, _model, _exact in LISTS])
def test_import_from_list_view_with_one_row_left_out(live_server, worker_app, page, admin_user,
                                                     connected_company, sandbox, monkeypatch,
                                                     list_url, entity_name, model, exact_entity):
    monkeypatch.setattr(runs, "BATCH_SIZE", 3)   # several batches: the bar moves
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    left_out = import_from_list_view(page, live_server, list_url)

    bar = page.locator("#progress-bar")
    assert bar.get_attribute("aria-valuenow") == bar.get_attribute("aria-valuemax")
    assert "width: 100%" in bar.get_attribute("style")
    assert page.locator("#result-skipped").inner_text() == "1"
    assert page.locator("#result-failed").inner_text() == "0"
    created = int(page.locator("#result-created").inner_text())
    assert created >= 1
    db.session.expire_all()
    names = set(db.session.execute(select(model.name)).scalars())
    assert left_out and left_out not in names
