"""What the ledger adds to the host's screens (through backoffice.hooks).

- invoices: a "Payment (Exact)" list column and filter, the status on the record page, and the
  lock: a paid invoice's amounts cannot be changed (credit it instead);
- customers, suppliers, products and invoices: deleting one that is in Exact is refused; the
  binding (mapping) stays, so nothing is left behind in Exact without its back-office record.
"""
from flask import url_for
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from markupsafe import Markup

from backoffice import hooks
from backoffice.db import db
from backoffice.models import Invoice
from exact_plugin import binder
from exact_plugin.entities import exported
from exact_plugin.gate import WhileEnabled
from exact_plugin.ledger.models import LABELS, PAID, PaymentStatus
from exact_plugin.ledger.payments import status_of_invoice
from exact_plugin.models import Binding

PAYMENT_COLUMN = "exact_payment"
COLOURS = {"open": "secondary", "partly_paid": "warning", "paid": "success",
           "not_processed": "light"}

ARCHIVE_INSTEAD = ("{label} '{record}' is in Exact Online ({companies}) and cannot be deleted: "
                   "archive it instead (tick 'Archived' and save). Archiving blocks it in Exact "
                   "Online and keeps the link between both.")
CREDIT_INSTEAD = ("Invoice {record} reached Exact Online ({companies}) and cannot be deleted: "
                  "credit it instead (the Credit action on the invoice list).")
PAID_LOCKED = ("Invoice {number} is paid in Exact Online, so its amounts can no longer change "
               "(total {old:,.2f}, now {new:,.2f}). Undo the change to its lines, or credit the "
               "invoice and make a new one.")


def _companies(bindings):
    return ", ".join(sorted({binding.connection.name for binding in bindings}))


def refusal_to_delete(host_model, model):
    """The message refusing to delete a record bound to an Exact record, or None."""
    in_exact = [binding for binding in binder.bindings_of_host(host_model, model.id)
                if binding.exact_id]
    if not in_exact:
        return None
    template = CREDIT_INSTEAD if host_model == "Invoice" else ARCHIVE_INSTEAD
    return template.format(label=exported()[host_model].label, record=model,
                           companies=_companies(in_exact))


class DeleteGuard(hooks.ModelViewExtension):
    """Refuses deleting a record that is in Exact (not only while the integration is on)."""

    def delete_refusal(self, model):
        return refusal_to_delete(self.model_name, model)


class PaymentFilter(BaseSQLAFilter):
    """Invoice list filter "Payment (Exact) equals Paid/Open/...". """

    def __init__(self):
        super().__init__(Invoice.id, "Payment (Exact)", options=tuple(LABELS.items()))

    def apply(self, query, value, alias=None):
        paid = db.select(Binding.host_id).join(PaymentStatus, PaymentStatus.binding_id ==
                                               Binding.id).where(
            Binding.host_model == "Invoice", PaymentStatus.status == value)
        return query.filter(Invoice.id.in_(paid))

    def operation(self):
        return "equals"


class InvoicePayments(WhileEnabled):
    """Payment status on the invoice screens, and the lock on paid invoices."""
    model_name = "Invoice"

    def list_columns(self, view):
        return {PAYMENT_COLUMN: self._column}

    def list_filters(self, model):
        return [PaymentFilter()]

    def list_actions(self, view):
        return [("Payment status from Exact Online", url_for("exactsync.index") + "#exact-payments")]

    def _column(self, view, context, model, name):
        return payment_badge(status_of_invoice(model.id), compact=True)

    def record_panel(self, view, model):
        status = status_of_invoice(model.id) if model is not None and model.id else None
        if status is None:
            return None
        return Markup('<div class="card mb-2 exact-payment"><div class="card-body py-2">'
                      'Payment in Exact Online: {}</div></div>').format(
            payment_badge(status, compact=False))

    def validate(self, form, model, is_created):
        if is_created:
            return {}
        status = status_of_invoice(model.id)
        if status is None or status.status != PAID:
            return {}
        old = model.total_gross
        model.recompute_totals()
        if model.total_gross != old:
            return {"lines": PAID_LOCKED.format(number=model.number, old=old,
                                                new=model.total_gross)}
        return {}


def payment_badge(status, compact):
    if status is None:
        return ""
    text = status.label
    if status.status == "paid" and status.settled_on:
        text += f" on {status.settled_on:%Y-%m-%d}"
    elif status.outstanding is not None and status.status in ("open", "partly_paid"):
        text += f", {status.outstanding:,.2f} outstanding"
    if not compact:
        text += f" (checked {status.checked_at:%Y-%m-%d %H:%M} UTC)"
    return Markup('<span class="badge badge-{} exact-payment-status" data-status="{}">{}</span>'
                  ).format(COLOURS.get(status.status, "secondary"), status.status, text)


def extensions():
    from exact_plugin.ledger.codes import CustomerCodeGuard
    yield InvoicePayments()
    yield CustomerCodeGuard()
    for host_model in exported():
        yield type(f"{host_model}DeleteGuard", (DeleteGuard,), {"model_name": host_model})()
