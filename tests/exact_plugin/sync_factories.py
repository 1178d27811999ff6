"""Small hand-rolled factories for the syncing tests (redash style, no factory library)."""
from decimal import Decimal

from backoffice.db import db
from backoffice.models import Customer, Invoice, InvoiceLine, Product, Site, Supplier, TaxRate
from exact_plugin import binder
from exact_plugin.models import ExactConnection, IntegrationSettings


def make_company(name="Acme NL", division=None, **settings):
    """An Exact Online company that is not connected (no token): no call can be made."""
    company = ExactConnection(name=name, client_id="not-connected", location="sandbox",
                              division=division, **settings)
    db.session.add(company)
    db.session.flush()
    return company


def enable_integration(default_company=None):
    settings = IntegrationSettings.get()
    settings.enabled = True
    settings.default_connection_id = default_company.id if default_company else None
    db.session.commit()
    return settings


def make_customer(name="Bakery Jansen", accounting_id="4711", city="Utrecht", commit=True):
    customer = Customer(name=name, accounting_id=accounting_id, email="info@jansen.example")
    customer.sites.append(Site(name="Main", is_main=True, address_line1="Dorpsstraat 1",
                               postcode="3511 AA", city=city, country="NL"))
    db.session.add(customer)
    if commit:
        db.session.commit()
    return customer


def make_supplier(name="Paper Supplies BV", accounting_id="9001", commit=True):
    supplier = Supplier(name=name, accounting_id=accounting_id, city="Delft", country="NL")
    db.session.add(supplier)
    if commit:
        db.session.commit()
    return supplier


def make_product(name="Consultancy hour", accounting_id="1001", price="95.00", commit=True,
                 **fields):
    product = Product(name=name, accounting_id=accounting_id, price=Decimal(price),
                      cost=Decimal("40.00"), **fields)
    db.session.add(product)
    if commit:
        db.session.commit()
    return product


def make_tax_rate(name="VAT high", rate="21"):
    tax_rate = TaxRate(name=name, rate=Decimal(rate))
    db.session.add(tax_rate)
    db.session.flush()
    return tax_rate


def map_tax_rate(company, tax_rate, vat_code):
    binding = binder.bind(company.id, "TaxRate", tax_rate.id, exact_code=vat_code,
                          sync_state="synced")
    db.session.commit()
    return binding


def make_invoice(customer, lines, number=None, commit=True):
    """`lines`: [(product, quantity, unit price, tax rate or None)]."""
    with db.session.no_autoflush:
        invoice = Invoice(number=number or Invoice.next_number())
        db.session.add(invoice)
        invoice.customer, invoice.site = customer, customer.main_site
        for product, quantity, unit_price, tax_rate in lines:
            invoice.lines.append(InvoiceLine(
                product=product, description=product.name if product else "Travel costs",
                quantity=Decimal(str(quantity)), unit_price=Decimal(str(unit_price)),
                tax_rate=tax_rate))
    if commit:
        db.session.commit()
    return invoice


def assign(company, record, commit=True):
    """Give a record an Exact Online company (as the form's field does)."""
    from exact_plugin.syncing import outbox
    binder.bind(company.id, type(record).__name__, record.id)
    outbox.mark_for_export(type(record).__name__, record.id)
    if commit:
        db.session.commit()


def binding_of(company, record):
    db.session.expire_all()
    return binder.binding_for_host(company.id, type(record).__name__, record.id)


# Fast retries: the sandbox answers at once, waiting like production would only slow tests.
FAST_RETRIES = {"EXACT_RETRY_WAIT_INITIAL": 0.01, "EXACT_RETRY_WAIT_MAX": 0.02,
                "EXACT_SYNC_BACKOFF": (0.01, 0.01)}
