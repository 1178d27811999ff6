"""A tiny factory module for the host's records, and a helper that submits admin forms."""
import html
from decimal import Decimal

from backoffice.db import db
from backoffice.models import (Customer, GLAccount, Invoice, InvoiceLine, Product, ProductGroup,
                               Site, Supplier, TaxRate, TopLevel)
from tests.conftest import csrf_token_from


def save(*records):
    db.session.add_all(records)
    db.session.commit()
    return records[0] if len(records) == 1 else records


def customer(name="Acme BV", accounting_id=None, sites=(), **fields):
    return save(Customer(name=name, accounting_id=accounting_id, sites=list(sites), **fields))


def site(name="Head office", is_main=False, country="NL", **fields):
    return Site(name=name, is_main=is_main, country=country, **fields)


def supplier(name="Parts Ltd", accounting_id=None, **fields):
    return save(Supplier(name=name, accounting_id=accounting_id, **fields))


def tax_rate(name="VAT high", rate="21"):
    return save(TaxRate(name=name, rate=Decimal(rate)))


def product(name="Support hour", accounting_id=None, price="100", **fields):
    return save(Product(name=name, accounting_id=accounting_id, price=Decimal(price), **fields))


def product_group(name="Services"):
    return save(ProductGroup(name=name))


def gl_account(code="8000", name="Revenue"):
    return save(GLAccount(code=code, name=name))


def top_level(name="Retail"):
    return save(TopLevel(name=name))


def invoice(number="INV-000001", customer_record=None, lines=(), **fields):
    customer_record = customer_record or customer()
    return save(Invoice(number=number, customer=customer_record, lines=list(lines), **fields))


def invoice_line(quantity="1", unit_price="10", tax_rate_record=None, **fields):
    return InvoiceLine(quantity=Decimal(quantity), unit_price=Decimal(unit_price),
                       tax_rate=tax_rate_record, **fields)


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def submit(client, url, data, follow=True):
    """GET the form at `url`, then POST `data` with its CSRF token; returns the response."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def page_text(response):
    """The page's HTML with entities decoded, so messages can be compared as the user reads them."""
    return html.unescape(response.get_data(as_text=True))
