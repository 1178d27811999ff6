"""The product's Generate button: a product ID for accounting integration not yet used.

Guide, Products: "you can make use of the 'generate' button here. This will check the existing
product IDs in the system and generate a unique one for you." Numeric IDs are continued from
the highest one in use, among host products and items already bound in any company.
"""
from backoffice.db import db
from backoffice.models import Product
from exact_plugin import binder

FIRST_PRODUCT_ID = 1000


def used_product_ids():
    host_ids = db.session.execute(db.select(Product.accounting_id).filter(
        Product.accounting_id.is_not(None))).scalars()
    bound_codes = binder.exact_codes("Product")
    return {code.strip() for code in [*host_ids, *bound_codes] if code and code.strip()}


def generate_product_id():
    used = used_product_ids()
    numbers = [int(code) for code in used if code.isdigit()]
    candidate = max(numbers, default=FIRST_PRODUCT_ID - 1) + 1
    while str(candidate) in used:
        candidate += 1
    return str(candidate)
