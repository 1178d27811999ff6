"""Inbound mappers: one Exact record -> the host fields it fills. Pure functions.

Each `map_*` returns a `Mapped`: the host fields, the fields of a related record (a customer's
main site), references the importer must resolve against other tables (an item's group and GL
accounts), and `problems`: sentences an admin can act on. A record with problems is not
written; the import reports it on its row and carries on with the others.
"""
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from backoffice.countries import ISO_COUNTRY_CODES as ISO_COUNTRIES
from backoffice.models import Customer, GLAccount, Product, Site, Supplier, TaxRate

# Exact GLAccount.Type codes (reference §6.5) -> the host's account type.
INCOME_TYPES = frozenset({110, 140, 160})
EXPENSE_TYPES = frozenset({111, 120, 121, 122, 123, 125, 126, 130, 150})

# Exact: Accounts with Status C are customers (reference §6.1).
CUSTOMER_STATUS = "C"

# Fields that change with every read without the record changing; left out of the hash.
VOLATILE_FIELDS = ("__metadata", "Timestamp")


@dataclass
class Mapped:
    fields: dict
    site: dict = field(default_factory=dict)
    refs: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


def text(value):
    """Exact pads fixed-width codes with spaces (reference §3.2): compare and store them trimmed."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def record_json(record):
    """The record as stored (without what changes on every read) and its fingerprint."""
    stable = {key: value for key, value in record.items() if key not in VOLATILE_FIELDS}
    data = json.dumps(stable, sort_keys=True, default=str)
    return data, hashlib.sha256(data.encode()).hexdigest()


def record_hash(record):
    """A stable fingerprint of what Exact sent, to tell "changed" from "read again"."""
    return record_json(record)[1]


def is_customer(record):
    return text(record.get("Status")) == CUSTOMER_STATUS


def is_supplier(record):
    """Exact: suppliers are Accounts with IsSupplier (reference §6.1)."""
    return record.get("IsSupplier") is True


@lru_cache(maxsize=None)
def _column_lengths(table):
    return {column.name: getattr(column.type, "length", None) for column in table.columns}


def _length_problems(table, values, labels):
    """A sentence per value longer than its host column allows."""
    problems = []
    lengths = _column_lengths(table)
    for name, value in values.items():
        limit = lengths[name]
        if value is not None and limit and len(value) > limit:
            problems.append(f"{labels[name]} is {len(value)} characters long; the back office "
                            f"takes at most {limit}. Shorten it in Exact and import again.")
    return problems


def _money(value, label, problems):
    if value in (None, ""):
        return Decimal(0)
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        problems.append(f"{label} {value!r} is not a number.")
        return Decimal(0)
    if amount < 0:
        problems.append(f"{label} {amount} is negative; the back office needs 0 or more.")
    return amount


def _required_name(value, what):
    return [] if value else [f"The {what} has no name in Exact. Give it one in Exact and "
                             "import again."]


CUSTOMER_LABELS = {"name": "Name", "accounts_code": "Code", "email": "Email", "phone": "Phone",
                   "vat_number": "VAT number"}
SITE_LABELS = {"address_line1": "Address line 1", "address_line2": "Address line 2",
               "address_line3": "Address line 3", "city": "City", "postcode": "Postcode",
               "state": "State", "country": "Country"}


def map_customer(record):
    """An Exact Account (Status C) -> customer fields and its main site's address."""
    code = text(record.get("Code"))
    fields = {"name": text(record.get("Name")), "accounts_code": code,
              "email": text(record.get("Email")), "phone": text(record.get("Phone")),
              "vat_number": text(record.get("VATNumber"))}
    site = {"address_line1": text(record.get("AddressLine1")),
            "address_line2": text(record.get("AddressLine2")),
            "address_line3": text(record.get("AddressLine3")),
            "city": text(record.get("City")), "postcode": text(record.get("Postcode")),
            "state": text(record.get("State")), "country": text(record.get("Country"))}
    problems = _required_name(fields["name"], "customer")
    problems += _length_problems(Customer.__table__, fields, CUSTOMER_LABELS)
    country_problems = _country_problems(site["country"])
    site["country"] = site["country"].upper() if site["country"] and not country_problems \
        else None
    problems += country_problems + _length_problems(Site.__table__, site, SITE_LABELS)
    # The "customer ID for accounting integration" is the numeric Exact code (DESIGN.md).
    if code and code.isdigit() and len(code) <= 18:
        fields["accounting_id"] = code
    return Mapped(fields=fields, site=site, problems=problems)


SUPPLIER_LABELS = {"name": "Name", "email": "Email", "phone": "Phone", "vat_number": "VAT number",
                   "address_line1": "Address line 1", "address_line2": "Address line 2",
                   "city": "City", "postcode": "Postcode", "country": "Country"}


