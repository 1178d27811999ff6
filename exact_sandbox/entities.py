"""Declarative description of every Exact entity the sandbox serves.

One ``Entity`` per entity set: its URL path, key, properties, which of them are
read-only, mandatory, references to other entities, padding and so on.  The
REST layer, the validation rules and the browser view are all driven by this
table, so adding an entity is adding an entry here (docs/sandbox.md §Entities).
"""
from dataclasses import dataclass, field

from .fieldsets import SYNC_ACCOUNTS, SYNC_GL_ACCOUNTS, SYNC_ITEMS, SYNC_SALES_INVOICES

AUDIT = ("Created", "Creator", "CreatorFullName", "Modified", "Modifier", "ModifierFullName", "Division")


@dataclass(frozen=True)
class Reference:
    """A property pointing at another entity: by its key or by its Code."""

    target: str            # storage name of the referenced entity
    by: str = "ID"         # "ID" (guid) or "Code"


@dataclass(frozen=True)
class Entity:
    name: str                          # entity set name, also the storage name
    path: str                          # "crm/Accounts" (relative to /api/v1/{division}/)
    model: str                         # __metadata type suffix
    fields: tuple                      # every property, in output order
    key: str = "ID"
    read_only: frozenset = frozenset()
    mandatory: tuple = ()
    references: dict = field(default_factory=dict)
    dates: frozenset = frozenset()
    # Exact: fixed-width codes come back padded (reference §3.2); ("r"ight-aligned | "l"eft-aligned, width)
    padded: dict = field(default_factory=dict)
    unique: tuple = ()
    fixed_on_update: tuple = ()        # properties a PUT may not name at all (500 "Gegeven bestaat reeds.")
    max_length: dict = field(default_factory=dict)
    methods: frozenset = frozenset({"GET", "POST", "PUT", "DELETE"})
    # Exact: plain and bulk endpoints with a sync counterpart refuse a list GET without
    # $filter (reference §3.4, kb-copy "API limits")
    mandatory_filter: bool = False
    deferred: tuple = ()
    deleted_type: int | None = None    # sync/Deleted EntityType (reference §6.7)
    topic: str | None = None           # webhook topic (reference §8)
    storage: str | None = None         # storage name when it differs from ``name``

    @property
    def stored_as(self) -> str:
        return self.storage or self.name


GET_ONLY = frozenset({"GET"})


def documented_extras(declared: tuple, documented: tuple) -> tuple:
    """Documented properties the sandbox does not model: served as null, ignored on writes.

    Exact's plain entities have (at least) the properties of their sync feed but Timestamp
    (picqer Account.php / Item.php / GLAccount.php list the same names), so a $select of one
    of them must not be a 400 in the sandbox when Exact would serve it.
    """
    return tuple(name for name in documented if name not in declared and name != "Timestamp")


ACCOUNT_FIELDS = ("ID", "Code", "Name", "Status", "Type", "IsSupplier", "IsSales", "IsPurchase", "Blocked",
                  "AddressLine1", "AddressLine2", "AddressLine3", "Postcode", "City", "State", "Country",
                  "CountryName", "Email", "Phone", "PhoneExtension", "Fax", "Website", "VATNumber",
                  "ChamberOfCommerce", "Language", "LanguageDescription", "SalesVATCode", "PurchaseVATCode",
                  "PaymentConditionSales", "PaymentConditionPurchase", "DiscountSales", "CreditLineSales",
                  "InvoicingMethod", "IsReseller", "IsAccountant", "IsCompetitor", "GLAccountSales", "GLAR", "GLAP",
                  "MainContact", "Parent", "InvoiceAccount", "SearchCode", "Remarks", "StartDate", "EndDate",
                  "StatusSince", "CustomerSince", "LogoUrl", "Currency") + AUDIT
ACCOUNT_EXTRAS = documented_extras(ACCOUNT_FIELDS + ("BankAccounts",), SYNC_ACCOUNTS)
ITEM_FIELDS = ("ID", "Code", "Description", "ExtraDescription", "ItemGroup", "ItemGroupCode", "ItemGroupDescription",
               "SalesVatCode", "SalesVatCodeDescription", "GLRevenue", "GLRevenueCode", "GLRevenueDescription",
               "GLCosts", "GLCostsCode", "GLCostsDescription", "CostPriceStandard", "StandardSalesPrice",
               "CostPriceNew", "AverageCost", "CostPriceCurrency", "Unit", "UnitDescription", "UnitType",
               "IsSalesItem", "IsPurchaseItem", "IsStockItem", "IsFractionAllowedItem", "IsSerialItem",
               "IsBatchItem", "IsMakeItem", "IsWebshopItem", "IsTime", "Stock", "GrossWeight", "NetWeight",
               "Barcode", "SearchCode", "Notes", "PictureUrl", "StartDate", "EndDate") + AUDIT
