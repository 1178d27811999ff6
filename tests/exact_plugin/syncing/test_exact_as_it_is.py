"""Issue 10 against the strict sandbox: what Exact holds after an import, PUTs of only what
changed (never `Code`), prices read where Exact has them, state codes."""
import datetime

import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer, Product
from exact_plugin.entities import products as product_entity
from exact_plugin.importing import runs
from exact_plugin.importing.models import DONE
from exact_plugin.models import Binding, OutboundRequest
from tests.conftest import csrf_token_from
from tests.factories import (binding_of, make_customer,
                             make_invoice, make_product)

DIVISION = 100001


pytestmark = pytest.mark.usefixtures("fast_retries")




def requests_to(method, entity):
    return db.session.execute(db.select(OutboundRequest).filter(
        OutboundRequest.method == method, OutboundRequest.entity.startswith(entity)
    ).order_by(OutboundRequest.id)).scalars().all()


def ms_date(value):
    """The sandbox's dates are `/Date(ms)/` in UTC (docs/sandbox.md)."""
    if isinstance(value, str) and value.startswith("/Date("):
        value = int(value[6:].split(")")[0].split("+")[0])
    return datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc).date()


def bound(company, model, exact_id):
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, exact_id=exact_id)).scalar_one()
    return db.session.get(model, binding.host_id)


def test_import_customers_then_edit_one_puts_only_the_changed_field_without_code(company,
                                                                                 sandbox):
    run = runs.import_now(company.id, "customers")
    assert run.state == DONE, run.message
    account = [row for row in sandbox.records(DIVISION, "Accounts") if row["Status"] == "C"][0]
    customer = bound(company, Customer, account["ID"])
    # Someone changes the phone number in Exact meanwhile: a PUT of every field would undo it.
    sandbox.update_record(DIVISION, "Accounts", account["ID"], {"Phone": "+31 30 123 4567"})
    customer.main_site.city = "Zwolle"
    db.session.commit()
    binding = binding_of(company, customer)
    # The strict sandbox answers 500 "Data already exists." to a PUT naming Code.
    assert binding.sync_state == "synced", binding.last_error
    assert len(requests_to("PUT", "crm/Accounts")) == 1
    [after] = [row for row in sandbox.records(DIVISION, "Accounts") if row["ID"] == account["ID"]]
    assert after["City"] == "Zwolle" and after["Code"] == account["Code"]
    assert after["Phone"] == "+31 30 123 4567"
    # Saved again unchanged: nothing is sent.
    customer.name = customer.name
    db.session.commit()
    assert len(requests_to("PUT", "crm/Accounts")) == 1


def test_a_changed_customer_id_is_not_put_and_the_badge_says_exact_keeps_its_code(company,
                                                                                   sandbox):
    runs.import_now(company.id, "customers")
    account = [row for row in sandbox.records(DIVISION, "Accounts") if row["Status"] == "C"][0]
    customer = bound(company, Customer, account["ID"])
    customer.accounting_id = "999999"
    customer.name = "Renamed here"
    db.session.commit()
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced", binding.last_error
    [after] = [row for row in sandbox.records(DIVISION, "Accounts") if row["ID"] == account["ID"]]
    assert after["Name"] == "Renamed here" and after["Code"] == account["Code"]
    assert "Exact Online keeps" in binding.last_error and account["Code"].strip() in \
        binding.last_error


def test_import_products_then_edit_one_puts_only_its_description(company, sandbox):
    run = runs.import_now(company.id, "products")
    assert run.state == DONE, run.message
    item = sandbox.records(DIVISION, "Items")[0]
    product = bound(company, Product, item["ID"])
    sandbox.update_record(DIVISION, "Items", item["ID"], {"CostPriceStandard": 7.5})
    product.name = "Renamed product"
    db.session.commit()
    binding = binding_of(company, product)
    assert binding.sync_state == "synced", binding.last_error
    assert len(requests_to("PUT", "logistics/Items")) == 1
    [after] = [row for row in sandbox.records(DIVISION, "Items") if row["ID"] == item["ID"]]
    assert (after["Description"], after["CostPriceStandard"]) == ("Renamed product", 7.5)


def test_product_import_reads_prices_through_the_bulk_endpoint_not_the_sync_feed(company,
                                                                                 sandbox):
    runs.import_now(company.id, "products")
    sync_reads = requests_to("GET", "sync/Logistics/Items")
    assert sync_reads and all("StandardSalesPrice" not in row.url for row in sync_reads)
    items = sandbox.records(DIVISION, "Items")
    for item in items:
        assert float(bound(company, Product, item["ID"]).price) == pytest.approx(
            item["StandardSalesPrice"] or 0)
    # One item's price changes in Exact: the next run reads it by its ID, one bulk call.
    sandbox.update_record(DIVISION, "Items", items[0]["ID"], {"StandardSalesPrice": 123.45})
    before = len(requests_to("GET", "bulk/Logistics/Items"))
    run = runs.import_now(company.id, "products")
    assert (run.state, run.updated) == (DONE, 1), run.message
    assert len(requests_to("GET", "bulk/Logistics/Items")) == before + 1
    db.session.expire_all()
    assert float(bound(company, Product, items[0]["ID"]).price) == 123.45


