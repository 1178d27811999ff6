"""Products: Exact Items (`logistics/Items`), imported and sent.

Import: an item's group, GL accounts and VAT code are resolved per batch (`prepare_products`).
Export: the item with its group (item group mapping), VAT code (tax-rate mapping) and GL
accounts (the product's own, else its group's); Exact's Description holds 60 characters, the
rest goes to ExtraDescription and the admin is told.
"""
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import GLAccount, Product
from exact_plugin import binder
from exact_plugin.entities.declaration import SYNC, ExactEntity, Export, Import
from exact_plugin.errors import LocalValidationError
from exact_plugin.importing.sql import among, ids_by
from exact_plugin.mappers import inbound, outbound
from exact_plugin.models import ExactConnection, ItemGroupMapping


# -- import ----------------------------------------------------------------------------------

def _account_for(pair, by_exact_id, by_code):
    exact_id, code = pair
    if exact_id and exact_id in by_exact_id:
        return by_exact_id[exact_id]
    ids = by_code.get(code) or []
    return ids[0] if len(ids) == 1 else None


def prepare_products(ctx, items):
    """Fill group, GL accounts and tax rate from the item's references, one query each."""
    refs = [mapped.refs for _row, _host_id, mapped in items]
    default_group_id = db.session.execute(select(ExactConnection.default_product_group_id).where(
        ExactConnection.id == ctx.connection_id)).scalar()
    groups = dict(db.session.execute(select(
        ItemGroupMapping.exact_item_group_id, ItemGroupMapping.product_group_id).where(
        ItemGroupMapping.connection_id == ctx.connection_id,
        among(ItemGroupMapping.exact_item_group_id,
            {ref["item_group"] for ref in refs if ref["item_group"]}))).all())
    account_pairs = [ref[key] for ref in refs for key in ("revenue_account", "cost_account")]
    by_exact_id = binder.host_ids_by_exact_id(ctx.connection_id, "GLAccount",
                                              [exact_id for exact_id, _code in account_pairs])
    by_code = ids_by(GLAccount.__table__.c.code, [code for _id, code in account_pairs])
    vat = binder.host_ids_by_exact_code(ctx.connection_id, "TaxRate",
                                        [ref["vat_code"] for ref in refs])
    for _row, _host_id, mapped in items:
        ref, fields = mapped.refs, mapped.fields
        # Guide: unmapped item groups go to the company's default product group.
        fields["group_id"] = groups.get(ref["item_group"], default_group_id)
        for key, column in (("revenue_account", "income_account_id"),
                            ("cost_account", "expense_account_id")):
            account_id = _account_for(ref[key], by_exact_id, by_code)
            if account_id is not None:   # Guide: filled "when set" on the Exact item
                fields[column] = account_id
        if ref["vat_code"] in vat:
            fields["tax_rate_id"] = vat[ref["vat_code"]]
    for _row, host_id, mapped in items:
        if host_id is None:
            mapped.fields.setdefault("price", 0)   # no price read (item deleted meanwhile)


# Exact: the sales price is on logistics/Items and bulk/Logistics/Items only (picqer
# SyncItem.php vs Item.php; reference §6.2). It is read through the bulk endpoint (1000 rows a
# call, reference §3.3): a few changed items by their IDs, a big page (a first or full read)
# by reading every price once, so a full read costs about twice its sync pages, never a
# call per item.
BULK_ITEMS = "bulk/Logistics/Items"
PRICE_IDS_PER_CALL = 20   # "ID eq guid'…' or …": about 1 KB of URL
ALL_PRICES_FROM = 100     # more changed items than this in a page: read every price once


def read_prices(client, pages):
    """Add StandardSalesPrice to each sync page of items before it is staged."""
    every_price = None
    for page in pages:
        ids = [inbound.text(row.get("ID")) for row in page if inbound.text(row.get("ID"))]
        if len(ids) > ALL_PRICES_FROM:
            if every_price is None:
                every_price = _prices(client, "ID ne null")
            prices = every_price
        else:
            prices = {}
            for start in range(0, len(ids), PRICE_IDS_PER_CALL):
                prices.update(_prices(client, " or ".join(
                    f"ID eq guid'{exact_id}'" for exact_id in ids[start:start + PRICE_IDS_PER_CALL])))
        for row in page:
            exact_id = inbound.text(row.get("ID"))
            if exact_id in prices:   # an item deleted meanwhile keeps no price
                row["StandardSalesPrice"] = prices[exact_id]
        yield page


