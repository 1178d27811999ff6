"""What syncing adds to the host's admin views (through backoffice.hooks).

On the customer, supplier, product and invoice forms: "Exact Online company" (the guide's
billing-tab field; new records default to the integration's default company, invoices to their
customer's); on products, a Generate button for the product ID; on every record, the sync
badge with a Retry button, and a sync column in the lists.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from markupsafe import Markup
from wtforms import Field
from wtforms.fields.choices import Choice
from wtforms.widgets import html_params

from backoffice import hooks
from backoffice.db import db
from exact_plugin import binder
from exact_plugin.gate import WhileEnabled
from exact_plugin.syncing import bulk, companies, outbox, status
from exact_plugin.entities import export_of, exported
from exact_plugin.models import Binding
from exact_plugin.syncing.states import BADGES

NO_COMPANY = "none"

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


class _BindingFilter(BaseSQLAFilter):
    """A list filter on the record's bindings (sync state or Exact company), for one host model."""

    def __init__(self, model, host_model, name, options):
        super().__init__(model.id, name, options=options)
        self.host_model = host_model

    def bound(self):
        return db.select(Binding.host_id).where(Binding.host_model == self.host_model)

    def operation(self):
        return "is"


class SyncStateFilter(_BindingFilter):
    def __init__(self, model, host_model):
        options = [(state, label) for state, (label, _colour) in BADGES.items()]
        options.append((NO_COMPANY, "No Exact company"))
        super().__init__(model, host_model, "Exact sync", options)

    def validate(self, value):
        return value in BADGES or value == NO_COMPANY

    def apply(self, query, value, alias=None):
        if value == NO_COMPANY:
            return query.filter(~self.column.in_(self.bound()))
        return query.filter(self.column.in_(self.bound().where(Binding.sync_state == value)))


class _CompanyChoices:
    """The companies, read each time the list page is drawn (Flask-Admin reads a filter's
    options once, when the screen is built, before any company exists)."""

    def __bool__(self):
        return True

    def __iter__(self):
        return iter([(str(company.id), company.name) for company in companies.companies()])


class CompanyFilter(_BindingFilter):
    def __init__(self, model, host_model):
        super().__init__(model, host_model, "Exact Online company", _CompanyChoices())

    def get_options(self, view):
        return self.options

    def validate(self, value):
        return str(value).isdigit()

    def apply(self, query, value, alias=None):
        return query.filter(self.column.in_(
            self.bound().where(Binding.connection_id == int(value))))


def bulk_result(host_model, queued, skipped, verb):
    """Flash what a bulk action did, and go to its progress page (or back when nothing went)."""
    label = export_of(host_model).label.lower()
    reasons = {"no_company": "have no Exact Online company (choose one on the record, or set a "
                             "default company under Configuration > Integrations)",
               "not_syncing": "belong to a company not set to sync them (its \"Sync ... to "
                              "Exact Online\" setting)",
               "not_failed": "had not failed (Retry only sends failed records again)"}
    for reason, number in skipped.items():
        if number:
            flash(f"{number} {label}(s) were not sent: they {reasons[reason]}.", "warning")
    if not queued:
        flash(f"No {label} was queued to be {verb} Exact Online.", "warning")
        return None
    batch_id = bulk.remember_batch(host_model, queued)
    flash(f"{len(queued)} {label}(s) queued to be {verb} Exact Online; they go as fast as "
          "Exact's call limits allow.", "success")
    if batch_id is None:
        return None
    return redirect(url_for("exactsync.progress", batch_id=batch_id,
                            next=request.form.get("url") or None))


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

    def list_filters(self, model):
        return [SyncStateFilter(model, self.model_name), CompanyFilter(model, self.model_name)]

    def bulk_actions(self, view):
        return [("exact_send", "Send to Exact Online",
                 "Send the selected records to Exact Online?", self._send),
                ("exact_retry", "Retry sending to Exact Online", None, self._retry)]

    def _send(self, ids):
        queued, skipped = bulk.send(self.model_name, ids)
        return bulk_result(self.model_name, queued, skipped, "sent to")

    def _retry(self, ids):
        queued, skipped = bulk.retry(self.model_name, ids)
        return bulk_result(self.model_name, queued, skipped, "sent again to")

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