def test_a_big_sync_page_reads_every_price_once(company, sandbox, monkeypatch):
    monkeypatch.setattr(product_entity, "ALL_PRICES_FROM", 2)
    runs.import_now(company.id, "products")
    assert len(requests_to("GET", "bulk/Logistics/Items")) == 1


@pytest.mark.parametrize("country, state, sent", [
    ("NL", "Noord-Holland", "NH"), ("NL", "nh", "NH"), ("US", "California", "CA"),
    ("NL", "California", None), ("NL", "Atlantis", None), ("", "Noord-Holland", None)])
def test_a_sites_state_is_sent_as_the_countrys_code_or_left_out_with_a_note(
        company, sandbox, country, state, sent):
    customer = make_customer(commit=False)
    customer.main_site.country, customer.main_site.state = country or None, state
    db.session.commit()
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced", binding.last_error
    [account] = [row for row in sandbox.records(DIVISION, "Accounts")
                 if row["ID"] == binding.exact_id]
    assert (account["State"] or None) == sent
    if sent:
        assert not binding.last_error
    else:
        assert f"The state {state!r} was not sent" in binding.last_error


# -- the sales journal and the invoice date ------------------------------------------------

def choose_journal_on_the_company_page(admin_client, company, code):
    page_url = f"/admin/exact/companies/edit/?id={company.id}&journal=1"
    page = admin_client.get(page_url).get_data(as_text=True)
    assert 'value="70"' in page and 'value="72"' in page      # the sales journals (Type 20)
    assert 'value="71"' not in page and 'value="60"' not in page  # credit notes, purchases
    response = admin_client.post(f"/admin/exact/companies/{company.id}/journal", data={
        "sales_journal": code, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    return admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_company_page_says_exacts_default_journal_applies_until_one_is_chosen(
        admin_client, company):
    page = admin_client.get(f"/admin/exact/companies/edit/?id={company.id}").get_data(
        as_text=True)
    assert "in the division's default sales journal" in page
    page = choose_journal_on_the_company_page(admin_client, company, "72")
    assert "booked in sales journal 72 (Verkoopboek export)" in page
    db.session.expire_all()
    assert company.sales_journal == "72"
    page = choose_journal_on_the_company_page(admin_client, company, "")
    db.session.expire_all()
    assert company.sales_journal is None


def test_a_journal_that_is_not_a_sales_journal_is_refused_with_a_message(admin_client, company):
    page_url = f"/admin/exact/companies/edit/?id={company.id}&journal=1"
    token = csrf_token_from(admin_client.get(page_url).get_data(as_text=True))
    response = admin_client.post(f"/admin/exact/companies/{company.id}/journal",
                                 data={"sales_journal": "60", "csrf_token": token},
                                 follow_redirects=True)
    assert "Journal 60 is not a sales journal" in response.get_data(as_text=True)
    db.session.expire_all()
    assert company.sales_journal is None


@pytest.mark.parametrize("numbering", ["entry", "printing"])
def test_an_invoice_reaches_exact_in_the_chosen_journal_booked_on_the_back_offices_date(
        admin_client, company, sandbox, numbering):
    sandbox.set_division_setting(DIVISION, assign_invoice_number=numbering)
    choose_journal_on_the_company_page(admin_client, company, "72")
    company.default_invoice_status = 50
    db.session.commit()
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 2, "95.00", None)], number="INV-000310",
                           commit=False)
    invoice.date = datetime.date(2026, 3, 31)
    db.session.commit()
    binding = binding_of(company, invoice)
    assert binding.sync_state == "synced", binding.last_error
    [exact_invoice] = [row for row in sandbox.records(DIVISION, "SalesInvoices")
                       if row["YourRef"] == "INV-000310"]
    assert exact_invoice["Journal"] == "72" and exact_invoice["Status"] == 50
    assert str(exact_invoice["InvoiceNumber"]).startswith("2672")
    assert ms_date(exact_invoice["InvoiceDate"]) == datetime.date(2026, 3, 31)
    assert ms_date(exact_invoice["OrderDate"]) == datetime.date(2026, 3, 31)
    lines = [row for row in sandbox.records(DIVISION, "SalesInvoiceLines")
             if row["InvoiceID"] == exact_invoice["InvoiceID"]]
    assert [(row["Quantity"], row["UnitPrice"]) for row in lines] == [(2.0, 95.0)]