ITEM_EXTRAS = documented_extras(ITEM_FIELDS, SYNC_ITEMS)
GL_ACCOUNT_FIELDS = ("ID", "Code", "Description", "Type", "TypeDescription", "BalanceSide", "BalanceType", "VATCode",
                     "IsBlocked", "SearchCode") + AUDIT
GL_ACCOUNT_EXTRAS = documented_extras(GL_ACCOUNT_FIELDS, SYNC_GL_ACCOUNTS)

ACCOUNTS = Entity(
    name="Accounts", path="crm/Accounts", model="Account",
    fields=ACCOUNT_FIELDS + ACCOUNT_EXTRAS,
    # Exact: read-only fields are silently ignored on POST/PUT (reference §6.1, §9.12)
    read_only=frozenset({"ID", "IsSales", "IsPurchase", "Type", "CountryName", "Currency", "LanguageDescription",
                         "StatusSince", "CustomerSince", "LogoUrl", *AUDIT, *ACCOUNT_EXTRAS}),
    mandatory=("Name",),
    references={"SalesVATCode": Reference("VATCodes", "Code"), "PurchaseVATCode": Reference("VATCodes", "Code")},
    dates=frozenset({"StartDate", "EndDate", "StatusSince", "CustomerSince", "Created", "Modified"}),
    padded={"Code": ("r", 18), "Country": ("l", 3), "Language": ("l", 10),
            "SalesVATCode": ("l", 3), "PurchaseVATCode": ("l", 3)},
    # Exact: Code in a PUT is refused even when unchanged (picqer#432, reference §6.1)
    unique=("Code",), fixed_on_update=("Code",),
    mandatory_filter=True, deferred=("BankAccounts",), deleted_type=2, topic="Accounts",
)

ITEMS = Entity(
    name="Items", path="logistics/Items", model="Item",
    fields=ITEM_FIELDS + ITEM_EXTRAS,
    # Exact: StandardSalesPrice is read-only over the API (reference §6.2); the control
    # endpoint /_sandbox/records can set it.
    read_only=frozenset({"ID", "ItemGroupCode", "ItemGroupDescription", "SalesVatCodeDescription",
                         "GLRevenueCode", "GLRevenueDescription", "GLCostsCode", "GLCostsDescription",
                         "StandardSalesPrice", "UnitDescription", "UnitType", "Stock", "PictureUrl", *AUDIT,
                         *ITEM_EXTRAS}),
    mandatory=("Code", "Description"),
    references={"ItemGroup": Reference("ItemGroups"), "GLRevenue": Reference("GLAccounts"),
                "GLCosts": Reference("GLAccounts"), "SalesVatCode": Reference("VATCodes", "Code"),
                "Unit": Reference("Units", "Code")},
    dates=frozenset({"StartDate", "EndDate", "Created", "Modified"}),
    padded={"SalesVatCode": ("l", 3)},
    # Exact: Description ≤ 60, ExtraDescription ≤ 255 (reference §6.2)
    # Sandbox choice: Code in a PUT refused as for Accounts (reference silent for Items; the stricter)
    unique=("Code",), fixed_on_update=("Code",), max_length={"Description": 60, "ExtraDescription": 255},
    mandatory_filter=True, deleted_type=9, topic="Items",
)

ITEM_GROUPS = Entity(
    name="ItemGroups", path="logistics/ItemGroups", model="ItemGroup",
    fields=("ID", "Code", "Description", "IsDefault", "GLRevenue", "GLRevenueCode", "GLCosts", "GLCostsCode",
            "GLStock", "Notes") + AUDIT,
    dates=frozenset({"Created", "Modified"}), methods=GET_ONLY,
)

UNITS = Entity(
    name="Units", path="logistics/Units", model="Unit",
    fields=("ID", "Code", "Description", "Active", "Main", "Type", "TimeUnit", "Division"),
    methods=GET_ONLY,
)

