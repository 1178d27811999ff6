"""Small factories for the import tests: Exact records as Exact sends them, host records, and
a run over records staged without a sandbox (for rules that need no HTTP)."""
import uuid

from backoffice.db import db
from backoffice.models import Customer, Site
from exact_plugin.entities import entity
from exact_plugin.importing import runs, staging
from exact_plugin.importing.models import StagedRecord
from exact_plugin.models import Binding, ExactConnection


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


def customer(name, accounting_id=None, accounts_code=None, address="Old street 9"):
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


def binding_of(company, host_model, exact_id):
    return db.session.execute(db.select(Binding).filter_by(
        connection_id=company.id, host_model=host_model, exact_id=exact_id)).scalar_one_or_none()
