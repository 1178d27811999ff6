"""The documented properties of each sync endpoint (reference §6.7; docs/sandbox.md §Field sets).

Exact's sync endpoints do not simply serve every property of the plain entity: each has
its own documented list (the "SyncCRMAccounts", "SyncLogisticsItems", ... pages of Exact's
REST reference, transcribed as the ``$fillable`` lists of picqer/exact-php-client
``src/Picqer/Financials/Exact/Sync*.php``).  For instance ``StandardSalesPrice`` is a
property of ``logistics/Items`` and ``bulk/Logistics/Items`` but not of
``sync/Logistics/Items``, and ``IsPurchase`` is not on ``sync/CRM/Accounts``.  A ``$select``
naming anything outside these lists is refused with 400, as Exact does.

Plain and bulk endpoints serve the properties declared in ``entities.py`` (bulk endpoints
have the plain entity's properties: pisys ``Bulk/**``); ``Timestamp`` exists only here.
"""

# picqer SyncAccount.php (Exact page SyncCRMAccounts)
SYNC_ACCOUNTS = (
    "Timestamp", "Accountant", "AccountManager", "AccountManagerFullName", "AccountManagerHID", "ActivitySector",
    "ActivitySubSector", "AddressLine1", "AddressLine2", "AddressLine3", "BankAccounts", "Blocked", "BSN",
    "BusinessType", "CanDropShip", "ChamberOfCommerce", "City", "Classification1", "Classification2",
    "Classification3", "Classification4", "Classification5", "Classification6", "Classification7",
    "Classification8", "Code", "CodeAtSupplier", "CompanySize", "ConsolidationScenario", "ControlledDate",
    "Country", "CountryName", "Created", "Creator", "CreatorFullName", "CreditLinePurchase", "CreditLineSales",
    "DatevCreditorCode", "DatevDebtorCode", "DiscountPurchase", "DiscountSales", "Division", "Email", "EndDate",
    "EstablishedDate", "Fax", "GLAccountPurchase", "GLAccountSales", "GLAP", "GLAR", "GlnNumber",
    "HasWithholdingTaxSales", "ID", "IgnoreDatevWarningMessage", "IncotermAddressPurchase", "IncotermAddressSales",
    "IncotermCodePurchase", "IncotermCodeSales", "IncotermVersionPurchase", "IncotermVersionSales", "IntraStatArea",
    "IntraStatDeliveryTerm", "IntraStatSystem", "IntraStatTransactionA", "IntraStatTransactionB",
    "IntraStatTransportMethod", "InvoiceAccount", "InvoiceAccountCode", "InvoiceAccountName",
    "InvoiceAttachmentType", "InvoicingMethod", "IsAccountant", "IsAgency", "IsAnonymised", "IsCompetitor",
    "IsExtraDuty", "IsMailing", "IsPilot", "IsReseller", "IsSales", "IsSupplier", "Language", "LanguageDescription",
    "Latitude", "LeadPurpose", "LeadSource", "Logo", "LogoFileName", "LogoThumbnailUrl", "LogoUrl", "Longitude",
    "MainContact", "Modified", "Modifier", "ModifierFullName", "Name", "OINNumber", "Parent", "PayAsYouEarn",
    "PaymentConditionPurchase", "PaymentConditionPurchaseDescription", "PaymentConditionSales",
    "PaymentConditionSalesDescription", "Phone", "PhoneExtension", "Postcode", "PriceList", "PurchaseCurrency",
    "PurchaseCurrencyDescription", "PurchaseLeadDays", "PurchaseVATCode", "PurchaseVATCodeDescription",
    "RecepientOfCommissions", "Remarks", "Reseller", "ResellerCode", "ResellerName", "RSIN", "SalesCurrency",
    "SalesCurrencyDescription", "SalesVATCode", "SalesVATCodeDescription", "SearchCode", "SecurityLevel",
    "SeparateInvPerSubscription", "ShippingLeadDays", "ShippingMethod", "ShowRemarkForSales", "StartDate", "State",
    "StateName", "Status", "TradeName", "Type", "UniqueTaxpayerReference", "VATLiability", "VATNumber", "Website",
)

# picqer SyncItem.php (Exact page SyncLogisticsItems): no StandardSalesPrice
SYNC_ITEMS = (
    "Timestamp", "AverageCost", "Barcode", "Class_01", "Class_02", "Class_03", "Class_04", "Class_05", "Class_06",
    "Class_07", "Class_08", "Class_09", "Class_10", "Code", "CopyRemarks", "CostPriceCurrency", "CostPriceNew",
    "CostPriceStandard", "Created", "Creator", "CreatorFullName", "Description", "Division", "EndDate",
    "ExtraDescription", "FreeBoolField_01", "FreeBoolField_02", "FreeBoolField_03", "FreeBoolField_04",
    "FreeBoolField_05", "FreeDateField_01", "FreeDateField_02", "FreeDateField_03", "FreeDateField_04",
    "FreeDateField_05", "FreeNumberField_01", "FreeNumberField_02", "FreeNumberField_03", "FreeNumberField_04",
    "FreeNumberField_05", "FreeNumberField_06", "FreeNumberField_07", "FreeNumberField_08", "FreeTextField_01",
    "FreeTextField_02", "FreeTextField_03", "FreeTextField_04", "FreeTextField_05", "FreeTextField_06",
    "FreeTextField_07", "FreeTextField_08", "FreeTextField_09", "FreeTextField_10", "GLCosts", "GLCostsCode",
    "GLCostsDescription", "GLRevenue", "GLRevenueCode", "GLRevenueDescription", "GLStock", "GLStockCode",
    "GLStockDescription", "GrossWeight", "ID", "IsBatchItem", "IsFractionAllowedItem", "IsMakeItem",
    "IsNewContract", "IsOnDemandItem", "IsPackageItem", "IsPurchaseItem", "IsRegistrationCodeItem", "IsSalesItem",
    "IsSerialItem", "IsStockItem", "IsSubcontractedItem", "IsTaxableItem", "IsTime", "IsWebshopItem", "ItemGroup",
    "ItemGroupCode", "ItemGroupDescription", "Modified", "Modifier", "ModifierFullName", "NetWeight",
    "NetWeightUnit", "Notes", "PictureName", "PictureThumbnailUrl", "PictureUrl", "SalesVatCode",
    "SalesVatCodeDescription", "SearchCode", "SecurityLevel", "StartDate", "Stock", "Unit", "UnitDescription",
    "UnitType",
)

