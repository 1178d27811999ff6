"""The invoice screen: lines inline, totals computed from them, bad input refused."""
import re
from decimal import Decimal

from backoffice.db import db
from backoffice.models import Invoice, InvoiceLine
from tests import factories as f

NEW = "/admin/invoice/new/"
PRICE_LOOKUP = "/admin/invoice/product-price/"


def line_rows(*lines):
    return {f"lines-{index}-{name}": value
            for index, line in enumerate(lines) for name, value in line.items()}


def invoice_form(customer, number="INV-000001", status="draft", lines=()):
    return {"number": number, "customer": str(customer.id), "date": "2026-11-26",
            "status": status, "currency": "EUR", **line_rows(*lines)}


def test_invoice_totals_are_computed_from_its_lines(admin_client):
    customer = f.customer(name="Acme")
    vat = f.tax_rate("VAT high", "21")
    product = f.product(name="Support hour", price="100")

    response = f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"product": str(product.id), "description": "Support", "quantity": "2",
         "unit_price": "100", "tax_rate": str(vat.id)},
        {"description": "Travel", "quantity": "1", "unit_price": "25.50"}]))

    assert "Record was successfully created." in f.page_text(response)
    invoice = db.session.execute(db.select(Invoice)).scalar_one()
    assert (invoice.total_net, invoice.total_tax, invoice.total_gross) == (
        Decimal("225.50"), Decimal("42.00"), Decimal("267.50"))
    assert "267.50" in f.page_text(admin_client.get("/admin/invoice/"))


def test_totals_typed_into_the_form_are_ignored(admin_client):
    customer = f.customer(name="Acme")

    f.submit(admin_client, NEW, {**invoice_form(customer, lines=[
        {"description": "Work", "quantity": "1", "unit_price": "10"}]),
        "total_net": "999", "total_gross": "999"})

    invoice = db.session.execute(db.select(Invoice)).scalar_one()
    assert (invoice.total_net, invoice.total_gross) == (Decimal("10.00"), Decimal("10.00"))


def test_new_invoice_form_proposes_the_next_number(admin_client):
    f.invoice(number="INV-000001")

    page = f.page_text(admin_client.get(NEW))

    assert 'value="INV-000002"' in page


def test_draft_invoice_without_lines_is_allowed(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, NEW, invoice_form(customer))

    assert "Record was successfully created." in f.page_text(response)
    assert f.count(Invoice) == 1


def test_sent_invoice_without_lines_is_refused(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, NEW, invoice_form(customer, status="sent"))

    assert "An invoice needs at least one line unless it is a draft" in f.page_text(response)
    assert f.count(Invoice) == 0


def test_duplicate_invoice_number_is_refused(admin_client):
    customer = f.customer(name="Acme")
    f.invoice(number="INV-000007", customer_record=customer)

    response = f.submit(admin_client, NEW, invoice_form(customer, number="INV-000007"))

    assert "Invoice number INV-000007 is already used by another invoice." \
        in f.page_text(response)
    assert f.count(Invoice) == 1


def test_negative_quantity_on_a_line_is_refused_and_nothing_is_written(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"description": "Work", "quantity": "1", "unit_price": "10"},
        {"description": "Credit", "quantity": "-1", "unit_price": "10"}]))

    assert "Quantity cannot be negative." in f.page_text(response)
    assert f.count(Invoice) == 0
    assert f.count(InvoiceLine) == 0


def test_negative_unit_price_on_a_line_is_refused(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"description": "Credit", "quantity": "1", "unit_price": "-10"}]))

    assert "Unit price cannot be negative." in f.page_text(response)
    assert f.count(Invoice) == 0


def test_line_refused_on_an_existing_invoice_keeps_its_lines_and_totals(admin_client):
    invoice = f.invoice(number="INV-000001", lines=[f.invoice_line("2", "10")])
    line = invoice.lines[0]

    response = f.submit(admin_client, f"/admin/invoice/edit/?id={invoice.id}", invoice_form(
        invoice.customer, lines=[{"id": str(line.id), "description": "Work", "quantity": "3",
                                  "unit_price": "10"},
                                 {"description": "Bad", "quantity": "-4", "unit_price": "1"}]))

    assert "Quantity cannot be negative." in f.page_text(response)
    db.session.expire_all()
    stored = db.session.get(Invoice, invoice.id)
    assert [(l.quantity, l.net) for l in stored.lines] == [(Decimal("2"), Decimal("20.00"))]
    assert stored.total_net == Decimal("20.00")


