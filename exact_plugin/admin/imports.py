"""Importing from Exact Online: choose the company, preview, Start, progress, result; and the
guide's mapping tables (customers, item groups to product groups).

Every page is behind login (SecureBaseView / SecureModelView) and every POST carries the CSRF
token (CSRFProtect is global). Pages never call Exact: the fetch and the apply run as jobs and
the pages follow them through /run/<id>/progress.
"""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_admin import expose
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import AjaxModelLoader
from flask_admin.model.fields import AjaxSelectField
from markupsafe import Markup
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from sqlalchemy import or_, select

from admin_views.base import SecureBaseView, SecureModelView
from exact_plugin.admin.companies import ExactModuleView
from backoffice.db import db
from backoffice.models import Customer
from exact_plugin import entities
from exact_plugin.importing import changes as import_changes
from exact_plugin.importing import runs
from exact_plugin.importing.models import (CANCELLED, DONE, FAILED, OPEN_STATES, READY,
                                           STOPPED, ImportRun, StagedRecord)
from exact_plugin.importing.planner import CONFLICT
from exact_plugin.models import Binding, ExactConnection, ItemGroupMapping

PREVIEW_PAGE_SIZE = 200
SHOWN_FAILURES = 200
TEMPLATES = "exact/import/"


def _spec_or_404(entity_name):
    found = {spec.name: spec for spec in entities.importable()}
    if entity_name not in found:
        abort(404)
    return found[entity_name]


def _connected_companies():
    companies = db.session.execute(select(ExactConnection).order_by(ExactConnection.name))
    return [company for company in companies.scalars() if company.is_connected]


