"""What syncing adds to the host's admin views (through backoffice.hooks).

On the customer, supplier, product and invoice forms: "Exact Online company" (the guide's
billing-tab field; new records default to the integration's default company, invoices to their
customer's); on products, a Generate button for the product ID; on every record, the sync
badge with a Retry button, and a sync column in the lists.
"""
from flask import render_template, url_for
from flask_admin.contrib.sqla.fields import QuerySelectField
from markupsafe import Markup
from wtforms import Field
from wtforms.fields.choices import Choice
from wtforms.widgets import html_params

from flask import flash

from backoffice import hooks
from backoffice.db import db
from exact_plugin import binder
from exact_plugin.gate import WhileEnabled
from exact_plugin.syncing import companies, outbox, status
from exact_plugin.entities import exported

COMPANY_FIELD = "exact_company"


class CompanyField(QuerySelectField):
    """Flask-Admin's QuerySelectField yielding WTForms 3.3 `Choice`s (raw tuples are
    deprecated and warn on every render)."""

    def iter_choices(self):
        for choice in super().iter_choices():
            yield Choice(*choice)


def company_field():
    return CompanyField(
        "Exact Online company", query_factory=companies.companies, allow_blank=True,
        blank_text="(not synced to Exact Online)",
        description="The Exact Online company this record is created in and kept in sync with.")


class GenerateButtonWidget:
    """A button filling the product ID field with an unused ID (asked from the server)."""

    def __call__(self, field, **kwargs):
        url = url_for("exactsync.generate_product_id")
        button = html_params(type="button", id="exact-generate-product-id",
                             class_="btn btn-outline-secondary btn-sm", **{"data-url": url})
        script = (
            "document.getElementById('exact-generate-product-id').addEventListener('click',"
            "function(){fetch(this.dataset.url,{credentials:'same-origin'}).then(function(r)"
            "{return r.json()}).then(function(d){var f=document.getElementById('accounting_id');"
            "if(f){f.value=d.product_id;f.dispatchEvent(new Event('change'))}})});")
        return Markup(f"<button {button}>Generate</button>"
                      f"<script>{script}</script>")


class GenerateButtonField(Field):
    """Renders the Generate button; it carries no data of its own."""
    widget = GenerateButtonWidget()

    def process_formdata(self, valuelist):
        self.data = None

    def populate_obj(self, obj, name):
        """Nothing to store on the record."""


class SyncExtension(WhileEnabled):
    """Company field, badge and list column, the same for every exported model."""

    def extra_form_fields(self, view):
        return {COMPANY_FIELD: company_field()}

    def on_form_prefill(self, form, model):
        if hasattr(form, COMPANY_FIELD):
            getattr(form, COMPANY_FIELD).data = companies.company_of(self.model_name, model.id)

    def on_form_create(self, form):
        field = getattr(form, COMPANY_FIELD, None)
        if field is not None and field.data is None and not field.raw_data:
            field.data = companies.default_company_for(self.model_name)

    def on_model_change(self, form, model, is_created):
        field = getattr(form, COMPANY_FIELD, None)
        if field is None:
            return
        db.session.flush()  # a new record needs its id for the binding
        chosen = field.data
        if chosen is None:
            companies.set_company(self.model_name, model.id, None)
            if is_created:
                outbox.mark_unassigned(self.model_name, model.id)
            return
        if binder.binding_for_host(chosen.id, self.model_name, model.id) is None:
            companies.set_company(self.model_name, model.id, chosen.id)
        outbox.mark_for_export(self.model_name, model.id)


class StatusExtension(hooks.ModelViewExtension):
    """The sync badge, its list column and the save message. Active while the module is on,
    and while it is off once an Exact company exists: a change made while the module is off
    waits, and the record says so (status.py). A plugin never set up shows nothing."""

    def is_active(self):
        from exact_plugin.connection import is_enabled
        from exact_plugin.models import ExactConnection
        return is_enabled() or db.session.execute(
            db.select(ExactConnection.id).limit(1)).first() is not None

    def list_columns(self, view):
        return {"exact_sync": self._list_badge}

    def _list_badge(self, view, context, model, name):
        return render_badges(self.model_name, model, compact=True)

    def record_panel(self, view, model):
        return render_badges(self.model_name, model, compact=False)

    def after_model_change(self, form, model, is_created):
        category, message = status.save_message(self.model_name, model)
        flash(message, category)


class ProductExtension(SyncExtension):
    """Products also get the Generate button for their product ID."""

    def extra_form_fields(self, view):
        fields = super().extra_form_fields(view)
        fields["exact_generate_product_id"] = GenerateButtonField(
            "Generate a product ID",
            description="Fills 'Product ID for accounting integration' with an ID not yet used.")
        return fields


def extensions():
    """One admin-screen extension per exported entity (its own class when it declares one)."""
    for host_model, spec in exported().items():
        extension_class = spec.view_extension() if spec.view_extension else SyncExtension
        yield type(f"{host_model}SyncExtension", (extension_class,), {"model_name": host_model})
        yield type(f"{host_model}StatusExtension", (StatusExtension,), {"model_name": host_model})


def render_badges(host_model, model, compact):
    if model is None or model.id is None:
        return ""
    state = status.as_json(host_model, model)
    return Markup(render_template(
        "exact/sync/badge.html", rows=state["rows"], final=state["final"],
        host_model=host_model, host_id=model.id, compact=compact,
        state_url=url_for("exactstatus.record_state", host_model=host_model, host_id=model.id)))
