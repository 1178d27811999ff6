"""The guide's tax-rate removal rule.

Guide: "importing tax rates from Exact Online will remove any tax rates not in use by an Exact
Online Company". A tax rate is in use by a company when it is mapped to a VAT code that still
exists there. Of the others, one that an invoice line or a product still uses, or that keeps a
mapping whose Exact VAT code is gone, is kept and listed in the import result: deleting it
would change invoices or lose the admin's mapping. The preview lists the removals its Start
will do (plan_tax_rate_removals); Start removes no other.
"""
from sqlalchemy import delete, select

from backoffice.db import db
from backoffice.models import InvoiceLine, Product, TaxRate
from exact_plugin.importing.models import DELETED, OPEN_STATES, StagedRecord
from exact_plugin.models import Binding

USES = (
    ("invoices", select(InvoiceLine.tax_rate_id)),
    ("products", select(Product.tax_rate_id)),
    ("a mapping to an Exact VAT code deleted in Exact",
     select(Binding.host_id).where(Binding.host_model == "TaxRate")),
)


def _unused(live):
    """({id: rate} not mapped to a live VAT code and used by nothing, {id: [uses]} kept)."""
    candidates = {rate.id: rate for rate in db.session.execute(
        select(TaxRate).where(TaxRate.id.not_in(live))).scalars()}
    reasons = {}
    for what, query in USES:
        for rate_id in db.session.execute(query.where(
                query.selected_columns[0].in_(list(candidates)))).scalars():
            reasons.setdefault(rate_id, []).append(what)
    return ({rate_id: rate for rate_id, rate in candidates.items() if rate_id not in reasons},
            {rate_id: (candidates[rate_id], whats) for rate_id, whats in reasons.items()})


def _live_now():
    return select(Binding.host_id).where(
        Binding.host_model == "TaxRate", Binding.exact_id.is_not(None),
        Binding.deleted_in_exact.is_(False))


def plan_tax_rate_removals(run):
    """What Start will remove, for the preview: the rates unused once this run is applied.

    A rate the preview maps (matched or updated rows) is in use after Start; one mapped to a
    VAT code deleted in Exact is not (Start flags that mapping). So "0 tax rates are new or
    changed" and a removal can both be true, and the preview says both (issue 11).
    """
    deleted_codes = select(StagedRecord.exact_id).where(
        StagedRecord.connection_id == run.connection_id, StagedRecord.entity == "tax_rates",
        StagedRecord.status == DELETED)
    live = select(Binding.host_id).where(
        Binding.host_model == "TaxRate", Binding.exact_id.is_not(None),
        Binding.deleted_in_exact.is_(False),
        ~((Binding.connection_id == run.connection_id) & Binding.exact_id.in_(deleted_codes)))
    planned = select(StagedRecord.plan_host_id).where(
        StagedRecord.connection_id == run.connection_id, StagedRecord.entity == "tax_rates",
        StagedRecord.status.in_(OPEN_STATES), StagedRecord.plan_action.in_(("match", "update")),
        StagedRecord.plan_host_id.is_not(None))
    removable, _kept = _unused(live.union(planned))
    return [{"id": rate_id, "name": rate.name} for rate_id, rate in sorted(removable.items())]


def remove_unused_tax_rates(listed=None):
    """Delete unmapped, unused tax rates: of those the preview listed (`listed`), or all
    (None: a run without preview). Returns sentences for the result: removed, kept."""
    removable, kept = _unused(_live_now())
    if listed is not None:
        allowed = {item["id"] for item in listed}
        removable = {rate_id: rate for rate_id, rate in removable.items() if rate_id in allowed}
    notes = []
    if removable:
        names = ", ".join(repr(removable[rate_id].name) for rate_id in sorted(removable))
        notes.append(f"Removed {len(removable)} tax rate(s) not in use by an Exact company: "
                     f"{names}.")
        db.session.execute(delete(TaxRate).where(TaxRate.id.in_(sorted(removable))))
    notes += [f"Kept tax rate {rate.name!r}, not in use by an Exact company, "
              f"because it is still used by {' and '.join(sorted(set(whats)))}."
              for _rate_id, (rate, whats) in sorted(kept.items())]
    return notes
