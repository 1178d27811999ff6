"""Exact Online screens: Configuration > Integrations, the companies, the outbound request log.

- Integrations: the Exact Online module with its enable switch and the integration-wide
  settings (the default Exact company, "tenant", for new customers, products and suppliers).
- Exact Online companies: New shows the redirect URI to register in Exact's App Centre (with a
  copy button), Client ID, Client secret (write-only: never shown again), Location and the
  guide's per-company settings. A company's page has Connect Now / Disconnect, the Company tab
  (pick the Exact division it imports from and syncs to) and the calls left.
- Outbound requests: every request sent to Exact, filterable by company, status and entity.

Every screen needs login; every POST carries the CSRF token (global CSRFProtect). While the
module is disabled only the Integrations page is shown.
"""
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, URL

from admin_views.base import SecureBaseView, SecureModelView
from backoffice.db import db
from exact_plugin import connection as exact
from exact_plugin import oauth
from exact_plugin.client import ExactClient
from exact_plugin.errors import ExactError
from exact_plugin.models import (INVOICE_STATUSES, LOCATIONS, STATE_DISCONNECTED,
                                 ExactConnection, IntegrationSettings, OutboundRequest)

CATEGORY = "Exact Online"
STATE_LABELS = {"new": "Not connected yet", "connected": "Connected",
                "needs_reconnect": "Needs reconnect", "disconnected": "Disconnected"}
STATE_BADGES = {"new": "secondary", "connected": "success", "needs_reconnect": "danger",
                "disconnected": "warning"}
MODULE_DISABLED = ("The Exact Online module is disabled: enable it under Configuration > "
                   "Integrations.")
APP_CHANGED = ("The app (client ID) or the Exact site changed, so the old authorisation no longer "
               "applies: click Connect Now.")


class ExactModuleView:
    """Mixin: the screen exists only while the Exact Online module is enabled."""

    def is_accessible(self):
        return super().is_accessible() and exact.is_enabled()

    def is_visible(self):
        return current_user.is_authenticated and exact.is_enabled()

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated and not exact.is_enabled():
            flash(MODULE_DISABLED, "warning")
            return redirect(url_for("integrations.index"))
        return super().inaccessible_callback(name, **kwargs)


# -- Configuration > Integrations ----------------------------------------------------------------

class IntegrationsView(SecureBaseView):
    area = "settings"
    @expose("/")
    def index(self):
        settings = db.session.get(IntegrationSettings, 1)
        companies = db.session.execute(
            db.select(ExactConnection).order_by(ExactConnection.name)).scalars().all()
        return self.render("exact/connection/integrations.html", enabled=exact.is_enabled(),
                           settings=settings, companies=companies,
                           invoice_statuses=INVOICE_STATUSES)

    @expose("/exact/enable", methods=["POST"])
    def enable(self):
        enabled = request.form.get("enabled") == "1"
        exact.set_enabled(enabled)
        flash("The Exact Online module is enabled." if enabled else
              "The Exact Online module is disabled: no Exact menu, job or sync runs.", "success")
        return redirect(url_for(".index"))

    @expose("/exact/settings", methods=["POST"])
    def save_settings(self):
        if not exact.is_enabled():
            flash(MODULE_DISABLED, "warning")
            return redirect(url_for(".index"))
        chosen = request.form.get("default_connection_id") or None
        if chosen is not None and db.session.get(ExactConnection, _int_or_none(chosen)) is None:
            flash("The chosen default Exact company no longer exists; nothing was saved.", "error")
            return redirect(url_for(".index"))
        IntegrationSettings.get().default_connection_id = _int_or_none(chosen)
        db.session.commit()
        flash("Exact Online settings saved.", "success")
        return redirect(url_for(".index"))


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- Exact Online companies ----------------------------------------------------------------------

def _state_badge(view, context, model, name):
    return Markup('<span class="badge badge-{}">{}</span>').format(
        STATE_BADGES.get(model.state, "secondary"), STATE_LABELS.get(model.state, model.state))


def _location(view, context, model, name):
    return model.location_label


