"""Syncing to Exact Online against the sandbox over HTTP: customers, suppliers, products,
invoices, invoice numbers, the guide's common errors, exactly-once creates.

Jobs run inline (JOBS_ASYNC off in tests): a commit pushes the record before it returns.
"""
import pytest

from backoffice.db import db
from backoffice.models import Invoice
from exact_plugin.models import ItemGroupMapping, OutboundRequest
from exact_plugin.syncing import jobs as sync_jobs
from exact_plugin.syncing import notices
from exact_plugin.syncing.models import ExportState, OutboxEntry
from tests.factories import (binding_of, enable_integration,
                             make_customer, make_invoice, make_product, make_supplier,
                             make_tax_rate, map_tax_rate)

DIVISION = 100001


pytestmark = pytest.mark.usefixtures("fast_retries")




def exact_records(sandbox, entity, **match):
    rows = sandbox.records(DIVISION, entity)
    return [row for row in rows if all(str(row.get(k) or "").strip() == v
                                       for k, v in match.items())]


def calls(method=None, entity=None):
    query = db.select(OutboundRequest)
    if method:
        query = query.filter(OutboundRequest.method == method)
    if entity:
        query = query.filter(OutboundRequest.entity.startswith(entity))
    return db.session.execute(query).scalars().all()


def test_new_customer_is_created_in_exact_as_an_account_with_status_c(company, sandbox):
    customer = make_customer()
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced", binding.last_error
    [account] = exact_records(sandbox, "Accounts", Code="4711")
    assert account["ID"] == binding.exact_id
    assert account["Status"] == "C" and account["Name"] == "Bakery Jansen"
    assert account["City"] == "Utrecht" and account["AddressLine1"] == "Dorpsstraat 1"
    assert db.session.execute(db.select(OutboxEntry)).first() is None


def test_editing_a_synced_customer_updates_the_account_and_an_unchanged_save_sends_nothing(
        company, sandbox):
    customer = make_customer()
    customer.main_site.city = "Zwolle"
    db.session.commit()
    [account] = exact_records(sandbox, "Accounts", Code="4711")
    assert account["City"] == "Zwolle"
    assert len(calls("PUT", "crm/Accounts")) == 1
    sync_jobs.retry_record("Customer", customer.id)
    assert len(calls("PUT", "crm/Accounts")) == 1
    assert binding_of(company, customer).sync_state == "synced"


def test_customer_without_accounting_id_stays_not_synced_and_says_what_to_set(company, sandbox):
    customer = make_customer(accounting_id=None)
    binding = binding_of(company, customer)
    assert binding.sync_state == "not_synced"
    assert "customer ID for accounting integration" in binding.last_error
    assert "in that field of its form" in binding.last_error   # the form has no tabs
    assert calls() == []


def test_supplier_is_created_as_an_account_marked_as_supplier(company, sandbox):
    """Its Exact code is in the suppliers' range (exact_plugin/entities/suppliers.py)."""
    supplier = make_supplier()
    assert binding_of(company, supplier).sync_state == "synced"
    [account] = exact_records(sandbox, "Accounts", Code="900009001")
    assert account["IsSupplier"] is True and account["City"] == "Delft"


def test_product_is_created_as_an_item_with_its_group_vat_code_and_accounts(company, sandbox):
    from backoffice.models import GLAccount, ProductGroup
    from exact_plugin import binder
    group_row = sandbox.records(DIVISION, "ItemGroups")[0]
    revenue = next(row for row in sandbox.records(DIVISION, "GLAccounts") if row["Type"] == 110)
    income = GLAccount(code=revenue["Code"], name=revenue["Description"], type="income")
    group = ProductGroup(name="Services")
    tax_rate = make_tax_rate()
    db.session.add_all([income, group])
    db.session.flush()
    binder.bind(company.id, "GLAccount", income.id, exact_id=revenue["ID"],
                exact_code=revenue["Code"])
    db.session.add(ItemGroupMapping(connection_id=company.id, exact_item_group_id=group_row["ID"],
                                    exact_code=group_row["Code"], product_group_id=group.id))
    map_tax_rate(company, tax_rate, "2")
    product = make_product(group=group, tax_rate=tax_rate, income_account=income)
    binding = binding_of(company, product)
    assert binding.sync_state == "synced", binding.last_error
    [item] = exact_records(sandbox, "Items", Code="1001")
    assert item["Description"] == "Consultancy hour"
    assert item["ItemGroup"] == group_row["ID"]
    assert item["SalesVatCode"].strip() == "2"
    assert item["GLRevenue"] == revenue["ID"]


