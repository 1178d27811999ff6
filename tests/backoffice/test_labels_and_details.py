"""Labels that match the screens (issue 13): readable blank choices, "GL accounts", and an
invoice's details page that shows its lines and totals."""
import re
from decimal import Decimal

from backoffice.db import db
from backoffice.models import Product
from tests import factories as f


def options(page, select_id):
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_blank_choice_of_a_relation_select_reads_none(admin_client):
    page = f.page_text(admin_client.get("/admin/product/new/"))

    assert options(page, "tax_rate")[0] == ("__None", "(none)")


def test_blank_choice_in_a_new_invoice_line_reads_none(admin_client):
    # The inline row template is HTML-escaped inside the page; page_text decodes it.
    page = f.page_text(admin_client.get("/admin/invoice/new/"))

    assert options(page, "tax_rate")[0] == ("__None", "(none)")
    assert ">__None<" not in page


def test_blank_gl_account_type_reads_none(admin_client):
    page = f.page_text(admin_client.get("/admin/glaccount/new/"))

    assert options(page, "type")[0] == ("", "(none)")


def test_product_saved_with_the_blank_tax_rate_has_none(admin_client):
    f.tax_rate("VAT high", "21")

    f.submit(admin_client, "/admin/product/new/", {"name": "Support hour", "price": "80",
                                                   "cost": "0", "tax_rate": "__None"})

    product = db.session.execute(db.select(Product)).scalar_one()
    assert product.tax_rate is None


def test_gl_accounts_read_gl_accounts_in_the_menu_and_the_title(admin_client):
    page = f.page_text(admin_client.get("/admin/glaccount/"))

    assert "<title>Billing - GL accounts - Back office</title>" in page
    assert re.search(r'<a[^>]*href="/admin/glaccount/"[^>]*>\s*GL accounts\s*</a>', page)
    assert not re.search(r"\bGl ", page)


def test_invoice_details_show_its_lines_and_totals(admin_client):
    vat = f.tax_rate("VAT high", "21")
    product = f.product(name="Support hour", price="80")
    invoice = f.invoice(lines=[
        f.invoice_line(quantity="2", unit_price="80", tax_rate_record=vat, product=product),
        f.invoice_line(quantity="1", unit_price="25.50", description="Travel")])

    page = f.page_text(admin_client.get(f"/admin/invoice/details/?id={invoice.id}"))

    lines = re.search(r'<table class="table table-sm invoice-lines.*?</table>', page, re.S).group(0)
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>.*?</tr>", lines)]
    assert rows[1:] == [["Support hour", "", "2", "80.00", "VAT high (21 %)", "160.00", "33.60",
                         "193.60"],
                        ["", "Travel", "1", "25.50", "", "25.50", "0.00", "25.50"]]
    assert invoice.total_gross == Decimal("219.10")
    for label, amount in (("Total excl. tax", "185.50"), ("Tax", "33.60"),
                          ("Total incl. tax", "219.10")):
        assert re.search(rf"<b>{label}</b>\s*</td>\s*<td>\s*{amount}\s*</td>", page), label


def test_invoice_details_of_an_invoice_without_lines_says_so(admin_client):
    invoice = f.invoice()

    page = f.page_text(admin_client.get(f"/admin/invoice/details/?id={invoice.id}"))

    assert re.search(r"<b>Lines</b>\s*</td>\s*<td>\s*No lines.\s*</td>", page)
