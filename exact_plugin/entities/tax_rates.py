"""Tax rates: Exact's VAT codes (`vat/VATCodes`), imported and mapped by hand, never sent.

An import also removes the tax rates no company uses (the guide's rule, importing/tax_rates.py).
"""
from backoffice.models import TaxRate
from exact_plugin.entities.declaration import ExactEntity, Import
from exact_plugin.importing.sql import ids_by
from exact_plugin.importing.tax_rates import plan_tax_rate_removals, remove_unused_tax_rates
from exact_plugin.mappers import inbound


def prepare_unique_names(ctx, items):
    """Refuse a row whose new name another host record already has (names are unique)."""
    taken = ids_by(ctx.target.table.c[ctx.target.name_column],
                   [mapped.fields["name"] for _row, _host_id, mapped in items])
    for _row, host_id, mapped in items:
        owners = [owner for owner in taken.get(mapped.fields["name"], []) if owner != host_id]
        if owners:
            mapped.problems.append(
                f"Another {ctx.target.label} is already named {mapped.fields['name']!r}. "
                "Rename one of them, or map this Exact record to it by hand.")


# Exact: no bulk or sync endpoint for VATCodes (reference §6.4); a division has few.
ENTITY = ExactEntity(
    name="tax_rates", plural="tax rates", endpoint="vat/VATCodes",
    select=("ID", "Code", "Description", "Percentage", "VATTransactionType", "IsBlocked"),
    host_model="TaxRate",
    importing=Import(model=TaxRate, label="tax rate", mapper=inbound.map_tax_rate,
                     code_rule="Exact code", codes_on_bindings=True,
                     prepare=prepare_unique_names, plan_removals=plan_tax_rate_removals,
                     after_apply=remove_unused_tax_rates,
                     daily_setting="import_tax_rates_daily", order=10))