def map_supplier(record, host_code=None):
    """An Exact Account with IsSupplier -> supplier fields (its address is on the supplier).

    `host_code(code)`: the supplier ID for accounting integration an Exact code stands for
    (suppliers' codes have their own range in Exact, exact_plugin/entities/suppliers.py)."""
    code = text(record.get("Code"))
    fields = {"name": text(record.get("Name")), "email": text(record.get("Email")),
              "phone": text(record.get("Phone")), "vat_number": text(record.get("VATNumber")),
              "address_line1": text(record.get("AddressLine1")),
              "address_line2": text(record.get("AddressLine2")),
              "city": text(record.get("City")), "postcode": text(record.get("Postcode")),
              "country": text(record.get("Country"))}
    problems = _required_name(fields["name"], "supplier")
    country_problems = _country_problems(fields["country"])
    fields["country"] = fields["country"].upper() if fields["country"] and not country_problems \
        else None
    problems += country_problems + _length_problems(Supplier.__table__, fields, SUPPLIER_LABELS)
    accounting_id = host_code(code) if host_code and code else code
    if accounting_id and accounting_id.isdigit() and len(accounting_id) <= 18:
        fields["accounting_id"] = accounting_id
    return Mapped(fields=fields, problems=problems)


def _country_problems(country):
    if country and country.upper() not in ISO_COUNTRIES:
        return [f"Country {country!r} is not an ISO country code the back office knows. "
                "Correct the country in Exact and import again."]
    return []


def map_product(record):
    """An Exact Item -> product fields, plus references to resolve (group, GL accounts, VAT)."""
    code = text(record.get("Code"))
    problems = []
    fields = {"name": text(record.get("Description")), "code": code, "accounting_id": code,
              "price": _money(record.get("StandardSalesPrice"), "Sales price", problems),
              "cost": _money(record.get("CostPriceStandard"), "Cost price", problems)}
    if "StandardSalesPrice" not in record:
        del fields["price"]  # not read (the sync feed has no price): keep the one here
    problems = _required_name(fields["name"], "item") + problems
    problems += _length_problems(Product.__table__, {k: fields[k] for k in
                                                     ("name", "code", "accounting_id")},
                                 {"name": "Description", "code": "Code",
                                  "accounting_id": "Code"})
    refs = {"item_group": text(record.get("ItemGroup")),
            "revenue_account": (text(record.get("GLRevenue")), text(record.get("GLRevenueCode"))),
            "cost_account": (text(record.get("GLCosts")), text(record.get("GLCostsCode"))),
            "vat_code": text(record.get("SalesVatCode"))}
    return Mapped(fields=fields, refs=refs, problems=_unique(problems))


def _unique(problems):
    return list(dict.fromkeys(problems))


def gl_account_type(record):
    if text(record.get("BalanceType")) == "B":
        return "balance"
    try:
        exact_type = int(record.get("Type"))
    except (TypeError, ValueError):
        return None
    if exact_type in INCOME_TYPES:
        return "income"
    if exact_type in EXPENSE_TYPES:
        return "expense"
    return None


def map_gl_account(record):
    """An Exact GLAccount -> account code fields."""
    fields = {"code": text(record.get("Code")), "name": text(record.get("Description")),
              "type": gl_account_type(record)}
    problems = [] if fields["code"] else ["The GL account has no code in Exact."]
    problems += _required_name(fields["name"], "GL account")
    problems += _length_problems(GLAccount.__table__, {"code": fields["code"],
                                                       "name": fields["name"]},
                                 {"code": "Code", "name": "Description"})
    return Mapped(fields=fields, problems=problems)


def vat_percentage(value):
    """Exact's VAT percentage as the host's percent (21.000).

    Exact: VATCodes.Percentage is presumed a fraction (0.21), not verified (reference §6.4,
    §10); a value above 1 can only be a percent already, so it is taken as is.
    """
    if value in (None, ""):
        return Decimal(0)
    number = Decimal(str(value))
    return (number * 100 if number <= 1 else number).quantize(Decimal("0.001"))


def map_tax_rate(record):
    """An Exact VATCode -> tax rate fields. The Exact code itself lives on the binding."""
    problems = []
    try:
        rate = vat_percentage(record.get("Percentage"))
    except InvalidOperation:
        rate = Decimal(0)
        problems.append(f"Percentage {record.get('Percentage')!r} is not a number.")
    if not Decimal(0) <= rate <= Decimal(100):
        problems.append(f"Percentage {rate} is outside 0-100.")
    fields = {"name": text(record.get("Description")), "rate": rate}
    problems = _required_name(fields["name"], "VAT code") + problems
    problems += _length_problems(TaxRate.__table__, {"name": fields["name"]},
                                 {"name": "Description"})
    return Mapped(fields=fields, problems=problems)
