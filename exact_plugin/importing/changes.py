"""What an update in an import preview will change: per row, the host fields old -> new.

The preview's rows are mapped exactly as the apply maps them (`Import.mapper`), and compared
with the host record as it is now: its own columns (name, price, rate, ...) and, for entities
whose mapper fills `site` (customers), the main site's address. Fields the apply leaves alone on
an update (`create_only`) are not compared. References the apply resolves per batch (a
product's group and GL accounts, `Mapped.refs`) are not compared here.
"""
import json
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Site
from exact_plugin import entities

UPDATES = ("update", "match")


def changes(entity_name, rows):
    """{staged row id: [(field label, old, new)]} for the rows that update a host record."""
    target = entities.entity(entity_name).importing
    updating = [row for row in rows if row.plan_action in UPDATES and row.plan_host_id]
    if not updating:
        return {}
    table = target.table
    ids = {row.plan_host_id for row in updating}
    current = {record["id"]: record for record in db.session.execute(
        select(table).where(table.c.id.in_(ids))).mappings()}
    sites = {}
    result = {}
    for row in updating:
        mapped = target.mapper(json.loads(row.data))
        host = current.get(row.plan_host_id)
        if host is None:
            continue
        found = [(_label(name), host[name], new) for name, new in mapped.fields.items()
                 if name in host and name not in target.create_only
                 and not _same(host[name], new)]
        if mapped.site:
            if not sites:
                sites = _main_sites(ids)
            site = sites.get(row.plan_host_id, {})
            found += [(_label(name), site.get(name), new) for name, new in mapped.site.items()
                      if not _same(site.get(name), new)]
        result[row.id] = found
    return result


def _main_sites(customer_ids):
    table = Site.__table__
    return {record["customer_id"]: record for record in db.session.execute(
        select(table).where(table.c.customer_id.in_(customer_ids), table.c.is_main)).mappings()}


def _label(name):
    return name.replace("_", " ")


def _same(old, new):
    if old in (None, "") and new in (None, ""):
        return True
    if isinstance(old, (int, float, Decimal)) or isinstance(new, (int, float, Decimal)):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except (InvalidOperation, ValueError):
            return False
    return old == new