VAT_CODES = Entity(
    name="VATCodes", path="vat/VATCodes", model="VATCode",
    fields=("ID", "Code", "Description", "Type", "VATTransactionType", "Percentage", "GLToPay", "GLToClaim",
            "IsBlocked", "Charged", "EUSalesListing", "LegalText") + AUDIT,
    # Exact: Percentage is read-only (reference §6.4)
    read_only=frozenset({"ID", "Percentage", *AUDIT}),
    mandatory=("Code", "Description"),
    dates=frozenset({"Created", "Modified"}), padded={"Code": ("l", 3)}, unique=("Code",),
    max_length={"Code": 3}, deferred=("VATPercentages",),
)

GL_ACCOUNTS = Entity(
    name="GLAccounts", path="financial/GLAccounts", model="GLAccount",
    fields=GL_ACCOUNT_FIELDS + GL_ACCOUNT_EXTRAS,
    read_only=frozenset({"ID", "TypeDescription", *AUDIT, *GL_ACCOUNT_EXTRAS}),
    mandatory=("Code", "Description"),
    references={"VATCode": Reference("VATCodes", "Code")},
    dates=frozenset({"Created", "Modified"}), padded={"VATCode": ("l", 3)}, unique=("Code",),
    # Exact: the webhook topic name for GLAccounts is unverified (reference §8): no topic, subscriptions refused
    mandatory_filter=True, deleted_type=7,
)

JOURNALS = Entity(
    name="Journals", path="financial/Journals", model="Journal",
    fields=("ID", "Code", "Description", "Type", "GLAccount", "Currency") + AUDIT,
    read_only=frozenset({"ID", *AUDIT}),
    mandatory=("Code", "Description", "Type"),
    references={"GLAccount": Reference("GLAccounts")},
    dates=frozenset({"Created", "Modified"}), unique=("Code",),
)

SALES_INVOICES = Entity(
    name="SalesInvoices", path="salesinvoice/SalesInvoices", model="SalesInvoice", key="InvoiceID",
    fields=("InvoiceID", "InvoiceNumber", "InvoiceDate", "OrderDate", "DueDate", "OrderedBy", "OrderedByName",
            "InvoiceTo", "InvoiceToName", "DeliverTo", "DeliverToName", "Journal", "JournalDescription",
            "Currency", "Description", "YourRef", "OrderNumber", "PaymentCondition", "PaymentReference",
            "PaymentConditionDescription", "Remarks", "Type", "TypeDescription", "Status", "StatusDescription",
            "AmountFC", "AmountFCExclVat", "VATAmountFC", "AmountDC", "VATAmountDC", "Discount", "DiscountType",
            "OrderedByContactPerson", "InvoiceToContactPerson", "DeliverToContactPerson", "Salesperson",
            "ShippingMethod", "SelectionCode", "Warehouse", "Document", "DocumentNumber") + AUDIT,
    # Exact: InvoiceNumber, Status and the amounts are read-only (reference §6.6, §7)
    read_only=frozenset({"InvoiceID", "InvoiceNumber", "InvoiceDate", "Status", "StatusDescription", "AmountFC",
                         "AmountFCExclVat", "VATAmountFC", "AmountDC", "VATAmountDC", "OrderedByName",
                         "InvoiceToName", "DeliverToName", "JournalDescription", "TypeDescription",
                         "PaymentConditionDescription", "DiscountType", "DocumentNumber", *AUDIT}),
    mandatory=("OrderedBy",),
    references={"OrderedBy": Reference("Accounts"), "InvoiceTo": Reference("Accounts"),
                "DeliverTo": Reference("Accounts")},
    dates=frozenset({"InvoiceDate", "OrderDate", "DueDate", "Created", "Modified"}),
    max_length={"Description": 60}, mandatory_filter=True,
    deferred=("SalesInvoiceLines",), deleted_type=13, topic="SalesInvoices",
)

SALES_INVOICE_LINES = Entity(
    name="SalesInvoiceLines", path="salesinvoice/SalesInvoiceLines", model="SalesInvoiceLine",
    fields=("ID", "InvoiceID", "LineNumber", "Item", "ItemCode", "ItemDescription", "Description", "Quantity",
            "UnitPrice", "NetPrice", "Discount", "AmountFC", "AmountDC", "VATCode", "VATCodeDescription",
            "VATPercentage", "VATAmountFC", "VATAmountDC", "UnitCode", "GLAccount", "GLAccountCode",
            "GLAccountDescription", "UnitDescription", "CostCenter", "CostUnit", "Project", "Employee", "Pricelist",
            "DeliveryDate", "StartTime", "EndTime", "Notes", "Division"),
    read_only=frozenset({"ID", "LineNumber", "ItemCode", "ItemDescription", "VATCodeDescription", "AmountDC",
                         "UnitDescription",
                         "VATAmountDC", "GLAccountCode", "GLAccountDescription", "Division"}),
    mandatory=("InvoiceID", "Item"),
    references={"Item": Reference("Items"), "VATCode": Reference("VATCodes", "Code"),
                "GLAccount": Reference("GLAccounts"), "InvoiceID": Reference("SalesInvoices", "InvoiceID")},
    dates=frozenset({"DeliveryDate", "StartTime", "EndTime"}), padded={"VATCode": ("l", 3)},
    # its sync counterpart is sync/SalesInvoice/SalesInvoices, which carries the lines (reference §6.7)
    mandatory_filter=True,
)

