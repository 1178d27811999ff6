"""What syncing adds to the admin screens: the company field, the Generate button, the sync
badge with Retry, the sync column and the "Sync to Exact" page; all behind login and CSRF."""
import json

import pytest

from backoffice.db import db
from backoffice.models import Product
from exact_plugin import binder
from tests.conftest import csrf_token_from
from tests.factories import (binding_of, enable_integration,
                             make_company, make_customer, make_product)


pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def offline_company(app):
    """A company that is not connected: pushes fail with a clear message, no call is made."""
    company = make_company(name="Offline BV")
    enable_integration(default_company=company)
    return company


def form_page(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def test_new_product_form_proposes_the_default_company_and_a_generate_button(admin_client,
                                                                             offline_company):
    page = form_page(admin_client, "/admin/product/new/")
    assert 'id="exact_company"' in page
    assert f'<option selected value="{offline_company.id}">' in page
    assert "exact-generate-product-id" in page and ">Generate</button>" in page


def test_generate_proposes_a_product_id_not_yet_used(admin_client, offline_company):
    enable_integration(default_company=None)
    make_product(accounting_id="1041")
    make_product(name="Other", accounting_id="A-7")
    answer = admin_client.get("/admin/exact-sync/generate-product-id")
    assert json.loads(answer.get_data(as_text=True)) == {"product_id": "1042"}


def test_generate_needs_a_login(client, app):
    answer = client.get("/admin/exact-sync/generate-product-id")
    assert answer.status_code == 302 and "/login" in answer.location


def submit_product(client, **fields):
    data = {"name": "Support hour", "price": "100", "cost": "10", "accounting_id": "2001",
            "csrf_token": csrf_token_from(form_page(client, "/admin/product/new/"))}
    data.update(fields)
    return client.post("/admin/product/new/", data=data, follow_redirects=True)


def test_saving_a_product_with_a_company_assigns_it_and_queues_it(admin_client, offline_company):
    submit_product(admin_client, exact_company=str(offline_company.id))
    product = db.session.execute(db.select(Product)).scalar_one()
    binding = binding_of(offline_company, product)
    # Not connected: the push failed at once, saying what to do, and spent no call.
    assert binding.sync_state == "failed"
    assert "Connect Now" in binding.last_error or "not connected" in binding.last_error


def test_leaving_the_company_empty_keeps_a_new_product_out_of_exact(admin_client,
                                                                     offline_company):
    submit_product(admin_client, exact_company="__None")
    product = db.session.execute(db.select(Product)).scalar_one()
    assert binder.bindings_of_host("Product", product.id) == []


def test_edit_page_shows_the_sync_badge_with_the_reason_and_a_retry_button(admin_client,
                                                                          offline_company):
    customer = make_customer()
    page = form_page(admin_client, f"/admin/customer/edit/?id={customer.id}")
    assert 'id="exact-sync-panel"' in page
    assert "Failed" in page and "Offline BV" in page
    assert "exact-sync-retry" in page


def test_record_without_company_says_how_to_sync_it(admin_client, app, exact_module_enabled):
    customer = make_customer()
    page = form_page(admin_client, f"/admin/customer/edit/?id={customer.id}")
    assert "choose an &#34;Exact Online company&#34;" in page or \
        'choose an "Exact Online company"' in page


def test_list_shows_a_sync_column(admin_client, offline_company):
    make_customer()
    page = form_page(admin_client, "/admin/customer/")
    assert "Exact Sync" in page and "badge-danger" in page


def test_retry_without_csrf_token_is_refused_and_queues_nothing(admin_client, offline_company):
    from exact_plugin.syncing.models import OutboxEntry
    customer = make_customer()
    answer = admin_client.post(f"/admin/exact-sync-state/retry/Customer/{customer.id}")
    assert answer.status_code in (400, 302)
    assert db.session.execute(db.select(OutboxEntry)).first() is None


def test_retry_queues_the_record_again_and_returns_to_it(admin_client, offline_company):
    customer = make_customer()
    url = f"/admin/customer/edit/?id={customer.id}"
    token = csrf_token_from(form_page(admin_client, url))
    answer = admin_client.post(f"/admin/exact-sync-state/retry/Customer/{customer.id}",
                               data={"csrf_token": token, "next": url})
    assert answer.status_code == 302 and answer.location.endswith(url)
    page = form_page(admin_client, url)
    assert "Retry: " in page and "Offline BV" in page


@pytest.mark.parametrize("path, message", [
    ("/admin/exact-sync-state/retry/User/1", "User records are not synced to Exact Online."),
    ("/admin/exact-sync-state/retry/Customer/999", "Customer 999 no longer exists."),
])
def test_retry_of_an_unknown_record_says_so(admin_client, offline_company, path, message):
    token = csrf_token_from(form_page(admin_client, "/admin/exact-sync/"))
    answer = admin_client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert message in answer.get_data(as_text=True)


def test_sync_page_lists_failed_records_with_their_reason(admin_client, offline_company):
    make_customer()
    page = form_page(admin_client, "/admin/exact-sync/")
    assert "Bakery Jansen" in page and "Offline BV" in page
    assert "Failed (1)" in page


def test_sync_page_needs_a_login(client, app):
    answer = client.get("/admin/exact-sync/")
    assert answer.status_code == 302 and "/login" in answer.location
