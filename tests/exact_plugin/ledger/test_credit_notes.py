"""Credit notes (issue 14): the Credit action on an invoice makes a host credit note for all or
some lines; it is pushed once as an Exact sales invoice of Type 8021 with negative quantities
and gets its own number back; the invoice shows its credit notes and what remains."""
import pytest

from backoffice.db import db
from backoffice.models import Invoice
from exact_plugin.syncing import jobs as sync_jobs
from tests.factories import (FAST_RETRIES, binding_of, count, enable_integration, make_customer,
                             make_invoice, make_product, page_text, submit)

DIVISION = 100001


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


@pytest.fixture
def company(connected_company):
    enable_integration(default_company=connected_company)
    return connected_company


@pytest.fixture
def invoice(company):
    customer = make_customer()
    hour, travel, licence = (make_product("Consultancy hour", "1001", "95.00"),
                             make_product("Travel", "1002", "20.00"),
                             make_product("Licence", "1003", "300.00"))
    return make_invoice(customer, [(hour, 4, "95.00", None), (travel, 2, "20.00", None),
                                   (licence, 1, "300.00", None)], number="INV-000100")


def credit(admin_client, invoice, quantities):
    data = {"id": str(invoice.id)}
    data.update({f"quantity-{line.id}": str(quantity)
                 for line, quantity in zip(invoice.lines, quantities)})
    return submit(admin_client, f"/admin/invoice/credit/?id={invoice.id}", data)


def exact_invoices(sandbox, **match):
    return [row for row in sandbox.records(DIVISION, "SalesInvoices")
            if all(row.get(key) == value for key, value in match.items())]


def test_crediting_two_of_three_lines_pushes_a_credit_note_with_its_own_number(
        company, sandbox, admin_client, invoice):
    response = credit(admin_client, invoice, [4, 0, 1])
    assert "Credit note" in page_text(response) and "was created" in page_text(response)
    db.session.expire_all()
    original = db.session.get(Invoice, invoice.id)
    [note] = original.credit_notes
    binding = binding_of(company, note)
    assert binding.sync_state == "synced", binding.last_error
    [exact_note] = exact_invoices(sandbox, Type=8021)
    lines = [row for row in sandbox.records(DIVISION, "SalesInvoiceLines")
             if row["InvoiceID"] == exact_note["InvoiceID"]]
    assert sorted(row["Quantity"] for row in lines) == [-4.0, -1.0]
    assert exact_note["AmountFCExclVat"] == -(4 * 95 + 300)
    assert original.number in exact_note["Description"]
    assert note.number == str(exact_note["InvoiceNumber"]) == binding.exact_number
    assert note.number != original.number


def test_the_invoice_shows_its_credit_notes_and_the_remaining_amount(
        company, sandbox, admin_client, invoice):
    credit(admin_client, invoice, [1, 0, 0])
    db.session.expire_all()
    original = db.session.get(Invoice, invoice.id)
    page = page_text(admin_client.get(f"/admin/invoice/details/?id={invoice.id}"))
    [note] = original.credit_notes
    assert note.number in page
    # 4*95 + 2*20 + 300 = 720 excl. tax, no tax rate; one hour credited: 625 remain.
    assert "Remaining after credit notes" in page and "625.00" in page


def test_a_credit_note_is_sent_once_even_when_pushed_again(company, sandbox, admin_client,
                                                           invoice):
    credit(admin_client, invoice, [4, 2, 1])
    db.session.expire_all()
    [note] = db.session.get(Invoice, invoice.id).credit_notes
    sync_jobs.retry_record("Invoice", note.id)
    sync_jobs.drain()
    assert len(exact_invoices(sandbox, Type=8021)) == 1


def test_crediting_more_than_is_left_on_a_line_is_refused(company, sandbox, admin_client,
                                                          invoice):
    credit(admin_client, invoice, [3, 0, 0])
    response = credit(admin_client, invoice, [2, 0, 0])
    assert "between 0 and 1 can still be credited, not 2" in page_text(response)
    assert count(Invoice) == 2


def test_crediting_nothing_is_refused(company, sandbox, admin_client, invoice):
    response = credit(admin_client, invoice, [0, 0, 0])
    assert "Choose at least one line and a quantity to credit." in page_text(response)
    assert count(Invoice) == 1


def test_a_quantity_that_is_not_a_number_is_refused(company, sandbox, admin_client, invoice):
    response = credit(admin_client, invoice, ["two", 0, 0])
    assert "'two' is not a number" in page_text(response)
    assert count(Invoice) == 1


def test_a_credit_note_cannot_be_credited(company, sandbox, admin_client, invoice):
    credit(admin_client, invoice, [1, 0, 0])
    db.session.expire_all()
    [note] = db.session.get(Invoice, invoice.id).credit_notes
    response = submit(admin_client, f"/admin/invoice/credit/?id={note.id}",
                      {"id": str(note.id), f"quantity-{note.lines[0].id}": "1"})
    assert "A credit note cannot be credited itself." in page_text(response)


def test_crediting_an_unknown_invoice_says_so(company, admin_client):
    response = admin_client.get("/admin/invoice/credit/?id=999999", follow_redirects=True)
    assert "There is no invoice with id 999999." in page_text(response)