def test_invoice_pushes_its_customer_and_products_first_and_takes_exacts_number(company,
                                                                                 sandbox):
    company.sync_customers = company.sync_products = False  # assigned, not yet in Exact
    db.session.commit()
    customer, product = make_customer(), make_product()
    company.sync_customers = company.sync_products = True
    db.session.commit()
    assert exact_records(sandbox, "Accounts", Code="4711") == []
    invoice = make_invoice(customer, [(product, 3, "95.00", None), (product, 1, "10.00", None)],
                           number="INV-000042")
    binding = binding_of(company, invoice)
    assert binding.sync_state == "synced", binding.last_error
    [exact_invoice] = exact_records(sandbox, "SalesInvoices", YourRef="INV-000042")
    [account] = exact_records(sandbox, "Accounts", Code="4711")
    assert exact_invoice["OrderedBy"] == account["ID"]
    lines = [row for row in sandbox.records(DIVISION, "SalesInvoiceLines")
             if row["InvoiceID"] == exact_invoice["InvoiceID"]]
    assert sorted((row["Quantity"], row["UnitPrice"]) for row in lines) == [(1.0, 10.0),
                                                                           (3.0, 95.0)]
    assert exact_invoice["AmountFCExclVat"] == 295.0
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).number == str(exact_invoice["InvoiceNumber"])
    assert binding.exact_number == str(exact_invoice["InvoiceNumber"])


def test_division_numbering_at_printing_is_named_on_the_invoice_and_in_the_outbound_log(
        company, sandbox):
    sandbox.set_division_setting(DIVISION, assign_invoice_number="printing")
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000001")
    binding = binding_of(company, invoice)
    assert binding.sync_state == "synced"
    assert "'Assign - Invoice Number' to 'Entry'" in binding.last_error
    assert db.session.get(Invoice, invoice.id).number == "INV-000001"
    [post] = [row for row in calls("POST", "salesinvoice/SalesInvoices")]
    assert "'Assign - Invoice Number' to 'Entry'" in post.error


def test_default_status_processed_posts_the_invoice_through_printed_sales_invoices(company,
                                                                                    sandbox):
    company.default_invoice_status = 50
    db.session.commit()
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000005")
    binding = binding_of(company, invoice)
    assert binding.sync_state == "synced"
    [exact_invoice] = exact_records(sandbox, "SalesInvoices", YourRef="INV-000005")
    assert exact_invoice["Status"] == 50
    assert binding.exact_number == str(exact_invoice["InvoiceNumber"])
    assert calls("POST", "salesinvoice/PrintedSalesInvoices")


def test_editing_an_open_invoice_replaces_its_lines_in_exact(company, sandbox):
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000007")
    invoice.lines[0].quantity = 4
    db.session.commit()
    assert binding_of(company, invoice).sync_state == "synced"
    [exact_invoice] = exact_records(sandbox, "SalesInvoices", YourRef="INV-000007")
    lines = [row for row in sandbox.records(DIVISION, "SalesInvoiceLines")
             if row["InvoiceID"] == exact_invoice["InvoiceID"]]
    assert [row["Quantity"] for row in lines] == [4.0]
    assert len(exact_records(sandbox, "SalesInvoices", YourRef="INV-000007")) == 1


@pytest.mark.parametrize("problem, expected", [
    ("no_company", "has no Exact Online company"),
    ("no_company", "on the product's form"),
    ("no_product_id", "has no product ID for accounting integration"),
    ("no_product_id", "set one on the product's form"),
    ("duplicate_id", "is not unique"),
])
def test_invoice_line_with_an_unsyncable_product_fails_locally_without_an_api_call(
        company, sandbox, problem, expected):
    from exact_plugin import binder
    customer = make_customer()
    if problem == "no_company":
        enable_integration(default_company=None)
    if problem == "duplicate_id":  # another product is already linked to Exact item 1001
        other = make_product(name="Old hour", accounting_id="1002")
        binder.bind(company.id, "Product", other.id, exact_code="1001")
        db.session.commit()
        company.sync_products = False
        db.session.commit()
    product = make_product(accounting_id=None if problem == "no_product_id" else "1001")
    company.sync_products = True
    enable_integration(default_company=company)
    before = len(calls())
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000009")
    binding = binding_of(company, invoice)
    assert binding.sync_state == "failed"
    assert "line 1 (Consultancy hour)" in binding.last_error and expected in binding.last_error
    assert "Consultancy hour" in binding.last_error
    assert len(calls()) == before
    assert exact_records(sandbox, "SalesInvoices", YourRef="INV-000009") == []


