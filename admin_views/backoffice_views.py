"""Generated CRUD screens for the host's entities, one small declarative class per entity.

Lists stay fast at 100,000 rows: every column a list sorts or filters by is indexed
(backoffice/models.py), relations shown in a list are joined in the same query, and large
relations in forms are chosen through ajax lookups (`form_ajax_refs`) instead of a select
holding every row. bench/bench_list_view.py measures it.
"""
import re

from flask import flash, jsonify, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model.form import InlineFormAdmin
from markupsafe import Markup
from wtforms import PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from flask_login import current_user, login_user

from admin_views.base import SecureModelView
from backoffice import models
from backoffice.db import db
from jobs.health import saved_while_down_message
from backoffice.audit import AuditEntry
from backoffice.roles import READ_ONLY, ROLE_LABELS

ACCOUNTING_LABELS = {
    "accounting_id": "ID for accounting integration",
    "accounts_code": "Accounts code",
    "is_main": "Main site",
    "main_site": "Main site",
    "top_level": "Top level",
    "vat_number": "VAT number",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "address_line3": "Address line 3",
}

ADDRESS_FIELDS = ["address_line1", "address_line2", "address_line3", "postcode", "city", "state",
                  "country"]
COUNTRY_HELP = "Two-letter ISO code, e.g. NL, BE, DE, GB."
# The label of a select's empty choice (Flask-Admin's blank label is empty, which WTForms 3.3
# replaces by the choice's value, so users read "__None").
BLANK_CHOICE = "(none)"
MIN_PASSWORD_LENGTH = 8
MAX_ID = 2 ** 31 - 1   # the largest integer primary key


def ajax_ref(*fields):
    """A relation chosen by typing: 10 matches per lookup, never a select of every row."""
    return {"fields": list(fields), "page_size": 10,
            "placeholder": "Type to search, then choose"}


def related_name_filters(path, label):
    """"<label> equals / contains" filters on a related record's name, labelled in the user's
    words (Flask-Admin's default label would read "top_level / Top level / Name")."""
    return (FilterEqual(column=path, name=label), FilterLike(column=path, name=label))


def choices(*pairs):
    """WTForms 3.3 wants SelectChoice objects (tuples are deprecated); Flask-Admin's own
    `form_choices` cannot read them yet, hence a plain SelectField with these."""
    return [SelectChoice(value, label) for value, label in pairs]


def money(_view, _context, model, name):
    value = getattr(model, name)
    return "" if value is None else f"{value:,.2f}"


class HostModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, with a readable empty choice in relation selects (also
    in inline rows, which are converted with the view's converter)."""

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        kwargs.setdefault("blank_text", BLANK_CHOICE)
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


class HostModelView(SecureModelView):
    """Shared settings of the host screens."""

    model_form_converter = HostModelConverter
    column_labels = ACCOUNTING_LABELS
    form_excluded_columns = ("created_at", "updated_at")
    column_exclude_list = ("created_at", "updated_at")

    def after_model_change(self, form, model, is_created):
        # The record is saved; say so, and that its follow-up jobs wait while Redis is down.
        message = saved_while_down_message()
        if message:
            flash(message, "warning")


class TopLevelView(HostModelView):
    column_list = ("name",)
    column_searchable_list = ("name",)
    column_default_sort = "name"
    form_columns = ("name",)


class SiteInline(InlineFormAdmin):
    """Sites edited inside the customer form."""

    form_columns = ["id", "name", "is_main", *ADDRESS_FIELDS]
    column_labels = ACCOUNTING_LABELS
    form_args = {"country": {"description": COUNTRY_HELP}}


class CustomerView(HostModelView):
    column_list = ("name", "accounting_id", "accounts_code", "top_level", "email", "phone",
                   "active")
    column_details_list = ("name", "accounting_id", "accounts_code", "top_level", "main_site",
                           "email", "phone", "vat_number", "active", "created_at", "updated_at")
    column_labels = dict(ACCOUNTING_LABELS,
                         accounting_id="Customer ID for accounting integration")
    column_searchable_list = ("name", "accounting_id", "accounts_code", "email")
    column_filters = ("active", *related_name_filters("top_level.name", "Top level"),
                      "accounts_code")
    column_sortable_list = ("name", "accounting_id", "accounts_code",
                            ("top_level", "top_level.name"), "active")
    column_default_sort = "name"
    form_columns = ("name", "top_level", "accounting_id", "accounts_code", "email", "phone",
                    "vat_number", "active", "sites")
    form_args = {"accounting_id": {"description": "A unique number, used as the customer's "
                                                  "code in the accounting system."}}
    form_ajax_refs = {"top_level": ajax_ref("name")}
    inline_models = (SiteInline(models.Site),)


class SiteView(HostModelView):
    column_list = ("name", "customer", "is_main", "city", "country")
    column_searchable_list = ("name", "city", "postcode")
    column_filters = ("is_main", "country", *related_name_filters("customer.name", "Customer"))
    column_sortable_list = ("name", ("customer", "customer.name"), "is_main", "city", "country")
    column_default_sort = "name"
    form_columns = ("customer", "name", "is_main", *ADDRESS_FIELDS)
    form_args = {"country": {"description": COUNTRY_HELP}}
    form_ajax_refs = {"customer": ajax_ref("name", "accounting_id")}


class SupplierView(HostModelView):
    column_list = ("name", "accounting_id", "email", "phone", "city", "country")
    column_labels = dict(ACCOUNTING_LABELS,
                         accounting_id="Supplier ID for accounting integration")
    column_searchable_list = ("name", "accounting_id", "email")
    column_filters = ("country",)
    column_sortable_list = ("name", "accounting_id", "city", "country")
    column_default_sort = "name"
    form_columns = ("name", "accounting_id", "email", "phone", "vat_number", "address_line1",
                    "address_line2", "postcode", "city", "country")
    form_args = {"country": {"description": COUNTRY_HELP}}


class ProductGroupView(HostModelView):
    column_list = ("name", "default_income_account", "default_expense_account")
    column_searchable_list = ("name",)
    column_default_sort = "name"
    form_columns = ("name", "default_income_account", "default_expense_account")
    form_ajax_refs = {"default_income_account": ajax_ref("code", "name"),
                      "default_expense_account": ajax_ref("code", "name")}


class ProductView(HostModelView):
    column_list = ("name", "code", "group", "price", "tax_rate", "accounting_id")
    column_labels = dict(ACCOUNTING_LABELS, accounting_id="Product ID for accounting integration",
                         group="Product group", income_account="Income account",
                         expense_account="Expense account")
    column_searchable_list = ("name", "code", "accounting_id")
    column_filters = (*related_name_filters("group.name", "Product group"),
                      *related_name_filters("tax_rate.name", "Tax rate"))
    column_sortable_list = ("name", "code", ("group", "group.name"), "price", "accounting_id")
    column_default_sort = "name"
    column_formatters = {"price": money}
    form_columns = ("name", "code", "group", "price", "cost", "tax_rate", "income_account",
                    "expense_account", "accounting_id")
    form_ajax_refs = {"group": ajax_ref("name"), "income_account": ajax_ref("code", "name"),
                      "expense_account": ajax_ref("code", "name")}


class TaxRateView(HostModelView):
    column_list = ("name", "rate")
    column_labels = {"rate": "Rate (%)"}
    column_searchable_list = ("name",)
    column_default_sort = "name"
    form_columns = ("name", "rate")
    form_args = {"rate": {"description": "A percentage between 0 and 100, e.g. 21."}}


class GLAccountView(HostModelView):
    column_list = ("code", "name", "type")
    column_labels = {"code": "Account code"}
    column_searchable_list = ("code", "name")
    column_filters = ("type",)
    column_default_sort = "code"
    form_columns = ("code", "name", "type")
    form_overrides = {"type": SelectField}
    form_args = {"type": {"choices": choices(("", BLANK_CHOICE), ("income", "Income"),
                                             ("expense", "Expense"), ("balance", "Balance"))}}


class InvoiceLineInline(InlineFormAdmin):
    """Invoice lines edited inside the invoice form; their amounts are computed on save."""

    form_columns = ["id", "product", "description", "quantity", "unit_price", "tax_rate"]
    form_ajax_refs = {"product": ajax_ref("name", "code", "accounting_id")}
    # Left empty, the price comes from the product (backoffice.models.InvoiceLine);
    # invoice_lines.js shows the chosen product's price as the placeholder.
    form_args = {"unit_price": {"validators": [Optional()],
                                "description": "Empty: the product's price."}}

    def postprocess_form(self, form_class):
        # A new line starts with an empty price: Flask-Admin would prefill the column's
        # default of 0 (over any form_args default), which was then saved as the price.
        form_class.unit_price.kwargs["default"] = None
        return form_class


TOTALS = ("total_net", "total_tax", "total_gross")
LINE_COLUMNS = ("Product", "Description", "Quantity", "Unit price", "Tax rate", "Excl. tax", "Tax",
                "Incl. tax")


def _line_cells(line):
    return (line.product or "", line.description or "", f"{line.quantity.normalize():f}",
            f"{line.unit_price:,.2f}", line.tax_rate or "", f"{line.net:,.2f}",
            f"{line.tax:,.2f}", f"{line.gross:,.2f}")


def _html_row(tag, cells):
    return Markup("<tr>{}</tr>").format(
        Markup("").join(Markup(f"<{tag}>{{}}</{tag}>").format(cell) for cell in cells))


def invoice_lines_table(_view, _context, model, _name):
    """The invoice's lines as a table on its details page."""
    if not model.lines:
        return "No lines."
    rows = Markup("").join(_html_row("td", _line_cells(line)) for line in model.lines)
    return Markup('<table class="table table-sm invoice-lines mb-0"><thead>{}</thead>'
                  "<tbody>{}</tbody></table>").format(_html_row("th", LINE_COLUMNS), rows)


class InvoiceView(HostModelView):
    column_list = ("number", "date", "customer", "status", *TOTALS)
    column_labels = {"total_net": "Total excl. tax", "total_tax": "Tax",
                     "total_gross": "Total incl. tax", "due_date": "Due date"}
    column_searchable_list = ("number", "customer.name")
    column_filters = ("status", "date", *related_name_filters("customer.name", "Customer"))
    column_sortable_list = ("number", "date", ("customer", "customer.name"), "status",
                            "total_gross")
    column_default_sort = ("date", True)
    column_formatters = {**{name: money for name in TOTALS}, "lines": invoice_lines_table}
    column_details_list = ("number", "customer", "site", "date", "due_date", "status",
                           "currency", "lines", *TOTALS, "created_at", "updated_at")
    form_columns = ("number", "customer", "site", "date", "due_date", "status", "currency",
                    *TOTALS, "lines")
    # Totals are shown in the form but never taken from it: the model computes them from the
    # lines on every save (backoffice.models._recompute_invoice_totals).
    form_only_fields = TOTALS
    form_widget_args = {name: {"readonly": True} for name in TOTALS}
    form_overrides = {"status": SelectField}
    form_args = {"status": {"choices": choices(*((status, status.capitalize())
                                                 for status in models.Invoice.STATUSES))}}
    form_ajax_refs = {"customer": ajax_ref("name", "accounting_id"), "site": ajax_ref("name")}
    inline_models = (InvoiceLineInline(models.InvoiceLine),)

    def on_form_create(self, form):
        form.number.data = models.Invoice.next_number()

    @property
    def extra_js(self):
        # The script finds the price lookup through its own URL (document.currentScript).
        return [url_for("backoffice_admin_templates.static", filename="invoice_lines.js",
                        price_url=self.get_url(".product_price"))]

    @expose("/product-price/")
    def product_price(self):
        """The price a line of this product takes when its Unit Price is left empty."""
        product_id = request.args.get("id", "")
        if not re.fullmatch(r"[0-9]+", product_id):
            return jsonify(error="Give the product's id as a number: ?id=123."), 400
        # Beyond the id column's range there is no such product (PostgreSQL would refuse it).
        product = db.session.get(models.Product, int(product_id)) \
            if int(product_id) <= MAX_ID else None
        if product is None:
            return jsonify(error=f"There is no product with id {product_id}."), 404
        return jsonify(id=product.id, price=f"{product.price:.2f}")


class UserView(HostModelView):
    area = "users"
    column_list = ("login", "role", "active", "created_at")
    column_details_list = ("login", "role", "active", "created_at")
    column_searchable_list = ("login",)
    column_filters = ("active", "role")
    column_default_sort = "login"
    column_formatters = {"role": lambda _v, _c, model, _n: ROLE_LABELS.get(model.role, model.role)}
    form_columns = ("login", "role", "password", "active")
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": choices(*ROLE_LABELS.items()), "default": READ_ONLY,
                          "description": "Administrator: users, Exact connections, settings "
                                         "and everything else. Finance: imports, mappings, "
                                         "records, retries. Read-only: looks, changes nothing."}}
    form_extra_fields = {"password": PasswordField(
        "Password", description=f"At least {MIN_PASSWORD_LENGTH} characters. When editing, "
                                "leave empty to keep the current password. A new password "
                                "ends every session of the user.")}
    form_only_fields = ("password",)

    def check_form(self, form, model, is_created):
        password = form.password.data or ""
        if is_created and not password:
            return {"password": "Set a password for the new user."}
        if password and len(password) < MIN_PASSWORD_LENGTH:
            return {"password": f"A password has at least {MIN_PASSWORD_LENGTH} characters."}
        return {}

    def on_model_change(self, form, model, is_created):
        if form.password.data:
            model.set_password(form.password.data)   # ends every session of the user
        super().on_model_change(form, model, is_created)

    def after_model_change(self, form, model, is_created):
        # An administrator who changed their own password stays logged in here (only here).
        if form.password.data and current_user.is_authenticated and current_user.id == model.id:
            login_user(model)


