"""Entity specs: one declarative entry per Exact entity the plugin reads or writes.

Each entry says where the entity lives in Exact's REST API (paths relative to
`/api/v1/{division}/`), its key, the `$select` list, the natural key used to find a record
again, and the `sync/Deleted` EntityType code. Adding an entity means adding an entry here
and a mapper (exact_plugin/mappers/). Importers and exporters read these entries; no other
module spells an Exact path.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpec:
    name: str                   # our name for it, used in URLs, the CLI and the cursor table
    plural: str                 # what an admin calls them ("customers", "GL accounts")
    endpoint: str               # the plain endpoint, e.g. "crm/Accounts"
    select: tuple               # Exact: $select is mandatory on bulk and sync (reference §3.4)
    key: str = "ID"
    natural_key: str = "Code"   # found again by this field (reference §9.7)
    bulk_path: str | None = None
    sync_path: str | None = None
    # Exact: sync/Deleted EntityType codes (reference §6.7)
    deleted_type: int | None = None
    host_model: str | None = None

    @property
    def label(self):
        """The plural as a heading: "Customers", "GL accounts"."""
        return self.plural[:1].upper() + self.plural[1:]

    @property
    def incremental(self):
        """Read through the sync endpoint, only what changed since the stored Timestamp."""
        return self.sync_path is not None


# Exact: Account fields (reference §6.1).
ACCOUNT_FIELDS = ("ID", "Code", "Name", "Status", "IsSupplier", "Blocked", "AddressLine1",
                  "AddressLine2", "AddressLine3", "Postcode", "City", "State", "Country", "Email",
                  "Phone", "VATNumber")

ENTITIES = {spec.name: spec for spec in (
    # Exact: no bulk or sync endpoint for VATCodes (reference §6.4); a division has few.
    EntitySpec(name="tax_rates", plural="tax rates", endpoint="vat/VATCodes",
               select=("ID", "Code", "Description", "Percentage", "VATTransactionType",
                       "IsBlocked"),
               host_model="TaxRate"),
    EntitySpec(name="gl_accounts", plural="GL accounts", endpoint="financial/GLAccounts",
               bulk_path="bulk/Financial/GLAccounts", sync_path="sync/Financial/GLAccounts",
               select=("ID", "Code", "Description", "Type", "BalanceType", "IsBlocked"),
               deleted_type=7, host_model="GLAccount"),
    # Exact: customers are Accounts with Status C (reference §6.1); the sync endpoint only
    # filters on Timestamp (reference §6.7), so the status is checked on our side.
    EntitySpec(name="customers", plural="customers", endpoint="crm/Accounts",
               bulk_path="bulk/CRM/Accounts", sync_path="sync/CRM/Accounts",
               select=ACCOUNT_FIELDS, deleted_type=2, host_model="Customer"),
    # Exact: ItemGroups are read-only and have no sync endpoint (reference §6.3).
    EntitySpec(name="item_groups", plural="item groups", endpoint="logistics/ItemGroups",
               select=("ID", "Code", "Description", "IsDefault")),
    EntitySpec(name="products", plural="products", endpoint="logistics/Items",
               bulk_path="bulk/Logistics/Items", sync_path="sync/Logistics/Items",
               select=("ID", "Code", "Description", "ExtraDescription", "ItemGroup",
                       "ItemGroupCode", "SalesVatCode", "GLRevenue", "GLRevenueCode", "GLCosts",
                       "GLCostsCode", "CostPriceStandard", "StandardSalesPrice"),
               deleted_type=9, host_model="Product"),
)}

# The entities an admin imports from a list view, in the order their dependencies need:
# products look up tax rates, GL accounts and item groups.
IMPORTABLE = ("tax_rates", "gl_accounts", "customers", "products")


def entity(name):
    """The spec called `name`; KeyError names the known ones."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"Unknown Exact entity {name!r}; known: {', '.join(ENTITIES)}") from None

# Entities only the exporter writes (exact_plugin/syncing/rules.py), added by syncing. They
# are not in IMPORTABLE and have no bulk or sync path, so importers leave them alone.
ENTITIES.update({spec.name: spec for spec in (
    # Exact: suppliers are Accounts with IsSupplier (reference §6.1).
    EntitySpec(name="suppliers", plural="suppliers", endpoint="crm/Accounts",
               select=ACCOUNT_FIELDS, host_model="Supplier"),
    # Exact: key InvoiceID; YourRef carries the back office's number (reference §6.6, §9.7).
    EntitySpec(name="invoices", plural="invoices", endpoint="salesinvoice/SalesInvoices",
               select=("InvoiceID", "InvoiceNumber", "YourRef", "Status", "OrderedBy",
                       "AmountFCExclVat"),
               key="InvoiceID", natural_key="YourRef", deleted_type=13, host_model="Invoice"),
)})
