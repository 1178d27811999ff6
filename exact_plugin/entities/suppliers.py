"""Suppliers: Exact Accounts with IsSupplier (`crm/Accounts`), imported and sent.

Exact keeps one Account Code per account whatever its role (a second account with a code in
use is refused: "Gegeven bestaat reeds.", reference §9.7, docs/sandbox.md §Suppliers), while
the back office numbers customers and suppliers separately. So a customer and a supplier with
the same accounting ID would claim one Exact code. The rule: **a supplier's Exact code is 9
followed by its supplier ID in 8 digits** (supplier ID 17 -> 900000017); customers' codes are
their customer ID, and customer IDs in that range (9 digits starting with 9) are refused while
the integration is on. Codes stay numeric, as Account codes are right-aligned numbers in Exact
(reference §3.4, §9.11). A supplier made in Exact with another code keeps that code (its
binding holds it) and is imported with that code as its supplier ID.
"""
from exact_plugin.entities.customers import ACCOUNT_FIELDS
from exact_plugin.entities.declaration import ExactEntity, Export, Import
from exact_plugin.mappers import inbound, outbound

SUPPLIER_CODE_PREFIX = "9"
SUPPLIER_ID_DIGITS = 8
RULE = (f"In Exact Online a supplier's code is {SUPPLIER_CODE_PREFIX} followed by its supplier "
        f"ID in {SUPPLIER_ID_DIGITS} digits (supplier ID 17 becomes 900000017), so it never "
        f"meets a customer's code; supplier IDs have at most {SUPPLIER_ID_DIGITS} digits.")


def exact_code(accounting_id):
    """The Exact Account code of a supplier with this supplier ID."""
    return SUPPLIER_CODE_PREFIX + str(accounting_id).strip().zfill(SUPPLIER_ID_DIGITS)


def host_code(code):
    """The supplier ID an Exact code stands for: without the range, or the code as it is."""
    code = str(code).strip()
    if len(code) == SUPPLIER_ID_DIGITS + 1 and code.startswith(SUPPLIER_CODE_PREFIX) \
            and code.isdigit():
        return str(int(code[1:]))
    return code


def in_supplier_range(code):
    code = str(code or "").strip()
    return len(code) == SUPPLIER_ID_DIGITS + 1 and code.startswith(SUPPLIER_CODE_PREFIX)


def code_problem(supplier):
    if supplier.accounting_id and len(str(supplier.accounting_id).strip()) > SUPPLIER_ID_DIGITS:
        return (f"Supplier ID {supplier.accounting_id} is longer than {SUPPLIER_ID_DIGITS} "
                f"digits. {RULE}")
    return None


def build_supplier(supplier, binding):
    from exact_plugin.errors import LocalValidationError
    from exact_plugin.syncing import validation
    validation.require_accounting_id(supplier, "Supplier")
    problem = code_problem(supplier)
    if problem:
        raise LocalValidationError(f"Supplier cannot be synced to Exact Online: {problem}")
    payload = outbound.supplier_payload(supplier)
    # A supplier already in Exact keeps the code it has there (imported ones included).
    payload["Code"] = (binding.exact_code if binding.exact_id and binding.exact_code
                       else exact_code(supplier.accounting_id))
    return payload


def map_supplier(record):
    return inbound.map_supplier(record, host_code=host_code)


def _view_extension():
    from exact_plugin.ledger.codes import SupplierCodeExtension
    return SupplierCodeExtension


# Exact: suppliers are Accounts with IsSupplier (reference §6.1); the sync endpoint filters
# only on Timestamp (reference §6.7), so the role is checked on our side (`belongs`).
ENTITY = ExactEntity(
    name="suppliers", plural="suppliers", endpoint="crm/Accounts",
    bulk_path="bulk/CRM/Accounts", sync_path="sync/CRM/Accounts",
    select=ACCOUNT_FIELDS, deleted_type=2, host_model="Supplier", name_field="Name",
    webhook_topic="Accounts",
    belongs=inbound.is_supplier,
    importing=Import(model=inbound.Supplier, label="supplier", mapper=map_supplier,
                     code_rule="supplier ID", code_columns=("accounting_id",),
                     host_code=host_code, create_only=("accounting_id",), order=35),
    exporting=Export(label="Supplier", setting="sync_suppliers", build=build_supplier,
                     padded_key=True, view_extension=_view_extension,
                     note=outbound.state_note))
