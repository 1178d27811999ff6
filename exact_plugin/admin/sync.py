"""The "Exact sync" page: what is waiting to go to Exact, what failed, and the Retry button.

Every route needs login (SecureBaseView); the POST routes are covered by the global
CSRFProtect, the forms carry the token.
"""
from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose

from admin_views.base import SecureBaseView
from backoffice import models as host
from backoffice.db import db
from exact_plugin import binder
from exact_plugin.admin.companies import ExactModuleView
from exact_plugin.entities import export_of, exported
from exact_plugin.syncing import jobs, outbox, product_ids
from exact_plugin.syncing.states import BADGES, FAILED


class ExactSyncView(ExactModuleView, SecureBaseView):
    area = "retries"
    @expose("/")
    def index(self):
        waiting = outbox.waiting_entries(limit=200)
        failed = binder.bindings_in_state(exported(), FAILED, limit=200)
        return self.render("exact/sync/index.html", waiting=waiting, failed=failed,
                           states=BADGES, records=_records_named(waiting, failed))

    @expose("/retry/<host_model>/<int:host_id>", methods=["POST"])
    def retry(self, host_model, host_id):
        if export_of(host_model) is None:
            flash(f"{host_model} records are not synced to Exact Online.", "error")
            return redirect(url_for(".index"))
        record = db.session.get(getattr(host, host_model), host_id)
        if record is None:
            flash(f"{host_model} {host_id} no longer exists.", "error")
            return redirect(url_for(".index"))
        jobs.retry_record(host_model, host_id)
        flash(f"{export_of(host_model).label} '{record}' is queued to be sent to Exact Online "
              f"again.", "info")
        return redirect(_back_to(host_model, host_id))

    @expose("/generate-product-id")
    def generate_product_id(self):
        return jsonify(product_id=product_ids.generate_product_id())


def _back_to(host_model, host_id):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(f"{host_model.lower()}.edit_view", id=host_id)


def _records_named(waiting, failed):
    """{(model, id): record} for the rows shown, to print their names."""
    wanted = {(row.host_model, row.host_id) for row in [*waiting, *failed]}
    return {(model, record_id): db.session.get(getattr(host, model), record_id)
            for model, record_id in wanted}


def add_views(admin):
    admin.add_view(ExactSyncView(name="Sync to Exact", endpoint="exactsync",
                                 url="/admin/exact-sync", category="Exact Online"))
