"""Receivables: what Exact says is still owed on each processed sales invoice (read only).

Exact creates a receivable when an invoice is processed and splits it when part is paid; the
payment status of the back office's invoices is read from them (exact_plugin/ledger/payments.py).
Not imported as host records: there is no host model, only the plugin's payment status.
"""
from exact_plugin.entities.declaration import ExactEntity

# Exact: cashflow/Receivables and bulk/Cashflow/Receivables (reference §6.8; picqer
# Receivable.php, pisys Cashflow/Receivables.php). Status 20 open, 50 matched (pisys); a partly
# paid receivable is split in rows with their own EntryID (picqer/pisys EntryID text), so an
# invoice's outstanding amount is the sum of its open rows. No sync endpoint (reference §6.7),
# and the bulk form filters only on a few fields (pisys Bulk/Cashflow/Receivables.php).
ENTITY = ExactEntity(
    name="receivables", plural="receivables", endpoint="cashflow/Receivables",
    bulk_path="bulk/Cashflow/Receivables", key="ID", natural_key="InvoiceNumber",
    select=("ID", "InvoiceNumber", "Journal", "YourRef", "AmountDC", "TransactionAmountDC",
            "Status", "IsFullyPaid", "LastPaymentDate", "EndDate", "TransactionType"),
    name_field="Description")