def test_a_create_whose_answer_was_lost_is_found_by_its_code_and_not_created_twice(company,
                                                                                     sandbox):
    sandbox.set_faults(drop=1)
    customer = make_customer()
    assert binding_of(company, customer).sync_state == "queued"
    sandbox.set_faults()
    pushed, _ = sync_jobs.drain()
    assert pushed == 0  # the retry is not due yet
    db.session.execute(db.update(OutboxEntry).values(available_at=OutboxEntry.created_at))
    db.session.commit()
    sync_jobs.drain()
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced"
    assert len(exact_records(sandbox, "Accounts", Code="4711")) == 1
    assert calls("GET", "crm/Accounts"), "the lost create must be looked up before a re-send"


def test_a_killed_worker_after_sending_an_invoice_does_not_duplicate_it(company, sandbox):
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 2, 50, None)], number="INV-000011")
    binding = binding_of(company, invoice)
    # The worker died after Exact stored the invoice and before the answer was recorded.
    binding.exact_id, binding.exact_number = None, None
    state = db.session.execute(db.select(ExportState).filter_by(binding_id=binding.id)
                               ).scalar_one()
    state.create_sent_at = state.updated_at
    db.session.commit()
    sync_jobs.retry_record("Invoice", invoice.id)
    assert binding_of(company, invoice).sync_state == "synced"
    assert len(exact_records(sandbox, "SalesInvoices", YourRef="INV-000011")) == 1
    assert binding_of(company, invoice).exact_number is not None


def test_exacts_validation_message_is_shown_verbatim_with_the_field(company, sandbox):
    tax_rate = make_tax_rate()
    map_tax_rate(company, tax_rate, "ZZ")  # a VAT code the division does not have
    product = make_product(tax_rate=tax_rate)
    binding = binding_of(company, product)
    assert binding.sync_state == "failed"
    assert binding.last_error.startswith("Exact Online refused it:")
    assert "SalesVatCode" in binding.last_error


def test_a_revoked_authorisation_fails_with_the_reconnect_message(company, sandbox, clocks):
    from exact_plugin.tokens import load_tokens
    sandbox.revoke(load_tokens(company.id).refresh_token)
    sandbox.revoke(load_tokens(company.id).access_token)
    clocks.advance(580)  # before 570 s no renewal is tried (test_bad_days.py)
    customer = make_customer()
    binding = binding_of(company, customer)
    assert binding.sync_state == "failed"
    assert "reconnect" in binding.last_error.lower()
    # The company's page then shows a "Reconnect" button, not "Connect Now".
    assert "press 'Reconnect'" in binding.last_error
    assert f"/admin/exact/companies/edit/?id={company.id}" in binding.last_error


def test_invoices_are_not_pushed_when_the_company_does_not_sync_invoices(company, sandbox):
    company.sync_invoices = False
    db.session.commit()
    customer, product = make_customer(), make_product()
    make_invoice(customer, [(product, 1, 95, None)])
    assert sandbox.records(DIVISION, "SalesInvoices") == [] or all(
        row.get("YourRef") != "INV-000001" for row in sandbox.records(DIVISION, "SalesInvoices"))


def test_success_messages_name_the_record_and_its_exact_number(company, sandbox):
    company.success_messages = True
    db.session.commit()
    customer, product = make_customer(), make_product()
    invoice = make_invoice(customer, [(product, 1, 95, None)])
    texts = [str(text) for _, text in notices.pending_banners()]
    number = binding_of(company, invoice).exact_number
    assert f"Invoice {number} synced to Exact Online (Sandbox company), Exact number {number}." \
        in texts
    assert any(text.startswith("Customer Bakery Jansen synced") for text in texts)
    assert notices.pending_banners() == []  # shown once


def test_push_pending_command_drains_the_outbox(company, sandbox, runner):
    sandbox.set_faults(error503=1)
    customer = make_customer()
    sandbox.set_faults()
    db.session.execute(db.update(OutboxEntry).values(available_at=OutboxEntry.created_at))
    db.session.commit()
    result = runner.invoke(args=["exact", "push-pending", "--company", str(company.id)])
    assert result.exit_code == 0, result.output
    assert "Pushed 1 record(s)" in result.output
    assert binding_of(company, customer).sync_state == "synced"


def test_push_pending_refuses_an_unknown_company_with_a_clear_message(app, runner):
    result = runner.invoke(args=["exact", "push-pending", "--company", "999"])
    assert result.exit_code != 0
    assert "no Exact Online company with ID 999" in result.output


def test_a_customer_id_already_used_by_another_exact_account_fails_with_exacts_message(
        company, sandbox):
    taken = sandbox.records(DIVISION, "Accounts")[0]["Code"].strip()
    customer = make_customer(accounting_id=taken)
    binding = binding_of(company, customer)
    assert binding.sync_state == "failed"
    assert "Exact Online refused it:" in binding.last_error
    assert "already exists" in binding.last_error
    assert len(exact_records(sandbox, "Accounts", Code=taken)) == 1