def _prices(client, id_filter):
    return {inbound.text(row.get("ID")): row.get("StandardSalesPrice")
            for row in client.iter_rows(BULK_ITEMS, select=("ID", "StandardSalesPrice"),
                                        filter=id_filter)}


# -- export ----------------------------------------------------------------------------------

def build_item(product, binding):
    from exact_plugin.syncing import validation
    validation.require_accounting_id(product, "Product")
    company = binding.connection
    problem = validation.product_problem(product, company) or \
        validation.vat_code_problem(product.tax_rate, company)
    if problem:
        raise LocalValidationError(f"Product cannot be synced to Exact Online: {problem}.")
    return outbound.item_payload(
        product, item_group_id=item_group_of(product, company),
        vat_code=validation.vat_code_of(product.tax_rate, company),
        gl_revenue_id=gl_account_of(product.income_account or _group_account(product, "income"),
                                    company),
        gl_costs_id=gl_account_of(product.expense_account or _group_account(product, "expense"),
                                  company))


def _group_account(product, kind):
    group = product.group
    if group is None:
        return None
    return group.default_income_account if kind == "income" else group.default_expense_account


def item_group_of(product, company):
    if product.group_id is None:
        return None
    mapping = db.session.execute(db.select(ItemGroupMapping).filter_by(
        connection_id=company.id, product_group_id=product.group_id
    ).order_by(ItemGroupMapping.id)).scalars().first()
    return mapping.exact_item_group_id if mapping else None


def gl_account_of(account, company):
    if account is None:
        return None
    binding = binder.binding_for_host(company.id, "GLAccount", account.id)
    return binding.exact_id if binding is not None else None


def description_note(product):
    """Exact: an item's Description holds 60 characters (DESIGN.md); say where the rest went."""
    if outbound.description_was_cut(product):
        return (f"The name is longer than Exact Online's {outbound.ITEM_DESCRIPTION_MAX} "
                f"characters: Exact shows the first part as the description and the rest "
                f"as ExtraDescription.")
    return None


def _view_extension():
    from exact_plugin.syncing.forms import ProductExtension
    return ProductExtension


ENTITY = ExactEntity(
    name="products", plural="products", endpoint="logistics/Items",
    bulk_path="bulk/Logistics/Items", sync_path="sync/Logistics/Items",
    select=("ID", "Code", "Description", "ExtraDescription", "ItemGroup", "ItemGroupCode",
            "SalesVatCode", "GLRevenue", "GLRevenueCode", "GLCosts", "GLCostsCode",
            "CostPriceStandard", "IsSalesItem", "StandardSalesPrice"),
    # Exact: StandardSalesPrice is on logistics/Items and bulk/Logistics/Items, not on
    # sync/Logistics/Items (picqer SyncItem.php; reference §6.2, §6.7): the sync read leaves it
    # out and `read_prices` adds it from the bulk endpoint.
    select_by_endpoint={SYNC: ("ID", "Code", "Description", "ExtraDescription", "ItemGroup",
                               "ItemGroupCode", "SalesVatCode", "GLRevenue", "GLRevenueCode",
                               "GLCosts", "GLCostsCode", "CostPriceStandard", "IsSalesItem")},
    deleted_type=9, host_model="Product", webhook_topic="Items",
    importing=Import(model=Product, label="product", mapper=inbound.map_product,
                     code_rule="product ID", code_columns=("accounting_id", "code"),
                     create_only=("accounting_id",), prepare=prepare_products,
                     fetch_first=("item_groups",), enrich=read_prices, order=40),
    exporting=Export(label="Product", setting="sync_products", build=build_item,
                     note=description_note, held_fields=outbound.ITEM_FIELDS,
                     view_extension=_view_extension))
