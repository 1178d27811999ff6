"""Tax rates (with the guide's removal rule), GL accounts and products, staged then applied."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import (Customer, GLAccount, Invoice, InvoiceLine, Product, ProductGroup,
                               TaxRate)
from exact_plugin.models import Binding, ItemGroupMapping
from tests.factories import (binding_of_exact, exact_gl_account, exact_item,
                             exact_vat_code, guid, import_staged, offline_company,
                             staged)


@pytest.fixture
def company(app):
    return offline_company()


def tax_rate(name, rate="21"):
    record = TaxRate(name=name, rate=Decimal(rate))
    db.session.add(record)
    db.session.commit()
    return record


def names(model):
    return sorted(db.session.execute(select(model.name)).scalars())


def test_tax_rate_import_creates_rates_with_the_exact_code_kept_on_the_mapping(company):
    high = exact_vat_code("2", "BTW hoog", 0.21)
    run = import_staged(company, "tax_rates", [high])
    rate = db.session.execute(select(TaxRate)).scalar_one()
    assert run.created == 1
    assert (rate.name, rate.rate) == ("BTW hoog", Decimal("21.000"))
    assert binding_of_exact(company, "TaxRate", high["ID"]).exact_code == "2"


def test_tax_rate_import_updates_a_rate_with_the_same_name(company):
    existing = tax_rate("BTW hoog", "19")
    run = import_staged(company, "tax_rates", [exact_vat_code("2", "BTW hoog", 0.21)])
    assert (run.matched, run.created) == (1, 0)
    assert db.session.get(TaxRate, existing.id).rate == Decimal("21.000")


def test_tax_rate_import_updates_a_rate_with_the_same_exact_code_from_another_company(company):
    other_company = offline_company("Other company")
    existing = tax_rate("High rate")
    db.session.add(Binding(connection_id=other_company.id, host_model="TaxRate",
                           host_id=existing.id, exact_id=guid(), exact_code="2"))
    db.session.commit()
    run = import_staged(company, "tax_rates", [exact_vat_code("2", "BTW hoog", 0.21)])
    assert (run.matched, run.created) == (1, 0)
    assert names(TaxRate) == ["BTW hoog"]


def test_tax_rate_import_removes_unused_rates_but_keeps_and_lists_those_in_use(company):
    tax_rate("Unused")
    on_invoice = tax_rate("On an invoice")
    on_product = tax_rate("On a product")
    buyer = Customer(name="Buyer")
    invoice = Invoice(number="INV-1", customer=buyer)
    invoice.lines.append(InvoiceLine(description="x", quantity=1, unit_price=1,
                                     tax_rate_id=on_invoice.id))
    db.session.add_all([buyer, invoice, Product(name="P", tax_rate_id=on_product.id)])
    db.session.commit()
    run = import_staged(company, "tax_rates", [exact_vat_code("2", "BTW hoog")])
    assert names(TaxRate) == ["BTW hoog", "On a product", "On an invoice"]
    assert run.note_list == [
        "Removed 1 tax rate(s) not in use by an Exact company: 'Unused'.",
        "Kept tax rate 'On an invoice', not in use by an Exact company, because it is still "
        "used by invoices.",
        "Kept tax rate 'On a product', not in use by an Exact company, because it is still "
        "used by products."]


def test_tax_rate_renamed_in_exact_to_a_name_another_rate_has_fails_alone(company):
    other, high = exact_vat_code("5", "Other"), exact_vat_code("2", "BTW hoog", 0.19)
    import_staged(company, "tax_rates", [other, high])
    run = import_staged(company, "tax_rates", [dict(other, Description="BTW hoog"),
                                               dict(high, Percentage=0.21)])
    assert (run.failed, run.updated) == (1, 1)
    assert names(TaxRate) == ["BTW hoog", "Other"]
    assert "Another tax rate is already named 'BTW hoog'" in \
        staged(company, "tax_rates", other["ID"]).error


def test_gl_accounts_are_created_or_matched_by_code_then_name(company):
    by_code = GLAccount(code="8000", name="Old sales name")
    by_name = GLAccount(code="X1", name="Bank")
    db.session.add_all([by_code, by_name])
    db.session.commit()
    run = import_staged(company, "gl_accounts", [
        exact_gl_account("8000", "Omzet"), exact_gl_account("1100", "Bank", 12),
        exact_gl_account("4000", "Kosten", 120)])
    assert (run.created, run.matched) == (1, 2)
    assert db.session.get(GLAccount, by_code.id).name == "Omzet"
    assert db.session.get(GLAccount, by_name.id).code == "1100"
    assert db.session.execute(select(GLAccount.type).filter_by(code="4000")).scalar() == "expense"


def test_products_take_group_accounts_and_tax_rate_from_their_mappings(company):
    mapped_group, default_group = ProductGroup(name="Hardware"), ProductGroup(name="Imported")
    db.session.add_all([mapped_group, default_group])
    db.session.commit()
    company.default_product_group_id = default_group.id
    group_id = guid()
    db.session.add(ItemGroupMapping(connection_id=company.id, exact_item_group_id=group_id,
                                    product_group_id=mapped_group.id))
    db.session.commit()
    revenue, costs = exact_gl_account("8000", "Omzet"), exact_gl_account("7000", "Inkoop", 111)
    import_staged(company, "gl_accounts", [revenue, costs])
    high = exact_vat_code("2", "BTW hoog")
    import_staged(company, "tax_rates", [high])
    in_group = exact_item("PRD1", "Laptop", ItemGroup=group_id, GLRevenue=revenue["ID"],
                          GLRevenueCode="8000", GLCosts=costs["ID"], GLCostsCode="7000",
                          SalesVatCode="2  ")
    loose = exact_item("SRV1", "Support")
    run = import_staged(company, "products", [in_group, loose])
    laptop = db.session.execute(select(Product).filter_by(code="PRD1")).scalar_one()
    support = db.session.execute(select(Product).filter_by(code="SRV1")).scalar_one()
    assert run.created == 2
    assert (laptop.group_id, laptop.income_account.code, laptop.expense_account.code) == \
        (mapped_group.id, "8000", "7000")
    assert laptop.tax_rate.name == "BTW hoog"
    assert (laptop.accounting_id, laptop.price, laptop.cost) == ("PRD1", Decimal("10.00"),
                                                                 Decimal("2.50"))
    assert support.group_id == default_group.id
    assert support.income_account_id is None
    # Guide: imported products are assigned to the company they came from.
    assert binding_of_exact(company, "Product", in_group["ID"]).host_id == laptop.id


def test_product_import_matches_an_existing_product_by_product_id(company):
    existing = Product(name="Old laptop", code="L-1", accounting_id="PRD1")
    db.session.add(existing)
    db.session.commit()
    run = import_staged(company, "products", [exact_item("PRD1", "Laptop")])
    assert (run.matched, run.created) == (1, 0)
    assert db.session.get(Product, existing.id).name == "Laptop"


def test_item_with_an_overlong_code_fails_alone(company):
    run = import_staged(company, "products", [exact_item("C" * 41, "Long"),
                                              exact_item("OK1", "Fine")])
    assert (run.created, run.failed) == (1, 1)