class ExactCompanyView(ExactModuleView, SecureModelView):
    area = "connections"
    create_template = "exact/connection/company_create.html"
    edit_template = "exact/connection/company_edit.html"
    can_view_details = False
    column_list = ("name", "location", "division", "division_name", "state", "exact_user_name")
    column_labels = {"division": "Exact company (division)", "division_name": "Exact company name",
                     "exact_user_name": "Connected as", "client_id": "Client ID",
                     "new_client_secret": "Client secret", "custom_base_url": "Custom base URL",
                     "top_level": "Top level for customers",
                     "default_product_group": "Default product group",
                     "import_tax_rates_daily": "Import tax rates daily",
                     "success_messages": "Messages for each successful sync",
                     "default_invoice_status": "Default status for new invoices",
                     "sync_customers": "Sync customers to Exact Online",
                     "sync_products": "Sync products to Exact Online",
                     "sync_invoices": "Sync invoices to Exact Online",
                     "sync_suppliers": "Sync suppliers to Exact Online"}
    column_formatters = {"state": _state_badge, "location": _location}
    column_searchable_list = ("name",)
    form_columns = ("name", "client_id", "new_client_secret", "location", "custom_base_url",
                    "top_level", "default_product_group", "import_tax_rates_daily",
                    "sync_customers", "sync_products", "sync_invoices", "sync_suppliers",
                    "success_messages", "default_invoice_status")
    form_only_fields = ("new_client_secret",)
    form_extra_fields = {"new_client_secret": PasswordField(
        "Client secret", description="From the app in Exact's App Centre. Stored encrypted and "
                                     "never shown again (when editing, leave it empty to keep "
                                     "the saved one).")}
    form_overrides = {"location": SelectField, "default_invoice_status": SelectField}
    form_args = {
        "name": {"validators": [DataRequired(), Length(max=120)],
                 "description": "A name for this Exact Online company in the back office."},
        "client_id": {"label": "Client ID", "validators": [DataRequired(), Length(max=64)]},
        "location": {"choices": [SelectChoice(key, label) for key, (label, _url) in LOCATIONS.items()],
                     "description": "The Exact Online site where the app is registered."},
        "custom_base_url": {"label": "Custom base URL", "validators": [Optional(), URL(require_tld=False)],
                            "description": "Only for the location \"Custom base URL\", "
                                           "e.g. https://start.exactonline.lu"},
        "default_invoice_status": {"choices": [SelectChoice(str(code), f"{label} ({code})")
                                               for code, label in INVOICE_STATUSES.items()],
                                   "coerce": int},
    }
    form_widget_args = {"new_client_secret": {"autocomplete": "new-password"}}

    def __init__(self):
        super().__init__(ExactConnection, name="Exact Online companies", category=CATEGORY,
                         endpoint=oauth.COMPANY_VIEW, url="/admin/exact/companies")

    # -- saving --------------------------------------------------------------------------------

    def check_form(self, form, model, is_created):
        errors = {}
        if is_created and not form.new_client_secret.data:
            errors["new_client_secret"] = "Enter the client secret of the app in Exact's App Centre."
        if model.location == "custom" and not model.custom_base_url:
            errors["custom_base_url"] = "Enter the base URL of the Exact site for this location."
        elif model.location == "custom" and model.custom_base_url.startswith("http://") and \
                not oauth.is_loopback_url(model.custom_base_url):
            errors["custom_base_url"] = oauth.INSECURE_BASE_URL
        if model.location == "sandbox" and not model.base_url:
            errors["location"] = "The local sandbox is not configured (EXACT_SANDBOX_URL)."
        return errors

    def on_model_change(self, form, model, is_created):
        if form.new_client_secret.data:
            model.client_secret = form.new_client_secret.data.strip()
        if not is_created and model.refresh_token and _app_changed(model):
            model.access_token = model.refresh_token = None
            model.token_obtained_at = model.token_expires_at = None
            model.state, model.state_reason = STATE_DISCONNECTED, APP_CHANGED
        super().on_model_change(form, model, is_created)

    def get_save_return_url(self, model, is_created=False):
        if request.form.get("_connect_now"):
            oauth.browser_session[oauth.CONNECTING_KEY] = model.id
            return url_for(f"{oauth.BLUEPRINT_NAME}.login")
        if is_created:
            return url_for(".edit_view", id=model.id)
        return super().get_save_return_url(model, is_created)

    # -- the company page ----------------------------------------------------------------------

    def render(self, template, **kwargs):
        kwargs["redirect_uri"] = oauth.redirect_uri() or oauth.NO_EXTERNAL_URL
        model = kwargs.get("model")
        if model is not None and template == self.edit_template:
            kwargs.update(company_page_context(model, request.args.get("choose") == "1"))
        return super().render(template, **kwargs)

    def _company_gone(self):
        flash("That Exact Online company no longer exists.", "error")
        return redirect(url_for(".index_view"))

    @expose("/<int:company_id>/connect", methods=["POST"])
    def connect(self, company_id):
        company = db.session.get(ExactConnection, company_id)
        if company is None:
            return self._company_gone()
        if not company.client_secret or not company.base_url:
            flash("Fill in the Client secret and the Location (and save) before connecting.",
                  "error")
            return redirect(url_for(".edit_view", id=company.id))
        return oauth.begin_connect(company)

    @expose("/<int:company_id>/disconnect", methods=["POST"])
    def disconnect(self, company_id):
        company = db.session.get(ExactConnection, company_id)
        if company is not None:
            exact.disconnect(company)
            flash(f"\"{company.name}\" is disconnected from Exact Online. Its Exact company and "
                  "all mappings are kept; Connect Now connects it again.", "success")
        return redirect(url_for(".edit_view", id=company_id))

    @expose("/<int:company_id>/division", methods=["POST"])
    def choose_division(self, company_id):
        company = db.session.get(ExactConnection, company_id)
        if company is None:
            return self._company_gone()
        choose_again = url_for(".edit_view", id=company_id, choose=1)
        code = _int_or_none(request.form.get("division"))
        if code is None:
            flash("Choose an Exact company from the list.", "error")
            return redirect(choose_again)
        try:
            # Only a division the consent allows (Exact would answer 403 NoDivisionAccess).
            allowed = {row["Code"]: row.get("Description") for row in ExactClient.for_connection(
                company, context="Company tab: choose division").divisions()}
            if code not in allowed:
                raise ExactError(f"Exact company {code} is not one this connection may access; "
                                 "choose one from the list (or reconnect and allow it on "
                                 "Exact's consent page).")
            exact.choose_division(company, code, allowed[code])
        except ExactError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(choose_again)
        flash(f"\"{company.name}\" now imports from and syncs to Exact company {code} "
              f"({allowed[code]}).", "success")
        return redirect(url_for(".edit_view", id=company_id))


