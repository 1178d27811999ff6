"""Screens of issue 15: the inbound (webhook) log, the reconciliation report and the live
region on a record page that shows changes arriving from Exact.

Every route needs login (SecureBaseView / SecureModelView); POSTs carry the CSRF token. Pages
never call Exact except the per-row fixes (one call each, like Retry on the sync page); a
reconciliation and the bulk fixes run as jobs.
"""
import json

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose
from markupsafe import Markup
from sqlalchemy import func, select

from admin_views.base import SecureBaseView, SecureModelView
from backoffice import hooks
from backoffice.db import db
from exact_plugin import binder, entities
from exact_plugin.admin.companies import CATEGORY, ExactModuleView
from exact_plugin.errors import ExactError
from exact_plugin.gate import WhileEnabled
from exact_plugin.models import ExactConnection
from exact_plugin.realtime import reconcile
from exact_plugin.realtime.models import Difference, InboundRequest, Reconciliation

ROWS_PER_PAGE = 200


def _status(view, context, model, name):
    badge = "success" if model.status < 300 else "danger"
    return Markup('<span class="badge badge-{}">{}</span>').format(badge, model.status)


class InboundRequestView(ExactModuleView, SecureModelView):
    area = "connections"
    can_create = can_edit = can_delete = False
    named_filter_urls = True
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("created_at", "connection", "status", "outcome", "topic", "action",
                   "exact_key", "message")
    column_details_list = column_list + ("remote_addr", "body")
    column_labels = {"created_at": "Time (UTC)", "connection": "Company", "exact_key": "Key",
                     "connection_id": "Company id", "remote_addr": "From"}
    column_formatters = {"status": _status}
    column_filters = ("connection_id", "status", "outcome", "topic")

    def __init__(self):
        super().__init__(InboundRequest, name="Inbound webhooks", category=CATEGORY,
                         endpoint="exact_inbound", url="/admin/exact/inbound")


class ReconcileView(ExactModuleView, SecureBaseView):
    # Its fixes are imports and pushes, which finance may start too.
    area = "imports"
    @expose("/")
    def index(self):
        company_id = request.args.get("company_id", type=int)
        companies = db.session.execute(select(ExactConnection).order_by(
            ExactConnection.name)).scalars().all()
        reports = reconcile.latest(company_id) if company_id else reconcile.latest_all()
        return self.render("exact/realtime/reconcile_index.html", companies=companies,
                           reports=reports, company_id=company_id)

    @expose("/run", methods=["POST"])
    def run(self):
        import jobs
        company = db.session.get(ExactConnection, request.form.get("company_id", type=int) or 0)
        if company is None or not company.is_connected:
            flash("Choose a connected Exact Online company to reconcile.", "error")
            return redirect(url_for(".index"))
        jobs.enqueue(reconcile.reconcile_job, company.id,
                     job_id=f"exact-reconcile-{company.id}", unique=True, job_timeout=6 * 3600)
        flash(f"The reconciliation of {company} is running; its report appears here.", "info")
        return redirect(url_for(".index", company_id=company.id))

    @expose("/report/<int:report_id>")
    def report(self, report_id):
        report = db.session.get(Reconciliation, report_id)
        if report is None:
            flash("That reconciliation report no longer exists.", "error")
            return redirect(url_for(".index"))
        kind = request.args.get("kind")
        page = max(request.args.get("page", 1, type=int), 1)
        scope = [Difference.reconciliation_id == report.id]
        if kind in reconcile.KIND_LABELS:
            scope.append(Difference.kind == kind)
        total = db.session.execute(select(func.count()).where(*scope)).scalar()
        rows = db.session.execute(select(Difference).where(*scope).order_by(Difference.id)
                                  .offset((page - 1) * ROWS_PER_PAGE).limit(ROWS_PER_PAGE)
                                  ).scalars().all()
        return self.render("exact/realtime/reconcile_report.html", report=report, rows=rows,
                           spec=entities.entity(report.entity), kinds=reconcile.KIND_LABELS,
                           kind=kind, page=page, total=total, per_page=ROWS_PER_PAGE,
                           fields_of=lambda row: json.loads(row.fields) if row.fields else [])

    @expose("/difference/<int:difference_id>/<direction>", methods=["POST"])
    def fix(self, difference_id, direction):
        difference = db.session.get(Difference, difference_id)
        if difference is None:
            flash("That row of the reconciliation report no longer exists.", "error")
            return redirect(url_for(".index"))
        if direction not in ("exact", "ours"):
            flash("Choose Send ours or Take Exact's.", "error")
            return redirect(url_for(".report", report_id=difference.reconciliation_id))
        report_id = difference.reconciliation_id
        try:
            said = (reconcile.take_exact if direction == "exact" else
                    reconcile.send_ours)(difference_id)
            flash(said, "success")
        except ExactError as error:
            db.session.rollback()
            flash(f"The fix did not go through: {error.message}", "error")
        return redirect(url_for(".report", report_id=report_id))

    @expose("/report/<int:report_id>/fix-all/<direction>", methods=["POST"])
    def fix_all(self, report_id, direction):
        import jobs
        if direction not in ("exact", "ours") or db.session.get(Reconciliation,
                                                                report_id) is None:
            flash("That reconciliation report no longer exists.", "error")
            return redirect(url_for(".index"))
        jobs.enqueue(reconcile.fix_all, report_id, direction,
                     job_id=f"exact-reconcile-fix-{report_id}", unique=True,
                     job_timeout=6 * 3600)
        flash("Every open row is being fixed " + ("with Exact's version" if direction == "exact"
              else "by sending ours") + "; reload to follow.", "info")
        return redirect(url_for(".report", report_id=report_id))


