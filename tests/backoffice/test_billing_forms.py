"""Products, product groups, tax rates and GL accounts: bad input refused, nothing written."""
from backoffice.db import db
from backoffice.models import GLAccount, Product, ProductGroup, TaxRate, TopLevel
from tests import factories as f


def test_product_is_created_with_its_accounting_id(admin_client):
    group = f.product_group("Services")

    response = f.submit(admin_client, "/admin/product/new/", {
        "name": "Support hour", "group": str(group.id), "price": "95.50", "cost": "40",
        "accounting_id": " SUP-1 "})

    assert "Record was successfully created." in f.page_text(response)
    product = db.session.execute(db.select(Product)).scalar_one()
    assert (product.accounting_id, str(product.price), product.group.name) == (
        "SUP-1", "95.50", "Services")


def test_duplicate_product_accounting_id_is_refused(admin_client):
    f.product(name="Support hour", accounting_id="SUP-1")

    response = f.submit(admin_client, "/admin/product/new/", {
        "name": "Other", "price": "1", "cost": "0", "accounting_id": "SUP-1"})

    assert "Another product already has product ID for accounting integration SUP-1." \
        in f.page_text(response)
    assert f.count(Product) == 1


def test_negative_product_price_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/product/new/", {
        "name": "Refund", "price": "-5", "cost": "0"})

    assert "Price cannot be negative." in f.page_text(response)
    assert f.count(Product) == 0


def test_negative_product_cost_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/product/new/", {
        "name": "Refund", "price": "5", "cost": "-1"})

    assert "Cost cannot be negative." in f.page_text(response)
    assert f.count(Product) == 0


def test_product_price_that_is_not_a_number_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/product/new/", {
        "name": "Support", "price": "ten", "cost": "0"})

    assert "Not a valid decimal value." in f.page_text(response)
    assert f.count(Product) == 0


def test_tax_rate_above_100_percent_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/taxrate/new/", {"name": "Wrong", "rate": "121"})

    assert "A tax rate is a percentage between 0 and 100, not 121." in f.page_text(response)
    assert f.count(TaxRate) == 0


def test_negative_tax_rate_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/taxrate/new/", {"name": "Wrong", "rate": "-1"})

    assert "A tax rate is a percentage between 0 and 100, not -1." in f.page_text(response)
    assert f.count(TaxRate) == 0


def test_duplicate_tax_rate_name_is_refused(admin_client):
    f.tax_rate("VAT high", "21")

    response = f.submit(admin_client, "/admin/taxrate/new/", {"name": "VAT high", "rate": "9"})

    assert "A tax rate named VAT high already exists." in f.page_text(response)
    assert f.count(TaxRate) == 1


def test_duplicate_account_code_is_refused(admin_client):
    f.gl_account("8000", "Revenue")

    response = f.submit(admin_client, "/admin/glaccount/new/", {"code": "8000", "name": "Other",
                                                                "type": "income"})

    assert "Account code 8000 already exists." in f.page_text(response)
    assert f.count(GLAccount) == 1


def test_duplicate_product_group_name_is_refused(admin_client):
    f.product_group("Services")

    response = f.submit(admin_client, "/admin/productgroup/new/", {"name": "Services"})

    assert "A product group named Services already exists." in f.page_text(response)
    assert f.count(ProductGroup) == 1


def test_duplicate_top_level_name_is_refused(admin_client):
    f.top_level("Retail")

    response = f.submit(admin_client, "/admin/toplevel/new/", {"name": "Retail"})

    assert "A top level named Retail already exists." in f.page_text(response)
    assert f.count(TopLevel) == 1


def test_product_screens_use_the_users_words(admin_client):
    page = f.page_text(admin_client.get("/admin/product/new/"))

    assert "Product ID for accounting integration" in page