class AuditLogView(SecureModelView):
    """Who changed what and when (backoffice/audit.py); nobody edits it."""

    area = "audit"
    can_create = can_edit = can_delete = False
    column_list = ("created_at", "actor", "action", "model", "record_id", "record", "changes")
    column_labels = {"created_at": "When", "actor": "Who", "model": "What",
                     "record_id": "ID", "changes": "Before → after"}
    column_searchable_list = ("actor", "record")
    column_filters = ("actor", "action", "model", "created_at")
    column_default_sort = ("id", True)
    column_formatters = {"changes": lambda _v, _c, model, _n: _changes_text(model.changes)}


def _changes_text(changes_json):
    import json
    try:
        changes = json.loads(changes_json or "{}")
    except ValueError:
        return changes_json
    if not isinstance(changes, dict):
        return str(changes)
    return "; ".join(f"{name}: {pair[0]!r} → {pair[1]!r}" if isinstance(pair, list) and
                     len(pair) == 2 else f"{name}: {pair!r}" for name, pair in changes.items())


# (model, view, menu name, category): the order is the menu's order.
SCREENS = (
    (models.Customer, CustomerView, "Customers", "Customers"),
    (models.Site, SiteView, "Sites", "Customers"),
    (models.TopLevel, TopLevelView, "Top levels", "Customers"),
    (models.Supplier, SupplierView, "Suppliers", "Customers"),
    (models.Invoice, InvoiceView, "Invoices", "Billing"),
    (models.Product, ProductView, "Products", "Billing"),
    (models.ProductGroup, ProductGroupView, "Product groups", "Billing"),
    (models.TaxRate, TaxRateView, "Tax rates", "Billing"),
    (models.GLAccount, GLAccountView, "GL accounts", "Billing"),
    (models.User, UserView, "Users", "Configuration"),
    (AuditEntry, AuditLogView, "Audit log", "Configuration"),
)


def add_views(admin):
    for model, view, name, category in SCREENS:
        admin.add_view(view(model, name=name, category=category))
