"""The one factory module of the suite (redash style, no factory library): the host's records
and a helper that submits admin forms; Exact records as Exact sends them and import runs over
staged records (no HTTP); Exact companies, assignments and bindings for the sync tests."""
import html
import uuid
from decimal import Decimal

from backoffice.db import db
from backoffice.models import (Customer, GLAccount, Invoice, InvoiceLine, Product, ProductGroup,
                               Site, Supplier, TaxRate, TopLevel)
from exact_plugin import binder
from exact_plugin.entities import entity
from exact_plugin.importing import runs, staging
from exact_plugin.importing.models import StagedRecord
from exact_plugin.models import Binding, ExactConnection, IntegrationSettings
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


# -- Exact records as Exact sends them; imports over staged records ------------------------

def guid():
    return str(uuid.uuid4())


def exact_account(name="Acme BV", code=None, **fields):
    """A crm/Accounts record the way Exact returns it (Code padded to 18, Country to 3)."""
    record = {"ID": guid(), "Code": f"{code:>18}" if code is not None else None, "Name": name,
              "Status": "C", "AddressLine1": "Main street 1", "Postcode": "1011 AA",
              "City": "Amsterdam", "Country": "NL ", "Email": None, "Phone": None,
              "VATNumber": None, "Timestamp": 1}
    record.update(fields)
    return record


def exact_item(code, description="Widget", **fields):
    record = {"ID": guid(), "Code": code, "Description": description, "ItemGroup": None,
              "SalesVatCode": None, "GLRevenue": None, "GLRevenueCode": None, "GLCosts": None,
              "GLCostsCode": None, "CostPriceStandard": 2.5, "StandardSalesPrice": 10,
              "Timestamp": 1}
    record.update(fields)
    return record


def exact_vat_code(code, description, percentage=0.21):
    return {"ID": guid(), "Code": f"{code:<3}", "Description": description,
            "Percentage": percentage, "VATTransactionType": "S", "IsBlocked": False}


def exact_gl_account(code, description, type_=110):
    return {"ID": guid(), "Code": code, "Description": description, "Type": type_,
            "BalanceType": "W", "IsBlocked": False, "Timestamp": 1}


def offline_company(name="Offline company", division=None):
    """A company row to stage records under, for tests that call no API."""
    company = ExactConnection(name=name, location="sandbox", client_id=guid(),
                              division=division)
    db.session.add(company)
    db.session.commit()
    return company


def import_staged(company, entity_name, records):
    """Stage `records` as if just read from Exact, then apply them; returns the finished run."""
    staging.stage_page(company.id, entity(entity_name), records)
    run = runs.new_run(company.id, entity_name, auto_apply=True)
    run_id = run.id
    runs.apply_run(run)
    db.session.expire_all()
    return db.session.get(runs.ImportRun, run_id)


def customer_with_main_site(name, accounting_id=None, accounts_code=None, address="Old street 9"):
    record = Customer(name=name, accounting_id=accounting_id, accounts_code=accounts_code)
    record.sites.append(Site(name="Main", is_main=True, address_line1=address, city="Utrecht",
                             country="NL"))
    db.session.add(record)
    db.session.commit()
    return record


def map_customer(company, host_customer, exact_record):
    db.session.add(Binding(connection_id=company.id, host_model="Customer",
                           host_id=host_customer.id, exact_id=exact_record["ID"],
                           exact_code=(exact_record.get("Code") or "").strip() or None))
    db.session.commit()


def staged(company, entity_name, exact_id):
    return db.session.execute(db.select(StagedRecord).filter_by(
        connection_id=company.id, entity=entity_name, exact_id=exact_id)).scalar_one()


def binding_of_exact(company, host_model, exact_id):
    return db.session.execute(db.select(Binding).filter_by(
        connection_id=company.id, host_model=host_model, exact_id=exact_id)).scalar_one_or_none()


# -- Exact companies and bindings for the sync tests ----------------------------------------

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
FAST_RETRIES = {"EXACT_RETRY_WAIT_INITIAL": 0.01, "EXACT_RETRY_WAIT_MAX": 0.02}