class ExactImportView(ExactModuleView, SecureBaseView):
    area = "imports"
    """The import pages of one entity: company choice, preview, progress and result."""

    @expose("/")
    def index(self):
        runs.reap_dead_runs()
        return self.render(TEMPLATES + "index.html",
                           entities=entities.importable(),
                           runs=db.session.execute(select(ImportRun).order_by(
                               ImportRun.id.desc()).limit(20)).scalars().all())

    @expose("/<entity_name>/")
    def choose(self, entity_name):
        spec = _spec_or_404(entity_name)
        companies = _connected_companies()
        for company in companies:
            runs.reap_dead_runs(company.id, spec.name)
        schedules = {company.id: runs.schedule_for(company.id, spec.name)
                     for company in companies}
        return self.render(TEMPLATES + "choose.html", spec=spec, companies=companies,
                           schedules=schedules, keeps_in_step=spec.name in runs.kept_in_step(),
                           next_run=runs.next_keep_in_step(),
                           active={company.id: runs.active_run(company.id, spec.name)
                                   for company in companies})

    @expose("/<entity_name>/", methods=("POST",))
    def start(self, entity_name):
        spec = _spec_or_404(entity_name)
        company = db.session.get(ExactConnection, request.form.get("company_id", type=int) or 0)
        if company is None or not company.is_connected:
            flash("Choose a connected Exact Online company to import from.", "error")
            return redirect(url_for(".choose", entity_name=spec.name))
        try:
            run = runs.start_run(company.id, spec.name, full=bool(request.form.get("full")),
                                 started_by=_who())
        except runs.ImportRefused as refused:
            flash(refused.message, "warning")
            if refused.run is not None:
                return redirect(url_for(".run", run_id=refused.run.id))
            return redirect(url_for(".choose", entity_name=spec.name))
        return redirect(url_for(".run", run_id=run.id))

    @expose("/<entity_name>/keep-in-step", methods=("POST",))
    def keep_in_step(self, entity_name):
        spec = _spec_or_404(entity_name)
        company = db.session.get(ExactConnection, request.form.get("company_id", type=int) or 0)
        if company is None or spec.name not in runs.kept_in_step():
            flash("Choose a company and an entity that can be kept in step.", "error")
            return redirect(url_for(".choose", entity_name=spec.name))
        schedule = runs.schedule_for(company.id, spec.name, create=True)
        schedule.enabled = request.form.get("enabled") == "1"
        db.session.commit()
        flash(f"Keeping {spec.plural} of {company} in step every 15 minutes is now "
              f"{'on' if schedule.enabled else 'off'}.", "success")
        return redirect(url_for(".choose", entity_name=spec.name))

    @expose("/run/<int:run_id>")
    def run(self, run_id):
        run = self._run_or_404(run_id)
        page = max(request.args.get("page", 1, type=int), 1)
        context = {"run": run, "spec": entities.entity(run.entity)}
        if run.state == READY:
            context.update(self._preview(run, page))
        if run.state in (DONE, STOPPED, CANCELLED):
            context["failures"] = db.session.execute(select(StagedRecord).filter_by(
                last_run_id=run.id, status=FAILED).order_by(StagedRecord.id)
                .limit(SHOWN_FAILURES)).scalars().all()
        return self.render(TEMPLATES + "run.html", **context)

    @expose("/run/<int:run_id>/resume", methods=("POST",))
    def resume(self, run_id):
        self._run_or_404(run_id)
        try:
            runs.resume(run_id)
        except runs.ImportRefused as refused:
            flash(refused.message, "warning")
        return redirect(url_for(".run", run_id=run_id))

    @expose("/run/<int:run_id>/cancel", methods=("POST",))
    def cancel(self, run_id):
        self._run_or_404(run_id)
        try:
            runs.cancel(run_id, by=_who())
        except runs.ImportRefused as refused:
            flash(refused.message, "warning")
        return redirect(url_for(".run", run_id=run_id))

    def _preview(self, run, page):
        scope = (StagedRecord.connection_id == run.connection_id,
                 StagedRecord.entity == run.entity, StagedRecord.status.in_(OPEN_STATES))
        rows = db.session.execute(select(StagedRecord).where(*scope).order_by(StagedRecord.id)
                                  .offset((page - 1) * PREVIEW_PAGE_SIZE)
                                  .limit(PREVIEW_PAGE_SIZE)).scalars().all()
        conflicts = db.session.execute(select(db.func.count()).where(
            *scope, StagedRecord.plan_action == CONFLICT)).scalar()
        pages = max((run.total + PREVIEW_PAGE_SIZE - 1) // PREVIEW_PAGE_SIZE, 1)
        return {"rows": rows, "page": page, "pages": pages, "conflicts": conflicts,
                "host_names": _host_names(run.entity, rows),
                "changes": import_changes.changes(run.entity, rows),
                "deletions": runs.deleted_in_exact(run)}

    @expose("/run/<int:run_id>/start", methods=("POST",))
    def start_apply(self, run_id):
        run = self._run_or_404(run_id)
        if run.state != READY:
            flash("This import was already started.", "warning")
            return redirect(url_for(".run", run_id=run.id))
        shown = {int(row_id) for row_id in request.form.getlist("shown")}
        selected = {int(row_id) for row_id in request.form.getlist("selected")}
        try:
            runs.start_apply(run, deselected_ids=sorted(shown - selected))
        except runs.ImportRefused as refused:
            flash(refused.message, "error")
        return redirect(url_for(".run", run_id=run_id))

    @expose("/run/<int:run_id>/progress")
    def progress(self, run_id):
        run = self._run_or_404(run_id)
        return jsonify({name: getattr(run, name) for name in (
            "id", "state", "fetched", "deleted", "total", "done", "created", "updated",
            "matched", "skipped", "failed", "message")})

    def _run_or_404(self, run_id):
        # Fresh from the database: the job writes the run from another session.
        run = db.session.get(ImportRun, run_id, populate_existing=True)
        if run is None:
            abort(404)
        # A run whose worker died says so as soon as its lease is over (not in 6 hours).
        if runs.reap_dead_runs(run.connection_id, run.entity):
            run = db.session.get(ImportRun, run_id, populate_existing=True)
        return run


def _who():
    return getattr(current_user, "login", None) or "an admin"


def _host_names(entity_name, rows):
    """{host id: name} of the host records the preview rows go to, in one query."""
    target = entities.entity(entity_name).importing
    host_ids = {row.plan_host_id for row in rows if row.plan_host_id}
    if not host_ids:
        return {}
    table = target.table
    return dict(db.session.execute(select(table.c.id, table.c[target.name_column]).where(
        table.c.id.in_(host_ids))).all())


class StagedCustomerLoader(AjaxModelLoader):
    """Ajax lookup over the Exact customers read by the last import, by code or name."""

    def __init__(self, name, entity_name="customers"):
        super().__init__(name, {})
        self.entity_name = entity_name

    def format(self, model):
        if model is None:
            return None
        return model.id, f"{model.code or ''} {model.name or ''} ({model.connection.name})".strip()

    def get_one(self, pk):
        return db.session.get(StagedRecord, int(pk)) if str(pk).isdigit() else None

    def get_list(self, query, offset=0, limit=10):
        pattern = f"%{query or ''}%"
        return db.session.execute(select(StagedRecord).where(
            StagedRecord.entity == self.entity_name,
            or_(StagedRecord.name.ilike(pattern), StagedRecord.code.ilike(pattern)))
            .order_by(StagedRecord.name).offset(offset or 0).limit(limit)).scalars().all()


class CustomerMappingView(ExactModuleView, SecureModelView):
    area = "mappings"
    """Guide: "complete the mapping table to map the Exact customer to the Halo customer"."""

    can_view_details = False
    column_list = ("connection", "exact_code", "exact_customer", "customer", "deleted_in_exact",
                   "last_synced_at")
    column_labels = {"connection": "Exact Online company", "exact_code": "Exact code",
                     "exact_customer": "Exact customer", "customer": "Customer",
                     "deleted_in_exact": "Deleted in Exact", "last_synced_at": "Last imported"}
    column_searchable_list = ("exact_code",)
    form_columns = ("exact_customer", "customer")
    form_extra_fields = {}
    form_only_fields = ("exact_customer", "customer")

    def __init__(self, *args, **kwargs):
        self.form_ajax_refs = {
            "exact_customer": StagedCustomerLoader("exact_customer"),
            "customer": QueryAjaxModelLoader("customer", db.session, Customer,
                                             fields=["name", "accounting_id"], page_size=10)}
        self.form_extra_fields = {
            "exact_customer": AjaxSelectField(self.form_ajax_refs["exact_customer"],
                                              "Exact customer"),
            "customer": AjaxSelectField(self.form_ajax_refs["customer"], "Customer")}
        self.column_formatters = {"exact_customer": _exact_name, "customer": _customer_name}
        super().__init__(*args, **kwargs)

    def get_query(self):
        return super().get_query().filter(Binding.host_model == "Customer")

    def get_count_query(self):
        return super().get_count_query().filter(Binding.host_model == "Customer")

    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        binding = self.get_one(id)
        form.customer.data = db.session.get(Customer, binding.host_id)
        form.exact_customer.data = db.session.execute(select(StagedRecord).filter_by(
            connection_id=binding.connection_id, entity="customers",
            exact_id=binding.exact_id)).scalar_one_or_none()

    def check_form(self, form, model, is_created):
        staged, customer = form.exact_customer.data, form.customer.data
        if staged is None or customer is None:
            return {"": "Choose both the Exact customer and the customer."}
        return _one_to_one_problems(model, staged, customer)

    def on_model_change(self, form, model, is_created):
        staged, customer = form.exact_customer.data, form.customer.data
        model.connection_id = staged.connection_id
        model.host_model, model.host_id = "Customer", customer.id
        model.exact_id, model.exact_code = staged.exact_id, staged.code
        model.deleted_in_exact = False
        super().on_model_change(form, model, is_created)


def _one_to_one_problems(model, staged, customer):
    """Guide: mappings are 1-1; say which mapping is in the way."""
    clash = db.session.execute(select(Binding).where(
        Binding.connection_id == staged.connection_id, Binding.host_model == "Customer",
        Binding.id != (model.id or 0),
        or_(Binding.exact_id == staged.exact_id, Binding.host_id == customer.id))).scalars().first()
    if clash is None:
        return {}
    if clash.exact_id == staged.exact_id:
        return {"exact_customer": f"Exact customer {staged.name!r} is already mapped to customer "
                                  f"#{clash.host_id}. Edit or delete that mapping first: "
                                  "mappings are one to one."}
    return {"customer": f"Customer {customer.name!r} is already mapped to Exact customer "
                        f"{clash.exact_code or clash.exact_id} in this company. Edit or delete "
                        "that mapping first: mappings are one to one."}


def _exact_name(view, context, model, name):
    return db.session.execute(select(StagedRecord.name).filter_by(
        connection_id=model.connection_id, entity="customers",
        exact_id=model.exact_id)).scalar() or ""


def _customer_name(view, context, model, name):
    customer = db.session.get(Customer, model.host_id)
    return customer.name if customer else Markup(
        f'<span class="text-danger">customer #{model.host_id} no longer exists</span>')


def item_group_choices():
    rows = db.session.execute(select(StagedRecord).where(
        StagedRecord.entity == "item_groups").order_by(StagedRecord.code)).scalars().all()
    return [SelectChoice(f"{row.connection_id}:{row.exact_id}",
                         f"{row.connection.name}: {row.code or ''} {row.name or ''}".strip())
            for row in rows]


class ItemGroupMappingView(ExactModuleView, SecureModelView):
    area = "mappings"
    """Guide: "select an item group from Exact and the corresponding product group in Halo"."""

    column_list = ("connection", "exact_code", "exact_description", "product_group")
    column_labels = {"connection": "Exact Online company", "exact_code": "Item group code",
                     "exact_description": "Item group", "product_group": "Product group"}
    form_columns = ("item_group", "product_group")
    form_only_fields = ("item_group",)
    form_ajax_refs = {"product_group": {"fields": ["name"], "page_size": 10}}

    def __init__(self, *args, **kwargs):
        self.form_extra_fields = {"item_group": SelectField(
            "Exact item group", choices=item_group_choices,
            description="Item groups are read from Exact by the products import; run "
                        "Import from Exact Online on Products once to list them.")}
        super().__init__(*args, **kwargs)

    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        mapping = self.get_one(id)
        form.item_group.data = f"{mapping.connection_id}:{mapping.exact_item_group_id}"

    def check_form(self, form, model, is_created):
        if not form.item_group.data:
            return {"item_group": "Choose an Exact item group."}
        connection_id, group_id = form.item_group.data.split(":", 1)
        clash = db.session.execute(select(ItemGroupMapping).where(
            ItemGroupMapping.connection_id == int(connection_id),
            ItemGroupMapping.exact_item_group_id == group_id,
            ItemGroupMapping.id != (model.id or 0))).scalars().first()
        if clash is not None:
            return {"item_group": f"This item group is already mapped to product group "
                                  f"{clash.product_group}. Edit that mapping instead."}
        return {}

    def on_model_change(self, form, model, is_created):
        connection_id, group_id = form.item_group.data.split(":", 1)
        with db.session.no_autoflush:   # the new mapping is not complete before this
            staged = db.session.execute(select(StagedRecord).filter_by(
                connection_id=int(connection_id), entity="item_groups",
                exact_id=group_id)).scalar_one()
        model.connection_id, model.exact_item_group_id = staged.connection_id, staged.exact_id
        model.exact_code, model.exact_description = staged.code, staged.name
        super().on_model_change(form, model, is_created)


def add_views(admin):
    admin.add_view(ExactImportView(name="Import from Exact Online", category="Exact Online",
                                   endpoint="exact_import", url="/admin/exact-import"))
    admin.add_view(CustomerMappingView(Binding, name="Customer mapping", category="Exact Online",
                                       endpoint="exact_customer_mapping"))
    admin.add_view(ItemGroupMappingView(ItemGroupMapping, name="Item group mapping",
                                        category="Exact Online",
                                        endpoint="exact_item_group_mapping"))

