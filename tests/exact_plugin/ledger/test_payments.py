"""Payment status read back from Exact's receivables (issue 14), against the sandbox over HTTP.

Invoices are pushed processed (status 50: only a processed invoice has a receivable, docs/
sandbox.md §Receivables); payments are made "in Exact" through the sandbox's control API.
"""
import re

import pytest

from backoffice.db import db
from backoffice.models import Invoice
from exact_plugin.ledger import payments
from exact_plugin.ledger.models import PaymentStatus
from exact_plugin.models import OutboundRequest
from tests.factories import (FAST_RETRIES, binding_of, enable_integration, make_customer,
                             make_invoice, make_product, page_text, submit)

DIVISION = 100001


@pytest.fixture(autouse=True)
def fast_retries(app_config):
    app_config.update(FAST_RETRIES)


@pytest.fixture
def company(connected_company):
    enable_integration(default_company=connected_company)
    connected_company.default_invoice_status = 50
    db.session.commit()
    return connected_company


def pushed_invoice(number, quantity=2, price="100.00"):
    customer = make_customer(accounting_id=f"47{number[-2:]}")
    product = make_product(accounting_id=f"10{number[-2:]}")
    return make_invoice(customer, [(product, quantity, price, None)], number=number)


def pay(sandbox, company, invoice, **payment):
    binding = binding_of(company, invoice)
    return sandbox.control("POST", f"payments/{DIVISION}",
                           {"InvoiceID": binding.exact_id, **payment})


def status(company, invoice):
    db.session.expire_all()
    return db.session.execute(db.select(PaymentStatus).filter_by(
        binding_id=binding_of(company, invoice).id)).scalar_one_or_none()


def receivable_calls():
    return db.session.execute(db.select(db.func.count()).select_from(OutboundRequest).where(
        OutboundRequest.entity.like("%Receivables%"))).scalar()


def test_an_unpaid_processed_invoice_is_open_for_its_whole_total(company, sandbox):
    invoice = pushed_invoice("INV-000011")
    payments.refresh_company(company.id)
    found = status(company, invoice)
    assert (found.status, float(found.outstanding), float(found.amount)) == ("open", 200.0, 200.0)


def test_a_partial_payment_shows_partly_paid_with_the_outstanding_amount(company, sandbox):
    invoice = pushed_invoice("INV-000012")
    payments.refresh_company(company.id)
    pay(sandbox, company, invoice, Amount=50.0)
    payments.refresh_company(company.id)
    found = status(company, invoice)
    assert (found.status, float(found.outstanding)) == ("partly_paid", 150.0)


def test_a_full_payment_shows_paid_with_the_date_it_was_settled(company, sandbox):
    invoice = pushed_invoice("INV-000013")
    payments.refresh_company(company.id)
    pay(sandbox, company, invoice, Amount=50.0, Date="2026-11-20")
    pay(sandbox, company, invoice, Date="2026-11-25")
    payments.refresh_company(company.id)
    found = status(company, invoice)
    assert (found.status, float(found.outstanding), str(found.settled_on)) == \
        ("paid", 0.0, "2026-11-25")


def test_a_late_booked_payment_with_an_old_date_is_still_found(company, sandbox):
    """EndDate is the payment's own date: an old date falls before the last refresh, so the
    invoice is looked up by its number (docs/sandbox.md §Receivables)."""
    invoice = pushed_invoice("INV-000014")
    payments.refresh_company(company.id)
    pay(sandbox, company, invoice, Date="2020-01-02")
    payments.refresh_company(company.id)
    found = status(company, invoice)
    assert (found.status, str(found.settled_on)) == ("paid", "2020-01-02")


def test_an_invoice_exact_did_not_process_says_so(company, sandbox):
    company.default_invoice_status = 20
    db.session.commit()
    invoice = pushed_invoice("INV-000015")
    payments.refresh_company(company.id)
    assert status(company, invoice).status == "not_processed"


def test_a_refresh_reads_receivables_in_bulk_not_per_invoice(company, sandbox):
    invoices = [pushed_invoice(f"INV-0000{n}") for n in range(20, 26)]
    pay(sandbox, company, invoices[0])
    before = receivable_calls()
    payments.refresh_company(company.id)
    assert receivable_calls() - before == 2   # the open rows, the rows matched since
    assert [status(company, invoice).status for invoice in invoices] == \
        ["paid"] + ["open"] * 5


def test_the_invoice_list_shows_and_filters_the_payment_status(company, sandbox, admin_client):
    paid, still_open = pushed_invoice("INV-000031"), pushed_invoice("INV-000032")
    pay(sandbox, company, paid, Date="2026-11-26")
    payments.refresh_company(company.id)
    paid_number = db.session.get(Invoice, paid.id).number
    open_number = db.session.get(Invoice, still_open.id).number
    page = page_text(admin_client.get("/admin/invoice/"))
    assert "Paid on 2026-11-26" in page and "200.00 outstanding" in page
    listing = page_text(admin_client.get(f"/admin/invoice/?{payment_filter(admin_client)}=paid"))
    assert paid_number in listing and open_number not in listing


def payment_filter(admin_client):
    """The query argument of the "Payment (Exact)" filter, as the list page's filter menu has it."""
    page = admin_client.get("/admin/invoice/").get_data(as_text=True)
    arg = re.search(r'"Payment \(Exact\)": \[\{"arg": "(\w+)"', page).group(1)
    return f"flt1_{arg}"


def test_a_paid_invoice_refuses_an_edit_that_changes_its_amounts(company, sandbox,
                                                                  admin_client):
    invoice = pushed_invoice("INV-000041")
    pay(sandbox, company, invoice)
    payments.refresh_company(company.id)
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    line = invoice.lines[0]
    url = f"/admin/invoice/edit/?id={invoice.id}"
    response = submit(admin_client, url, {
        "number": invoice.number, "customer": str(invoice.customer_id),
        "date": invoice.date.isoformat(), "status": invoice.status, "currency": "EUR",
        "lines-0-id": str(line.id), "lines-0-product": str(line.product_id),
        "lines-0-description": line.description, "lines-0-quantity": "5",
        "lines-0-unit_price": "100.00"})
    assert "is paid in Exact Online, so its amounts can no longer change" in page_text(response)
    db.session.expire_all()
    assert float(db.session.get(Invoice, invoice.id).lines[0].quantity) == 2