WEBHOOK_SUBSCRIPTIONS = Entity(
    name="WebhookSubscriptions", path="webhooks/WebhookSubscriptions", model="WebhookSubscription",
    fields=("ID", "CallbackURL", "Topic", "ClientID", "UserID", "Description", "Division", "IsInstant",
            "Created", "Creator", "CreatorFullName"),
    read_only=frozenset({"ID", "ClientID", "UserID", "Division", "Created", "Creator", "CreatorFullName"}),
    mandatory=("CallbackURL", "Topic"), dates=frozenset({"Created"}),
    # Exact: subscriptions cannot be updated (reference §8)
    methods=frozenset({"GET", "POST", "DELETE"}),
)

# picqer Receivable.php (Exact page CashflowReceivables) plus AccountCountry and OrderNumber (pisys
# Cashflow/Receivables.php, scraped 2025)
RECEIVABLE_FIELDS = (
    "ID", "Account", "AccountBankAccountID", "AccountBankAccountNumber", "AccountCode", "AccountContact",
    "AccountContactName", "AccountCountry", "AccountName", "AmountDC", "AmountDiscountDC", "AmountDiscountFC",
    "AmountFC", "BankAccountID", "BankAccountNumber", "CashflowTransactionBatchCode", "Created", "Creator",
    "CreatorFullName", "Currency", "Description", "DirectDebitMandate", "DirectDebitMandateDescription",
    "DirectDebitMandatePaymentType", "DirectDebitMandateReference", "DirectDebitMandateType", "DiscountDueDate",
    "Division", "Document", "DocumentNumber", "DocumentSubject", "DueDate", "EndDate", "EndPeriod", "EndToEndID",
    "EndYear", "EntryDate", "EntryID", "EntryNumber", "GLAccount", "GLAccountCode", "GLAccountDescription",
    "InvoiceDate", "InvoiceNumber", "IsBatchBooking", "IsFullyPaid", "Journal", "JournalDescription",
    "LastPaymentDate", "Modified", "Modifier", "ModifierFullName", "OrderNumber", "PaymentCondition",
    "PaymentConditionDescription", "PaymentDays", "PaymentDaysDiscount", "PaymentDiscountPercentage",
    "PaymentInformationID", "PaymentMethod", "PaymentReference", "RateFC", "ReceivableBatchNumber",
    "ReceivableSelected", "ReceivableSelector", "ReceivableSelectorFullName", "Source", "Status",
    "TransactionAmountDC", "TransactionAmountFC", "TransactionDueDate", "TransactionEntryID", "TransactionID",
    "TransactionIsReversal", "TransactionReportingPeriod", "TransactionReportingYear", "TransactionStatus",
    "TransactionType", "YourRef",
)

RECEIVABLES = Entity(
    name="Receivables", path="cashflow/Receivables", model="Receivable",
    fields=RECEIVABLE_FIELDS, read_only=frozenset(RECEIVABLE_FIELDS),
    dates=frozenset({"Created", "Modified", "DiscountDueDate", "DueDate", "EndDate", "EntryDate", "InvoiceDate",
                     "LastPaymentDate", "ReceivableSelected", "TransactionDueDate"}),
    # Exact also allows PUT of Description, PaymentMethod, PaymentReference (pisys); the sandbox serves
    # GET only (the stricter choice: the plugin must not write receivables).
    methods=GET_ONLY,
    # Exact: mandatory filtering is documented for endpoints with a sync counterpart (reference §3.4);
    # receivables have none but a bulk twin: the sandbox applies it anyway (the stricter choice)
    mandatory_filter=True,
)

