"""What is exported, declared once: host model -> Exact entity, natural key, settings flag.

Adding an exported entity means adding an entry here, a mapper in
exact_plugin/mappers/outbound.py and a builder in exporter.py.
"""
from dataclasses import dataclass

from exact_plugin.entities import entity


@dataclass(frozen=True)
class ExportSpec:
    host_model: str        # host class name, also Binding.host_model
    label: str             # what an admin calls one record
    entity: str            # the entry in exact_plugin/entities.py (endpoint, key, natural key)
    setting: str           # the ExactConnection flag of the guide's "Entities to sync"
    number_field: str      # the Exact field shown as "its Exact number" in messages
    # Exact: Account codes are stored right-aligned in 18 characters (reference §3.4, §9.11)
    padded_key: bool = False

    @property
    def endpoint(self):
        return entity(self.entity).endpoint

    @property
    def key(self):
        return entity(self.entity).key

    @property
    def natural_key(self):
        """Exact: found again by this field after a lost answer (reference §9.7)."""
        return entity(self.entity).natural_key


EXPORTS = {spec.host_model: spec for spec in (
    ExportSpec("Customer", "Customer", "customers", "sync_customers", "Code", padded_key=True),
    ExportSpec("Supplier", "Supplier", "suppliers", "sync_suppliers", "Code", padded_key=True),
    ExportSpec("Product", "Product", "products", "sync_products", "Code"),
    ExportSpec("Invoice", "Invoice", "invoices", "sync_invoices", "InvoiceNumber"),
)}

# Exact: processing (status 50) is done by printing (reference §6.6).
PRINTED_INVOICES = "salesinvoice/PrintedSalesInvoices"
INVOICE_LINES = "salesinvoice/SalesInvoiceLines"

SYNC_STATES = {
    "not_synced": ("Not synced", "secondary"),
    "queued": ("Queued", "info"),
    "synced": ("Synced", "success"),
    "failed": ("Failed", "danger"),
}


def connection_syncs(connection, host_model):
    """Whether this company is set to sync this kind of record (guide: "Entities to sync")."""
    spec = EXPORTS.get(host_model)
    return bool(spec and connection is not None and getattr(connection, spec.setting, False))
