"""Suppliers: Exact Accounts with IsSupplier (`crm/Accounts`), sent, not imported (yet)."""
from exact_plugin.entities.customers import ACCOUNT_FIELDS, build_account
from exact_plugin.entities.declaration import ExactEntity, Export
from exact_plugin.mappers import outbound

# Exact: suppliers are Accounts with IsSupplier (reference §6.1).
ENTITY = ExactEntity(
    name="suppliers", plural="suppliers", endpoint="crm/Accounts",
    select=ACCOUNT_FIELDS, host_model="Supplier", name_field="Name",
    exporting=Export(label="Supplier", setting="sync_suppliers",
                     build=build_account(outbound.supplier_payload), padded_key=True,
                     note=outbound.state_note))
