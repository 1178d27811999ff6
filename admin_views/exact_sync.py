"""The "Exact sync" page: what is waiting to go to Exact, what failed, and the Retry button.

Every route needs login (SecureBaseView); the POST routes are covered by the global
CSRFProtect, the forms carry the token.
"""
from pathlib import Path

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_admin import expose

from admin_views.base import SecureBaseView
from admin_views.exact_connection import ExactModuleView
from backoffice import models as host
from backoffice.db import db
from exact_plugin.models import Binding
from exact_plugin.syncing import jobs, product_ids
from exact_plugin.syncing.models import OutboxEntry
from exact_plugin.syncing.rules import EXPORTS, SYNC_STATES

TEMPLATES = Blueprint("exact_sync_templates", __name__,
                      template_folder=str(Path(__file__).parent / "templates"))
# Where the Retry button sends the admin back to when no page is given.
EDIT_ENDPOINTS = {name: f"{name.lower()}.edit_view" for name in EXPORTS}


class ExactSyncView(ExactModuleView, SecureBaseView):
    area = "retries"
    @expose("/")
    def index(self):
        waiting = db.session.execute(db.select(OutboxEntry).order_by(OutboxEntry.id).limit(200)
                                     ).scalars().all()
        failed = db.session.execute(db.select(Binding).filter(
            Binding.host_model.in_(list(EXPORTS)), Binding.sync_state == "failed"
        ).order_by(Binding.updated_at.desc()).limit(200)).scalars().all()
        return self.render("exact/sync/index.html", waiting=waiting, failed=failed,
                           states=SYNC_STATES, records=_records_named(waiting, failed))

    @expose("/retry/<host_model>/<int:host_id>", methods=["POST"])
    def retry(self, host_model, host_id):
        if host_model not in EXPORTS:
            flash(f"{host_model} records are not synced to Exact Online.", "error")
            return redirect(url_for(".index"))
        record = db.session.get(getattr(host, host_model), host_id)
        if record is None:
            flash(f"{host_model} {host_id} no longer exists.", "error")
            return redirect(url_for(".index"))
        jobs.retry_record(host_model, host_id)
        flash(f"{EXPORTS[host_model].label} '{record}' is queued to be sent to Exact Online "
              f"again.", "info")
        return redirect(_back_to(host_model, host_id))

    @expose("/generate-product-id")
    def generate_product_id(self):
        return jsonify(product_id=product_ids.generate_product_id())


def _back_to(host_model, host_id):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for(EDIT_ENDPOINTS[host_model], id=host_id)


def _records_named(waiting, failed):
    """{(model, id): record} for the rows shown, to print their names."""
    wanted = {(row.host_model, row.host_id) for row in [*waiting, *failed]}
    return {(model, record_id): db.session.get(getattr(host, model), record_id)
            for model, record_id in wanted}


def add_views(admin):
    app = admin.app
    if "exact_sync_templates" not in app.blueprints:
        app.register_blueprint(TEMPLATES)
    admin.add_view(ExactSyncView(name="Sync to Exact", endpoint="exactsync",
                                 url="/admin/exact-sync", category="Exact Online"))
