"""A test plugin: one ModelViewExtension on Customer that records every hook call.

Registered through the hooks API from its `init_app`, exactly like a real plugin
(PLUGINS=["tests.backoffice.hook_probe_plugin"]).
"""
from markupsafe import Markup
from wtforms import StringField

from backoffice import hooks
from backoffice.db import db


class CustomerProbe(hooks.ModelViewExtension):
    model_name = "Customer"

    def __init__(self):
        self.calls = []

    def extra_form_fields(self, view):
        return {"probe_note": StringField("Probe note")}

    def on_form_prefill(self, form, model):
        self.calls.append(("on_form_prefill", model.name))
        form.probe_note.data = f"prefilled for {model.name}"

    def on_form_create(self, form):
        self.calls.append(("on_form_create",))
        form.probe_note.data = "default from the plugin"

    def validate(self, form, model, is_created):
        self.calls.append(("validate", is_created))
        if form.probe_note.data == "refuse":
            return {"probe_note": "The probe plugin refuses this note."}
        return {}

    def on_model_change(self, form, model, is_created):
        self.calls.append(("on_model_change", is_created, db.session().in_transaction()))
        # Written in the same transaction as the host's own changes.
        model.accounts_code = f"PROBE-{form.probe_note.data}"

    def after_model_change(self, form, model, is_created):
        self.calls.append(("after_model_change", is_created, model.id))
        if form.probe_note.data == "fail after saving":
            raise RuntimeError("the probe's follow-up failed")

    def list_columns(self, view):
        return {"probe_column": lambda _view, _context, model, _name: f"probe-{model.name}"}

    def record_panel(self, view, model):
        return Markup('<span class="probe-panel">Probe panel for {}</span>').format(model.name)


def init_app(app):
    probe = CustomerProbe()
    app.extensions["customer_probe"] = probe
    hooks.register_view_extension(app, probe)
    hooks.register_banner_source(app, lambda: [("warning", Markup("<b>Probe banner</b>"))])
