"""Where each imported entity lands in the back office: a declarative table.

A `Target` names the host model, the mapper, the host columns that hold the Exact code (the
second matching rule) and the name (the third), the fields written only when a record is
created (unique host IDs an update must not move), and two batch hooks: `prepare` resolves
references (an item's group and GL accounts) with one query per batch, `after_write` writes
related records (a customer's main site).
"""
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer, GLAccount, Product, Site, TaxRate
from exact_plugin.importing.sql import among, insert_rows
from exact_plugin.importing.models import StagedRecord
from exact_plugin.mappers import inbound
from exact_plugin.models import Binding, ExactConnection, ItemGroupMapping

MAIN_SITE_NAME = "Main"


@dataclass(frozen=True)
class Target:
    entity: str
    model: type
    label: str                       # one record, in the admin's words
    mapper: Callable
    code_rule: str                   # how the second rule is shown in the preview
    code_columns: tuple = ()
    name_column: str = "name"
    # Exact: VAT codes are kept on the mapping, not on the host tax rate (issue 5)
    codes_on_bindings: bool = False
    create_only: tuple = ()
    unique_columns: tuple = ()
    prepare: Callable | None = None
    after_write: Callable | None = None

    @property
    def host_model(self):
        return self.model.__name__

    @property
    def table(self):
        return self.model.__table__

    @property
    def written_tables(self):
        """Every table an apply of this entity grows."""
        related = (Site.__table__,) if self.after_write is write_main_sites else ()
        return (self.table, Binding.__table__, StagedRecord.__table__) + related


def _ids_by(column, values):
    """{value: [host ids]} for the rows whose `column` is one of `values`."""
    found = {}
    values = [value for value in set(values) if value]
    if values:
        for host_id, value in db.session.execute(
                select(column.table.c.id, column).where(among(column, values))):
            found.setdefault(value, []).append(host_id)
    return found


def _bound_host_ids(connection_id, host_model, exact_ids):
    exact_ids = [exact_id for exact_id in set(exact_ids) if exact_id]
    if not exact_ids:
        return {}
    return dict(db.session.execute(select(Binding.exact_id, Binding.host_id).where(
        Binding.connection_id == connection_id, Binding.host_model == host_model,
        among(Binding.exact_id, exact_ids))).all())


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
    by_exact_id = _bound_host_ids(ctx.connection_id, "GLAccount",
                                  [exact_id for exact_id, _code in account_pairs])
    by_code = _ids_by(GLAccount.__table__.c.code, [code for _id, code in account_pairs])
    vat = dict(db.session.execute(select(Binding.exact_code, Binding.host_id).where(
        Binding.connection_id == ctx.connection_id, Binding.host_model == "TaxRate",
        among(Binding.exact_code, {ref["vat_code"] for ref in refs if ref["vat_code"]}))).all())
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


def prepare_unique_names(ctx, items):
    """Refuse a row whose new name another host record already has (names are unique)."""
    taken = _ids_by(ctx.target.table.c[ctx.target.name_column],
                    [mapped.fields["name"] for _row, _host_id, mapped in items])
    for _row, host_id, mapped in items:
        owners = [owner for owner in taken.get(mapped.fields["name"], []) if owner != host_id]
        if owners:
            mapped.problems.append(
                f"Another {ctx.target.label} is already named {mapped.fields['name']!r}. "
                "Rename one of them, or map this Exact record to it by hand.")


def prepare_customers(ctx, items):
    """Guide: the "top level for customers" setting places the customers an import creates."""
    top_level_id = db.session.execute(select(ExactConnection.top_level_id).where(
        ExactConnection.id == ctx.connection_id)).scalar()
    for _row, host_id, mapped in items:
        if host_id is None:
            mapped.fields["top_level_id"] = top_level_id


def write_main_sites(ctx, created, updated):
    """Guide: a created customer gets a main site with the Exact address; for an existing one
    the main site's address is replaced by the Exact address."""
    site_table = Site.__table__
    rows = [dict(mapped.site, customer_id=host_id, name=MAIN_SITE_NAME, is_main=True)
            for host_id, mapped in created]
    main_sites = dict(db.session.execute(select(Site.customer_id, Site.id).where(
        among(Site.customer_id, [host_id for host_id, _mapped in updated]),
        Site.is_main.is_(True))).all()) if updated else {}
    changes = []
    for host_id, mapped in updated:
        if host_id in main_sites:
            changes.append(dict(mapped.site, id=main_sites[host_id]))
        else:
            rows.append(dict(mapped.site, customer_id=host_id, name=MAIN_SITE_NAME,
                             is_main=True))
    insert_rows(site_table, rows)
    if changes:
        db.session.execute(db.update(Site), changes)


TARGETS = {target.entity: target for target in (
    Target(entity="customers", model=Customer, label="customer", mapper=inbound.map_customer,
           code_rule="accounts code", code_columns=("accounting_id", "accounts_code"),
           create_only=("accounting_id", "top_level_id"), prepare=prepare_customers,
           after_write=write_main_sites),
    Target(entity="products", model=Product, label="product", mapper=inbound.map_product,
           code_rule="product ID", code_columns=("accounting_id", "code"),
           create_only=("accounting_id",), prepare=prepare_products),
    Target(entity="gl_accounts", model=GLAccount, label="GL account",
           mapper=inbound.map_gl_account, code_rule="code", code_columns=("code",)),
    Target(entity="tax_rates", model=TaxRate, label="tax rate", mapper=inbound.map_tax_rate,
           code_rule="Exact code", codes_on_bindings=True, prepare=prepare_unique_names),
)}