class LiveView(ExactModuleView, SecureBaseView):
    """What the live region of a record page polls: the record's name and its mapping's last
    change, so a change from Exact shows without reloading."""

    def is_visible(self):
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("exact_reconcile.index"))

    @expose("/<host_model>/<int:host_id>")
    def state(self, host_model, host_id):
        spec = next((spec for spec in entities.importable()
                     if spec.host_model == host_model), None)
        if spec is None:
            return jsonify({"error": f"{host_model} is not imported from Exact Online."}), 404
        table = spec.importing.table
        name = db.session.execute(select(table.c[spec.importing.name_column]).where(
            table.c.id == host_id)).scalar()
        bindings = binder.bindings_of_host(host_model, host_id)
        changed = max((b.updated_at for b in bindings), default=None)
        return jsonify({"name": name, "changed_at": changed.isoformat() if changed else None,
                        "deleted_in_exact": any(b.deleted_in_exact for b in bindings)})


class LiveChangesExtension(WhileEnabled):
    """A live region on the record page of an imported host model (issue 15)."""

    def __init__(self, model_name):
        self.model_name = model_name

    def record_panel(self, view, model):
        url = url_for("exact_live.state", host_model=self.model_name, host_id=model.id)
        return Markup(
            '<div id="exact-live" class="small text-info" role="status" aria-live="polite" '
            'data-url="{url}"></div><script>(function(){{var box=document.getElementById('
            '"exact-live"),first=null;function look(){{fetch(box.dataset.url,{{credentials:'
            '"same-origin"}}).then(function(r){{return r.json()}}).then(function(d){{var seen='
            'JSON.stringify(d);if(first===null){{first=seen}}else if(seen!==first){{box.'
            'textContent="Changed in Exact Online: the name is now \\u201c"+d.name+"\\u201d"+'
            '(d.deleted_in_exact?" and it was deleted there":"")+". Reload to edit the new '
            'version."}}}}).catch(function(){{}})}}look();setInterval(look,1500)}})();'
            '</script>').format(url=url)


def register_extensions(app):
    for spec in entities.importable():
        if spec.exporting is not None and spec.webhook_topic:
            hooks.register_view_extension(app, LiveChangesExtension(spec.host_model))


def add_views(admin):
    admin.add_view(InboundRequestView())
    admin.add_view(ReconcileView(name="Reconciliation", category=CATEGORY,
                                 endpoint="exact_reconcile", url="/admin/exact/reconcile"))
    admin.add_view(LiveView(name="Live", category=CATEGORY, endpoint="exact_live",
                            url="/admin/exact/live"))
