"""The importer's additions to the host's screens, through backoffice.hooks.

- "Import from Exact Online" on the Tax rates, GL accounts, Customers and Products lists.
- The tax-rate form gets the guide's hand mapping: an Exact company's VAT code (Fig 7).
"""
from flask import url_for
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from backoffice import hooks
from backoffice.db import db
from backoffice.models import TaxRate
from exact_plugin import binder, entities
from exact_plugin.gate import WhileEnabled
from exact_plugin.importing.models import DELETED, StagedRecord
from exact_plugin.models import ExactConnection

NOT_MAPPED = ""


class ImportButton(WhileEnabled):
    def __init__(self, model_name, entity_name):
        self.model_name = model_name
        self.entity_name = entity_name

    def list_actions(self, view):
        return [("Import from Exact Online",
                 url_for("exact_import.choose", entity_name=self.entity_name))]


def vat_code_choices():
    """Every VAT code read from every company, as "company: code description"."""
    rows = db.session.execute(
        select(StagedRecord.connection_id, StagedRecord.exact_id, StagedRecord.code,
               StagedRecord.name, ExactConnection.name)
        .join(ExactConnection, ExactConnection.id == StagedRecord.connection_id)
        .where(StagedRecord.entity == "tax_rates", StagedRecord.status != DELETED)
        .order_by(ExactConnection.name, StagedRecord.code)).all()
    # WTForms 3.3 wants SelectChoice objects (tuples are deprecated).
    return [SelectChoice(NOT_MAPPED, "Not mapped")] + [
        SelectChoice(f"{connection_id}:{exact_id}", f"{company}: {code} {name or ''}".strip())
        for connection_id, exact_id, code, name, company in rows]


class TaxRateMapping(WhileEnabled):
    """Guide: "To map an existing tax rate to one in Exact edit the tax rate settings and choose
    the Exact company and the associated tax rate"."""
    model_name = "TaxRate"
    field_name = "exact_vat_code"

    def extra_form_fields(self, view):
        return {self.field_name: SelectField(
            "Exact Online VAT code", choices=vat_code_choices, default=NOT_MAPPED,
            description="The Exact company and VAT code this tax rate stands for; invoices "
                        "synced to Exact use that code. The list shows the VAT codes read by "
                        "the last tax-rate import of each company.")}

    def on_form_prefill(self, form, model):
        binding = next((b for b in binder.bindings_of_host("TaxRate", model.id) if b.exact_id),
                       None)
        form[self.field_name].data = (f"{binding.connection_id}:{binding.exact_id}"
                                      if binding else NOT_MAPPED)

    def validate(self, form, model, is_created):
        chosen = _chosen(form[self.field_name].data)
        if chosen is None:
            return {}
        connection_id, exact_id = chosen
        other = binder.binding_for_exact(connection_id, "TaxRate", exact_id)
        if other is not None and other.host_id != model.id:
            holder = db.session.get(TaxRate, other.host_id)
            named = f"{holder.name!r} (#{holder.id})" if holder else f"#{other.host_id}"
            return {self.field_name: f"This Exact VAT code is already mapped to tax rate "
                                     f"{named}. Unmap it there first: mappings are one to one."}
        return {}

    def on_model_change(self, form, model, is_created):
        chosen = _chosen(form[self.field_name].data)
        if chosen is None:
            self._unmap_first(model)
            return
        connection_id, exact_id = chosen
        db.session.flush()
        code = db.session.execute(select(StagedRecord.code).filter_by(
            connection_id=connection_id, entity="tax_rates", exact_id=exact_id)).scalar()
        binder.bind(connection_id, "TaxRate", model.id, exact_id=exact_id, exact_code=code,
                    deleted_in_exact=False)

    def _unmap_first(self, model):
        if model.id is None:
            return
        binding = next((b for b in binder.bindings_of_host("TaxRate", model.id) if b.exact_id),
                       None)
        if binding is not None:
            db.session.delete(binding)


def _chosen(value):
    if not value:
        return None
    connection_id, exact_id = value.split(":", 1)
    return int(connection_id), exact_id


class MappingColumn(WhileEnabled):
    """An "Exact mapping" column on the list: which Exact record of which company each record
    is mapped to, so a mapping conflict can be traced from the list (issue 11)."""

    def __init__(self, model_name):
        self.model_name = model_name

    def list_columns(self, view):
        return {"exact_mapping": self._format}

    def _format(self, view, context, model, name):
        bindings = [b for b in binder.bindings_of_host(self.model_name, model.id) if b.exact_id]
        if not bindings:
            return Markup('<span class="text-muted">Not mapped</span>')
        companies = dict(db.session.execute(select(ExactConnection.id, ExactConnection.name)
                                            .where(ExactConnection.id.in_(
                                                {b.connection_id for b in bindings}))).all())
        return Markup("<br>").join(
            Markup("{}: {}{}").format(companies.get(b.connection_id, f"#{b.connection_id}"),
                                      b.exact_code or b.exact_id,
                                      " (deleted in Exact)" if b.deleted_in_exact else "")
            for b in sorted(bindings, key=lambda b: b.connection_id))


def register(app):
    for spec in entities.importable():
        if spec.importing.list_button:
            hooks.register_view_extension(app, ImportButton(spec.host_model, spec.name))
    for model_name in ("TaxRate", "Customer", "Product"):
        hooks.register_view_extension(app, MappingColumn(model_name))
    hooks.register_view_extension(app, TaxRateMapping())