SYSTEM_DIVISIONS = Entity(
    name="Divisions", path="system/Divisions", model="SystemDivision", key="Code", storage="Divisions",
    fields=("Code", "Description", "Hid", "Current", "Status", "BlockingStatus", "Country", "Currency",
            "Legislation", "VATNumber", "ChamberOfCommerceNumber", "IsMainDivision", "IsDossierDivision",
            "IsPracticeDivision", "IsHRDivision", "StartDate", "DivisionMoveDate", "City", "Postcode",
            "AddressLine1", "Created", "Modified"),
    dates=frozenset({"StartDate", "DivisionMoveDate", "Created", "Modified"}), methods=GET_ONLY,
)

HRM_DIVISIONS = Entity(
    name="Divisions", path="hrm/Divisions", model="Division", key="Code", storage="Divisions",
    fields=("Code", "Description", "HID", "Main", "Country", "CountryDescription", "Currency",
            "CurrencyDescription", "VATNumber", "StartDate", "Created", "Modified"),
    dates=frozenset({"StartDate", "Created", "Modified"}), methods=GET_ONLY,
)

DELETED = Entity(
    name="Deleted", path="sync/Deleted", model="SyncDeleted",
    fields=("ID", "EntityKey", "EntityType", "DeletedBy", "DeletedDate", "Division", "Timestamp"),
    dates=frozenset({"DeletedDate"}), methods=GET_ONLY,
)

NORMAL = (ACCOUNTS, ITEMS, ITEM_GROUPS, UNITS, VAT_CODES, GL_ACCOUNTS, JOURNALS, SALES_INVOICES,
          SALES_INVOICE_LINES, WEBHOOK_SUBSCRIPTIONS, RECEIVABLES, SYSTEM_DIVISIONS, HRM_DIVISIONS)
BY_PATH = {entity.path: entity for entity in NORMAL}
BY_NAME = {entity.name: entity for entity in NORMAL if entity.storage is None}

# Bulk endpoints: page size 1000, $select mandatory, GET only (reference §6.8)
BULK = {
    "bulk/CRM/Accounts": ACCOUNTS,
    "bulk/Logistics/Items": ITEMS,
    "bulk/Financial/GLAccounts": GL_ACCOUNTS,
    "bulk/SalesInvoice/SalesInvoices": SALES_INVOICES,
    "bulk/SalesInvoice/SalesInvoiceLines": SALES_INVOICE_LINES,
    "bulk/Cashflow/Receivables": RECEIVABLES,
}
# Exact: "Only the following filters are supported for this endpoint" (pisys Bulk/Cashflow/Receivables.php)
BULK_FILTERABLE = {"bulk/Cashflow/Receivables": {
    "Account", "Document", "EndDate", "EndToEndID", "EntryDate", "EntryID", "GLAccount", "ID", "InvoiceDate",
    "InvoiceNumber", "Source", "Status", "TransactionID", "TransactionType"}}

# Sync endpoints: ordered by Timestamp, only Timestamp filterable (reference §6.7)
SYNC = {
    "sync/CRM/Accounts": ACCOUNTS,
    "sync/Logistics/Items": ITEMS,
    "sync/Financial/GLAccounts": GL_ACCOUNTS,
    "sync/SalesInvoice/SalesInvoices": SALES_INVOICES,
    "sync/Deleted": DELETED,
}

# Exact: each sync endpoint has its own documented property list, Timestamp only there
# (reference §6.1, §6.7; picqer Sync*.php) — see fieldsets.py
SYNC_FIELDS = {
    "sync/CRM/Accounts": SYNC_ACCOUNTS,
    "sync/Logistics/Items": SYNC_ITEMS,
    "sync/Financial/GLAccounts": SYNC_GL_ACCOUNTS,
    "sync/SalesInvoice/SalesInvoices": SYNC_SALES_INVOICES,
    "sync/Deleted": DELETED.fields,
}
# Exact: sync/Deleted may also be filtered on EntityType (reference §6.7, eol-syncdemo)
SYNC_FILTERABLE = {"sync/Deleted": {"Timestamp", "EntityType"}}

GUID_FIELDS = {"ID", "InvoiceID", "ItemGroup", "GLRevenue", "GLCosts", "GLStock", "OrderedBy", "InvoiceTo",
               "DeliverTo", "Item", "GLAccount", "GLToPay", "GLToClaim", "EntityKey", "UserID", "Creator",
               "Modifier", "GLAccountSales", "GLAR", "GLAP", "MainContact", "Parent", "InvoiceAccount",
               "OrderedByContactPerson", "InvoiceToContactPerson", "DeliverToContactPerson", "Salesperson",
               "Warehouse", "Document", "Project", "Employee", "Account", "EntryID", "TransactionEntryID",
               "TransactionID"}
