"""Deciding what happens to each staged Exact record: the guide's matching rules.

In order: the mapping table (a binding of this company), then the code (accounts code,
product ID, GL code, Exact VAT code), then the exact name. A record that matches nothing is
created. A conflict is anything an admin must settle first; the record is then left alone and
the preview and the result say why. One function plans a batch with a handful of queries, so
the preview and the apply share the rules and neither queries per row.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from backoffice.db import db
from exact_plugin.importing.sql import among
from exact_plugin.models import Binding

CREATE = "create"
UPDATE = "update"      # through the mapping table
MATCH = "match"        # an existing host record found by code or name, then updated
CONFLICT = "conflict"

RULE_MAPPING = "mapping"
RULE_NAME = "exact name"


@dataclass
class Plan:
    action: str
    rule: str | None = None
    host_id: int | None = None
    conflict: str | None = None


@dataclass
class PlanContext:
    """What one planning pass over an entity remembers between batches."""
    connection_id: int
    target: object
    duplicate_codes: set
    # Keep-in-step runs: only records already mapped are written (runs.periodic_import).
    updates_only: bool = False
    # Host records matched by code or name earlier in this pass: 1-1, so never twice.
    claimed: set = field(default_factory=set)


def _bindings_by_exact(ctx, exact_ids):
    return {exact_id: host_id for exact_id, host_id in db.session.execute(
        select(Binding.exact_id, Binding.host_id).where(
            Binding.connection_id == ctx.connection_id,
            Binding.host_model == ctx.target.host_model, among(Binding.exact_id, exact_ids)))}


def _existing_host_ids(ctx, host_ids):
    if not host_ids:
        return set()
    table = ctx.target.table
    return set(db.session.execute(select(table.c.id).where(among(table.c.id, host_ids))).scalars())


def _host_ids_by_code(ctx, codes):
    found = {}
    codes = list({code for code in codes if code})
    if not codes:
        return found
    if ctx.target.codes_on_bindings:
        # Exact: the tax rate's Exact code is kept on its mapping, in any company (issue 5).
        queries = [select(Binding.host_id, Binding.exact_code).where(
            Binding.host_model == ctx.target.host_model, among(Binding.exact_code, codes))]
    else:
        table = ctx.target.table
        queries = [select(table.c.id, table.c[column]).where(among(table.c[column], codes))
                   for column in ctx.target.code_columns]
    for query in queries:
        for host_id, code in db.session.execute(query):
            found.setdefault(code, set()).add(host_id)
    return found


def _host_ids_by_name(ctx, names):
    """{name: host ids} of the records with these names not yet mapped to an Exact record
    here: a record mapped to another Exact record is that record's, never a name match."""
    names = list({name for name in names if name})
    found = {}
    if names:
        table = ctx.target.table
        column = table.c[ctx.target.name_column]
        mapped = select(Binding.id).where(
            Binding.connection_id == ctx.connection_id,
            Binding.host_model == ctx.target.host_model, Binding.host_id == table.c.id,
            Binding.exact_id.is_not(None))
        for host_id, name in db.session.execute(select(table.c.id, column).where(
                among(column, names), ~mapped.exists())):
            found.setdefault(name, set()).add(host_id)
    return found


def _bound_elsewhere(ctx, host_ids):
    """{host id: Exact code} for host records already mapped to an Exact record here."""
    if not host_ids:
        return {}
    return {host_id: (code or exact_id) for host_id, exact_id, code in db.session.execute(
        select(Binding.host_id, Binding.exact_id, Binding.exact_code).where(
            Binding.connection_id == ctx.connection_id,
            Binding.host_model == ctx.target.host_model, among(Binding.host_id, host_ids),
            Binding.exact_id.is_not(None)))}


def _host_code(ctx, code):
    """The code as the host holds it (suppliers: without their Exact code range)."""
    convert = ctx.target.host_code
    return convert(code) if convert and code else code


def plan_batch(ctx, rows):
    """One Plan per staged row (objects with exact_id, code, name), in order."""
    by_exact = _bindings_by_exact(ctx, [row.exact_id for row in rows])
    existing = _existing_host_ids(ctx, set(by_exact.values()))
    by_code = _host_ids_by_code(ctx, [_host_code(ctx, row.code) for row in rows])
    by_name = _host_ids_by_name(ctx, [row.name for row in rows])
    bound = _bound_elsewhere(ctx, set().union(*by_code.values()))
    plans = []
    for row in rows:
        plan = _plan_row(ctx, row, by_exact, existing, by_code, by_name, bound)
        if plan.action == MATCH:
            ctx.claimed.add(plan.host_id)
        plans.append(plan)
    return plans


def _plan_row(ctx, row, by_exact, existing, by_code, by_name, bound):
    label = ctx.target.label
    # Before the mapping: a code Exact gives to several records would otherwise be written
    # onto every mapped record (issue 11); the admin settles it in Exact first.
    if row.code and row.code in ctx.duplicate_codes:
        return Plan(CONFLICT, ctx.target.code_rule, by_exact.get(row.exact_id), conflict=(
            f"Code {row.code!r} is used by more than one Exact {label}. Give each a unique "
            "code in Exact and import again."))
    if row.exact_id in by_exact:
        host_id = by_exact[row.exact_id]
        if host_id not in existing:
            return Plan(CONFLICT, RULE_MAPPING, host_id, conflict=(
                f"The mapping points at {label} #{host_id}, which no longer exists in the back "
                "office. Delete the mapping or point it at another record, then import again."))
        return Plan(UPDATE, RULE_MAPPING, host_id)
    if row.code and row.code in ctx.duplicate_codes:
        return Plan(CONFLICT, ctx.target.code_rule, conflict=(
            f"Code {row.code!r} is used by more than one Exact {label}. Give each a unique "
            "code in Exact and import again."))
    for rule, key, found in ((ctx.target.code_rule, _host_code(ctx, row.code), by_code),
                             (RULE_NAME, row.name, by_name)):
        host_ids = found.get(key) if key else None
        if host_ids:
            return _match(ctx, rule, key, host_ids, bound)
    return Plan(CREATE)


def _match(ctx, rule, key, host_ids, bound):
    label = ctx.target.label
    if rule == RULE_NAME:
        # A record already mapped to another Exact record is that record's (the query left
        # those out; `claimed` are this pass's); a namesake in Exact gets its own record,
        # whether both come in one batch or in two.
        host_ids = {host_id for host_id in host_ids if host_id not in ctx.claimed}
        if not host_ids:
            return Plan(CREATE)
    if len(host_ids) > 1:
        what = "are named" if rule == RULE_NAME else f"have {rule}"
        return Plan(CONFLICT, rule, conflict=(
            f"{len(host_ids)} {label}s in the back office {what} {key!r}. Map this Exact "
            f"{label} to the right one in the mapping table, or make them differ."))
    host_id = next(iter(host_ids))
    if host_id in bound or host_id in ctx.claimed:
        other = bound.get(host_id, "another record of this import")
        return Plan(CONFLICT, rule, host_id, conflict=(
            f"The {label} with {rule} {key!r} is already mapped to Exact {label} {other!s}. "
            "Map this one by hand in the mapping table, or correct the code in Exact."))
    return Plan(MATCH, rule, host_id)