# picqer SyncGLAccount.php (Exact page SyncFinancialGLAccounts)
SYNC_GL_ACCOUNTS = (
    "Timestamp", "AssimilatedVATBox", "BalanceSide", "BalanceType", "BelcotaxType", "Code", "Compress", "Costcenter",
    "CostcenterDescription", "Costunit", "CostunitDescription", "Created", "Creator", "CreatorFullName",
    "DeductibilityPercentages", "Description", "DescriptionTermID", "Division", "ExcludeVATListing",
    "ExpenseNonDeductiblePercentage", "ID", "IsBlocked", "Matching", "Modified", "Modifier", "ModifierFullName",
    "PrivateGLAccount", "PrivatePercentage", "ReportingCode", "RevalueCurrency", "SearchCode", "Type",
    "TypeDescription", "UseCostcenter", "UseCostunit", "VATCode", "VATDescription", "VATGLAccountType",
    "VATNonDeductibleGLAccount", "VATNonDeductiblePercentage", "VATSystem", "YearEndCostGLAccount",
    "YearEndReflectionGLAccount",
)

# picqer SyncSalesInvoice.php (Exact page SyncSalesInvoiceSalesInvoices): header and line properties
# in one feed, no SalesInvoiceLines navigation
SYNC_SALES_INVOICES = (
    "Timestamp", "AmountDC", "AmountDiscount", "AmountDiscountExclVat", "AmountFC", "AmountFCExclVat", "CostCenter",
    "CostCenterDescription", "CostUnit", "CostUnitDescription", "Created", "Creator", "CreatorFullName", "Currency",
    "CustomerItemCode", "DeliverTo", "DeliverToAddress", "DeliverToContactPerson", "DeliverToContactPersonFullName",
    "DeliverToName", "DeliveryDate", "Description", "Discount", "DiscountType", "Division", "Document",
    "DocumentNumber", "DocumentSubject", "DueDate", "Employee", "EmployeeFullName", "EndTime", "ExtraDutyAmountFC",
    "ExtraDutyPercentage", "GAccountAmountFC", "GLAccount", "GLAccountDescription", "ID", "IncotermAddress",
    "IncotermCode", "IncotermVersion", "InvoiceDate", "InvoiceID", "InvoiceNumber", "InvoiceTo",
    "InvoiceToContactPerson", "InvoiceToContactPersonFullName", "InvoiceToName", "IsExtraDuty", "Item", "ItemCode",
    "ItemDescription", "Journal", "JournalDescription", "LineNumber", "Modified", "Modifier", "ModifierFullName",
    "NetPrice", "Notes", "OrderDate", "OrderedBy", "OrderedByContactPerson", "OrderedByContactPersonFullName",
    "OrderedByName", "OrderNumber", "PaymentCondition", "PaymentConditionDescription", "PaymentReference",
    "Pricelist", "PricelistDescription", "Project", "ProjectDescription", "ProjectWBS", "ProjectWBSDescription",
    "Quantity", "Remarks", "SalesChannel", "SalesChannelCode", "SalesChannelDescription", "SalesOrder",
    "SalesOrderLine", "SalesOrderLineNumber", "SalesOrderNumber", "Salesperson", "SalespersonFullName",
    "StarterSalesInvoiceStatus", "StarterSalesInvoiceStatusDescription", "StartTime", "Status", "StatusDescription",
    "Subscription", "SubscriptionDescription", "Type", "TypeDescription", "UnitCode", "UnitDescription", "UnitPrice",
    "VATAmountDC", "VATAmountFC", "VATCode", "VATCodeDescription", "VATPercentage", "Warehouse",
    "WithholdingTaxAmountFC", "WithholdingTaxBaseAmount", "WithholdingTaxPercentage", "YourRef",
)

# Properties of an invoice line that the sync feed takes from the line rather than the header
SYNC_INVOICE_LINE_FIELDS = (
    "LineNumber", "Item", "ItemCode", "ItemDescription", "Description", "Quantity", "UnitPrice", "NetPrice",
    "Discount", "AmountFC", "AmountDC", "VATCode", "VATCodeDescription", "VATPercentage", "VATAmountFC",
    "VATAmountDC", "UnitCode", "UnitDescription", "GLAccount", "GLAccountDescription", "CostCenter", "CostUnit",
    "Project", "Employee", "Pricelist", "DeliveryDate", "StartTime", "EndTime", "Notes",
)
