"""Suppliers from Exact (issue 14): Accounts with IsSupplier are imported like customers
(preview, matching, mapping); a supplier's Exact code is kept apart from customers' codes."""
import pytest

from backoffice.db import db
from backoffice.models import Customer, Supplier
from exact_plugin.entities import suppliers
from exact_plugin.importing import runs
from exact_plugin.importing.models import DONE
from exact_plugin.models import Binding
from tests.factories import (FAST_RETRIES, binding_of, count, enable_integration, make_customer,
                             make_supplier, page_text, submit)

DIVISION = 100001


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


def exact_suppliers(sandbox):
    return [row for row in sandbox.records(DIVISION, "Accounts") if row["IsSupplier"]]


def test_import_brings_the_accounts_marked_as_supplier_and_no_customer(connected_company,
                                                                        sandbox):
    sandbox.create_record(DIVISION, "Accounts", {"Name": "Kantoor Depot", "IsSupplier": True,
                                                 "Code": "900000017", "City": "Delft",
                                                 "Country": "NL"})
    run = runs.import_now(connected_company.id, "suppliers")
    assert run.state == DONE, run.error if hasattr(run, "error") else run
    assert run.created == len(exact_suppliers(sandbox)) == count(Supplier) == 2
    assert count(Customer) == 0
    depot = db.session.execute(db.select(Supplier).filter_by(name="Kantoor Depot")).scalar_one()
    # The Exact code in the suppliers' range gives back the supplier ID.
    assert (depot.accounting_id, depot.city, depot.country) == ("17", "Delft", "NL")


def test_import_matches_an_existing_supplier_by_its_supplier_id(connected_company, sandbox):
    existing = make_supplier(name="Depot (old name)", accounting_id="17")
    sandbox.create_record(DIVISION, "Accounts", {"Name": "Kantoor Depot", "IsSupplier": True,
                                                 "Code": "900000017"})
    runs.import_now(connected_company.id, "suppliers")
    db.session.expire_all()
    binding = db.session.execute(db.select(Binding).filter_by(
        host_model="Supplier", host_id=existing.id)).scalar_one()
    assert binding.exact_code == "900000017"
    assert db.session.get(Supplier, existing.id).name == "Kantoor Depot"


def test_a_customer_and_a_supplier_with_the_same_id_get_two_exact_accounts(connected_company,
                                                                         sandbox):
    enable_integration(default_company=connected_company)
    customer = make_customer(accounting_id="4711")
    supplier = make_supplier(accounting_id="4711")
    assert binding_of(connected_company, customer).sync_state == "synced"
    supplier_binding = binding_of(connected_company, supplier)
    assert supplier_binding.sync_state == "synced", supplier_binding.last_error
    codes = {row["Code"].strip(): row for row in sandbox.records(DIVISION, "Accounts")}
    assert codes["4711"]["Name"] == customer.name
    assert codes["900004711"]["IsSupplier"] is True


def test_the_supplier_form_shows_its_exact_code_and_the_rule(connected_company, admin_client):
    enable_integration(default_company=connected_company)
    supplier = make_supplier(accounting_id="17")
    page = page_text(admin_client.get(f"/admin/supplier/edit/?id={supplier.id}"))
    assert 'value="900000017"' in page
    assert suppliers.RULE in page


def test_a_supplier_id_too_long_for_the_range_is_refused_on_the_form(connected_company,
                                                                     admin_client):
    enable_integration(default_company=connected_company)
    response = submit(admin_client, "/admin/supplier/new/", {
        "name": "Long ID BV", "accounting_id": "123456789"})
    assert "Supplier ID 123456789 is longer than 8 digits." in page_text(response)
    assert count(Supplier) == 0


def test_a_customer_id_in_the_suppliers_range_is_refused_on_the_form(connected_company,
                                                                     admin_client):
    enable_integration(default_company=connected_company)
    response = submit(admin_client, "/admin/customer/new/", {
        "name": "Range BV", "accounting_id": "900000017"})
    assert "Customer IDs of 9 digits starting with 9 are kept for suppliers" in \
        page_text(response)
    assert count(Customer) == 0