def _app_changed(model):
    """True when the client ID or the Exact site of a connected company was changed."""
    history = db.inspect(model).attrs
    return any(history[name].history.has_changes()
               for name in ("client_id", "location", "custom_base_url"))


def company_page_context(company, choosing):
    """What the company page shows besides the form: health, calls left, divisions to pick."""
    context = {"company": company, "state_label": STATE_LABELS.get(company.state, company.state),
               "state_badge": STATE_BADGES.get(company.state, "secondary"),
               "calls_left": exact.calls_left(company), "divisions": None, "divisions_error": None,
               "choosing": choosing or (company.is_connected and company.division is None)}
    if context["choosing"] and company.is_connected:
        try:
            context["divisions"] = ExactClient.for_connection(
                company, context="Company tab: list divisions").divisions()
        except ExactError as error:
            context["divisions_error"] = error.message
        taken = dict(db.session.execute(db.select(ExactConnection.division, ExactConnection.name)
                                        .where(ExactConnection.id != company.id,
                                               ExactConnection.division.is_not(None))).all())
        context["taken_divisions"] = taken
    return context


# -- Outbound requests ---------------------------------------------------------------------------

def _status(view, context, model, name):
    if model.status is None:
        return Markup('<span class="badge badge-danger">no answer</span>')
    badge = "success" if model.status < 400 else ("warning" if model.status == 429 else "danger")
    return Markup('<span class="badge badge-{}">{}</span>').format(badge, model.status)


def _short_error(view, context, model, name):
    text = model.error or ""
    return text if len(text) <= 160 else text[:157] + "..."


def _company_name(view, context, model, name):
    return escape(model.connection.name) if model.connection else ""


class OutboundRequestView(ExactModuleView, SecureModelView):
    area = "connections"
    can_create = can_edit = can_delete = False
    named_filter_urls = True   # readable links, e.g. ?flt0_company_id_equals=3
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("created_at", "connection", "method", "entity", "url", "status", "duration_ms",
                   "minutely_remaining", "daily_remaining", "context", "error")
    column_details_list = column_list + ("request_body", "response_body")
    column_labels = {"created_at": "Time (UTC)", "connection": "Company", "duration_ms": "ms",
                     "minutely_remaining": "Left this minute", "daily_remaining": "Left today",
                     "url": "URL", "context": "For", "connection_id": "Company id"}
    column_formatters = {"status": _status, "error": _short_error, "connection": _company_name}
    column_filters = (FilterEqual(column="connection.name", name="Company"),
                      "connection_id", "status", "entity", "method")

    def __init__(self):
        super().__init__(OutboundRequest, name="Outbound requests", category=CATEGORY,
                         endpoint="exact_outbound", url="/admin/exact/outbound")


def add_views(admin, app):
    admin.add_view(IntegrationsView(name="Integrations", category="Configuration",
                                    endpoint="integrations", url="/admin/integrations"))
    admin.add_view(ExactCompanyView())
    admin.add_view(OutboundRequestView())