def test_invoice_without_a_customer_is_refused(admin_client):
    response = f.submit(admin_client, NEW, {"number": "INV-1", "date": "2026-11-26",
                                            "status": "draft", "currency": "EUR"})

    assert "This field is required." in f.page_text(response)
    assert f.count(Invoice) == 0


def test_line_without_price_or_tax_rate_takes_them_from_its_product(admin_client):
    customer = f.customer(name="Acme")
    vat = f.tax_rate("VAT high", "21")
    product = f.product(name="Support hour", price="80", tax_rate=vat)

    f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"product": str(product.id), "quantity": "2", "unit_price": ""}]))

    line = db.session.execute(db.select(InvoiceLine)).scalar_one()
    assert (line.unit_price, line.tax_rate.name, line.gross) == (
        Decimal("80.00"), "VAT high", Decimal("193.60"))


def test_new_line_unit_price_starts_empty_so_the_product_price_can_apply(admin_client):
    page = f.page_text(admin_client.get(NEW))

    price_input = re.search(r'<input[^>]*id="unit_price"[^>]*>', page).group(0)
    assert 'value=""' in price_input
    assert "Empty: the product's price." in page


def test_line_with_an_explicit_zero_price_stays_at_zero(admin_client):
    customer = f.customer(name="Acme")
    product = f.product(name="Support hour", price="80")

    f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"product": str(product.id), "quantity": "2", "unit_price": "0"}]))

    line = db.session.execute(db.select(InvoiceLine)).scalar_one()
    assert (line.unit_price, line.gross) == (Decimal("0.00"), Decimal("0.00"))


def test_product_price_lookup_gives_the_price_an_empty_line_takes(admin_client):
    product = f.product(name="Support hour", price="80")

    response = admin_client.get(f"{PRICE_LOOKUP}?id={product.id}")

    assert response.status_code == 200
    assert response.get_json() == {"id": product.id, "price": "80.00"}


def test_product_price_lookup_of_an_unknown_product_is_not_found(admin_client):
    response = admin_client.get(f"{PRICE_LOOKUP}?id=999")

    assert response.status_code == 404
    assert response.get_json() == {"error": "There is no product with id 999."}


def test_product_price_lookup_without_an_id_is_refused(admin_client):
    response = admin_client.get(PRICE_LOOKUP)

    assert response.status_code == 400
    assert "Give the product's id as a number" in response.get_json()["error"]


def test_product_price_lookup_with_an_id_that_is_not_a_number_is_refused(admin_client):
    response = admin_client.get(f"{PRICE_LOOKUP}?id=1%20OR%201")

    assert response.status_code == 400
    assert "Give the product's id as a number" in response.get_json()["error"]


def test_product_price_lookup_with_digits_that_are_not_0_to_9_is_refused(admin_client):
    response = admin_client.get(f"{PRICE_LOOKUP}?id=%C2%B2")   # a superscript two

    assert response.status_code == 400


def test_product_price_lookup_beyond_the_id_range_is_not_found(admin_client):
    response = admin_client.get(f"{PRICE_LOOKUP}?id=99999999999999999999")

    assert response.status_code == 404


def test_product_price_lookup_needs_a_login(client):
    response = client.get(f"{PRICE_LOOKUP}?id=1")

    assert response.status_code == 302
    assert "/login" in response.location


def test_line_without_product_or_price_is_refused(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, NEW, invoice_form(customer, lines=[
        {"description": "Work", "quantity": "1", "unit_price": ""}]))

    assert "Unit price is required (0 or more)." in f.page_text(response)
    assert f.count(Invoice) == 0


def test_site_of_another_customer_is_refused(admin_client):
    customer = f.customer(name="Acme")
    other = f.customer(name="Globex", sites=[f.site("Globex HQ")])

    response = f.submit(admin_client, NEW, {**invoice_form(customer),
                                            "site": str(other.sites[0].id)})

    assert "The site Globex HQ belongs to Globex, not to Acme" in f.page_text(response)
    assert f.count(Invoice) == 0
