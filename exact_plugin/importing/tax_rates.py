"""The guide's tax-rate removal rule.

Guide: "importing tax rates from Exact Online will remove any tax rates not in use by an Exact
Online Company". A tax rate is in use by a company when it is mapped to a VAT code that still
exists there. Of the others, one that an invoice line or a product still uses, or that keeps a
mapping whose Exact VAT code is gone, is kept and listed in the import result: deleting it
would change invoices or lose the admin's mapping.
"""
from sqlalchemy import delete, select

from backoffice.db import db
from backoffice.models import InvoiceLine, Product, TaxRate
from exact_plugin.models import Binding

USES = (
    ("invoices", select(InvoiceLine.tax_rate_id)),
    ("products", select(Product.tax_rate_id)),
    ("a mapping to an Exact VAT code deleted in Exact",
     select(Binding.host_id).where(Binding.host_model == "TaxRate")),
)


def remove_unused_tax_rates():
    """Delete unmapped, unused tax rates. Returns sentences for the result: removed, kept."""
    live = select(Binding.host_id).where(
        Binding.host_model == "TaxRate", Binding.exact_id.is_not(None),
        Binding.deleted_in_exact.is_(False))
    candidates = {rate.id: rate for rate in db.session.execute(
        select(TaxRate).where(TaxRate.id.not_in(live))).scalars()}
    reasons = {}
    for what, query in USES:
        for rate_id in db.session.execute(query.where(
                query.selected_columns[0].in_(list(candidates)))).scalars():
            reasons.setdefault(rate_id, []).append(what)
    removable = sorted(rate_id for rate_id in candidates if rate_id not in reasons)
    notes = []
    if removable:
        names = ", ".join(repr(candidates[rate_id].name) for rate_id in removable)
        notes.append(f"Removed {len(removable)} tax rate(s) not in use by an Exact company: "
                     f"{names}.")
        db.session.execute(delete(TaxRate).where(TaxRate.id.in_(removable)))
    notes += [f"Kept tax rate {candidates[rate_id].name!r}, not in use by an Exact company, "
              f"because it is still used by {' and '.join(sorted(set(whats)))}."
              for rate_id, whats in sorted(reasons.items())]
    return notes
