"""Deletions (issue 14): a record that is in Exact is not deleted but archived (customers,
suppliers, products: blocked in Exact) or credited (invoices); its binding survives."""
import pytest

from backoffice.db import db
from backoffice.models import Customer, Invoice, Product, Supplier
from tests.factories import (FAST_RETRIES, binding_of, count, enable_integration, make_customer,
                             make_invoice, make_product, make_supplier, page_text)

DIVISION = 100001


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


@pytest.fixture
def company(connected_company):
    enable_integration(default_company=connected_company)
    return connected_company


def _post_delete(admin_client, screen, record):
    from tests.conftest import csrf_token_from
    token = csrf_token_from(admin_client.get(f"/admin/{screen}/").get_data(as_text=True))
    return admin_client.post(f"/admin/{screen}/delete/", data={
        "id": str(record.id), "url": f"/admin/{screen}/", "csrf_token": token},
        follow_redirects=True)


def exact_row(sandbox, entity, exact_id):
    return next(row for row in sandbox.records(DIVISION, entity) if row.get("ID") == exact_id
                or row.get("InvoiceID") == exact_id)


@pytest.mark.parametrize("screen, model, make, label", [
    ("customer", Customer, make_customer, "Customer"),
    ("supplier", Supplier, make_supplier, "Supplier"),
    ("product", Product, make_product, "Product"),
])
def test_deleting_a_record_in_exact_is_refused_with_archive_instead(
        company, sandbox, admin_client, screen, model, make, label):
    record = make()
    assert binding_of(company, record).exact_id
    page = page_text(_post_delete(admin_client, screen, record))
    assert f"{label} '{record}' is in Exact Online (Sandbox company) and cannot be deleted: " \
           f"archive it instead" in page
    assert db.session.get(model, record.id) is not None
    assert binding_of(company, record).exact_id


def test_the_bulk_delete_action_refuses_records_in_exact_too(company, sandbox, admin_client):
    from tests.conftest import csrf_token_from
    customer = make_customer()
    token = csrf_token_from(admin_client.get("/admin/customer/").get_data(as_text=True))
    response = admin_client.post("/admin/customer/action/", data={
        "action": "delete", "rowid": [str(customer.id)], "csrf_token": token},
        follow_redirects=True)
    assert "archive it instead" in page_text(response)
    assert count(Customer) == 1


def test_a_record_not_in_exact_can_still_be_deleted(company, sandbox, admin_client):
    company.sync_customers = False
    db.session.commit()
    customer = make_customer()
    _post_delete(admin_client, "customer", customer)
    assert count(Customer) == 0


def test_deleting_an_invoice_in_exact_is_refused_credit_instead(company, sandbox, admin_client):
    invoice = make_invoice(make_customer(), [(make_product(), 1, "95.00", None)])
    page = page_text(_post_delete(admin_client, "invoice", invoice))
    assert "reached Exact Online (Sandbox company) and cannot be deleted: credit it instead" \
        in page
    assert db.session.get(Invoice, invoice.id) is not None


def test_archiving_a_customer_blocks_its_account_in_exact(company, sandbox):
    customer = make_customer()
    customer.archived = True
    db.session.commit()
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced", binding.last_error
    assert exact_row(sandbox, "Accounts", binding.exact_id)["Blocked"] is True


def test_archiving_a_product_ends_its_item_in_exact(company, sandbox):
    product = make_product()
    product.archived = True
    db.session.commit()
    binding = binding_of(company, product)
    assert binding.sync_state == "synced", binding.last_error
    assert exact_row(sandbox, "Items", binding.exact_id)["EndDate"] is not None


def test_the_archived_box_is_on_the_customer_form(company, admin_client):
    page = page_text(admin_client.get("/admin/customer/new/"))
    assert 'name="archived"' in page
