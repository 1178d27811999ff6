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
from exact_plugin.models import ExactConnection
from exact_plugin.syncing import bulk, jobs, outbox, product_ids, status
from exact_plugin.syncing.states import BADGES, FAILED


class ExactSyncView(ExactModuleView, SecureBaseView):
    area = "retries"
    @expose("/")
    def index(self):
        waiting = outbox.waiting_entries(limit=200)
        failed = binder.bindings_in_state(exported(), FAILED, limit=200)
        return self.render("exact/sync/index.html", waiting=waiting, failed=failed,
                           states=BADGES, records=_records_named(waiting, failed),
                           record_url=record_url,
                           failed_companies=_companies_with_failures())

    @expose("/payments/refresh", methods=["POST"])
    def refresh_payments(self):
        """Read the payment status of the invoices in Exact now (also done periodically)."""
        import jobs as job_queue
        from exact_plugin.ledger import REFRESH_JOB_ID, payments
        queued = job_queue.enqueue(payments.refresh_all_companies, job_id=REFRESH_JOB_ID,
                                   unique=True, result_ttl=60)
        flash("The payment status of the invoices is being read from Exact Online; the invoice "
              "list shows it once done." if queued is not None else
              "The payment status is already being read from Exact Online.", "info")
        return redirect(request.form.get("next") if (request.form.get("next") or "").startswith(
            "/admin/") else url_for(".index"))

    @expose("/generate-product-id")
    def generate_product_id(self):
        return jsonify(product_id=product_ids.generate_product_id())

    @expose("/progress/<batch_id>")
    def progress(self, batch_id):
        data = bulk.batch(batch_id)
        if data is None:
            flash("That bulk send is no longer tracked (progress is kept for a day); the lists' "
                  "Exact sync column shows each record's state.", "warning")
            return redirect(url_for(".index"))
        return self.render("exact/sync/progress.html", batch_id=batch_id,
                           label=export_of(data["host_model"]).label,
                           figures=bulk.progress(data), back=_safe_next(request.args.get("next")))

    @expose("/progress/<batch_id>.json")
    def progress_json(self, batch_id):
        data = bulk.batch(batch_id)
        if data is None:
            return jsonify(error="unknown batch"), 404
        return jsonify(bulk.progress(data))

    @expose("/retry-failed/<int:company_id>", methods=["POST"])
    def retry_all_failed(self, company_id):
        company = db.session.get(ExactConnection, company_id)
        if company is None:
            flash("That Exact Online company no longer exists.", "error")
            return redirect(url_for(".index"))
        queued = bulk.retry_all_failed(company_id)
        if not queued:
            flash(f"Nothing of \"{company.name}\" failed, or its companies' sync settings are "
                  "off for what failed: nothing was queued.", "info")
            return redirect(_safe_next(request.form.get("next")) or url_for(".index"))
        flash(f"{len(queued)} failed record(s) of \"{company.name}\" queued to be sent to Exact "
              "Online again.", "success")
        by_model = {}
        for host_model, host_id in queued:
            by_model.setdefault(host_model, []).append((host_model, host_id))
        if len(by_model) == 1:
            (host_model, records), = by_model.items()
            batch_id = bulk.remember_batch(host_model, records)
            if batch_id:
                return redirect(url_for(".progress", batch_id=batch_id))
        return redirect(_safe_next(request.form.get("next")) or url_for(".index"))


class SyncStatusView(SecureBaseView):
    """A record's sync state (the badge's JSON) and its Retry button; reachable while the
    module is off too, so the badge says "Waiting (module off)" instead of vanishing. Not in
    the menu."""
    area = "retries"

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("exactsync.index"))

    @expose("/<host_model>/<int:host_id>")
    def record_state(self, host_model, host_id):
        record = _record(host_model, host_id)
        if record is None:
            return jsonify(error=f"There is no {host_model} {host_id} synced to Exact Online."), 404
        return jsonify(status.as_json(host_model, record))

    @expose("/retry/<host_model>/<int:host_id>", methods=["POST"])
    def retry(self, host_model, host_id):
        if export_of(host_model) is None:
            flash(f"{host_model} records are not synced to Exact Online.", "error")
            return redirect(url_for("admin.index"))
        record = db.session.get(getattr(host, host_model), host_id)
        if record is None:
            flash(f"{host_model} {host_id} no longer exists.", "error")
            return redirect(url_for("admin.index"))
        jobs.retry_record(host_model, host_id)
        category, message = status.save_message(host_model, record)
        flash(message.replace("Saved; ", "Retry: ", 1), category)
        return redirect(_back_to(host_model, host_id))


def _record(host_model, host_id):
    if export_of(host_model) is None:
        return None
    return db.session.get(getattr(host, host_model), host_id)


def _safe_next(target):
    """A local path to go back to, or None (never another site)."""
    target = target or ""
    return target if target.startswith("/") and not target.startswith("//") else None


def _back_to(host_model, host_id):
    return _safe_next(request.form.get("next")) or record_url(host_model, host_id)


def record_url(host_model, host_id):
    """The record's own page in the back office (every failure links to it)."""
    return url_for(f"{host_model.lower()}.edit_view", id=host_id)


def _records_named(waiting, failed):
    """{(model, id): record} for the rows shown, to print their names."""
    wanted = {(row.host_model, row.host_id) for row in [*waiting, *failed]}
    return {(model, record_id): db.session.get(getattr(host, model), record_id)
            for model, record_id in wanted}


def _companies_with_failures():
    """[(company, number failed)] for the "Retry all failed" buttons."""
    from exact_plugin.models import Binding
    from exact_plugin.syncing.states import FAILED as failed_state
    rows = db.session.execute(db.select(Binding.connection_id, db.func.count(Binding.id)).filter(
        Binding.sync_state == failed_state).group_by(Binding.connection_id)).all()
    return [(db.session.get(ExactConnection, company_id), number) for company_id, number in rows]


def add_views(admin):
    admin.add_view(ExactSyncView(name="Sync to Exact", endpoint="exactsync",
                                 url="/admin/exact-sync", category="Exact Online"))
    admin.add_view(SyncStatusView(name="Sync state", endpoint="exactstatus",
                                  url="/admin/exact-sync-state"))
