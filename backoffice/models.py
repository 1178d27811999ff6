"""The host's entities: the PSA back office as it would be without any integration.

Rules that must hold whatever screen or job writes the data (unique accounting IDs, one main
site per customer, totals computed from lines) live here, on the models, so admin views, imports
and the CLI cannot disagree about them.
"""
import secrets
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, event, func, select, update
from sqlalchemy.orm import Session, validates
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice.countries import is_country_code
from backoffice.db import db

MONEY = db.Numeric(14, 2)
CENT = Decimal("0.01")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def round_money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class InvalidValue(ValueError):
    """A value a model refuses, with the attribute it belongs to and a message for the user."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_text(value):
    """Trimmed text, or None when nothing is left."""
    return (value or "").strip() or None


def digits_only(field, label, value, max_length):
    value = clean_text(value)
    if value is not None and not value.isdigit():
        raise InvalidValue(field, f"{label} must be a number (digits only), not \"{value}\".")
    if value is not None and len(value) > max_length:
        raise InvalidValue(field, f"{label} is at most {max_length} digits.")
    return value


def required_text(field, label, value):
    value = clean_text(value)
    if value is None:
        raise InvalidValue(field, f"{label} is required.")
    return value


def not_negative(field, label, value):
    if value is None:
        raise InvalidValue(field, f"{label} is required (0 or more).")
    if Decimal(value) < 0:
        raise InvalidValue(field, f"{label} cannot be negative.")
    return value


def country_code(field, value):
    value = clean_text(value)
    if value is None:
        return None
    value = value.upper()
    if not is_country_code(value):
        raise InvalidValue(field, f"Unknown country code \"{value}\": use the two-letter ISO "
                                  "code, e.g. NL, BE, DE, GB.")
    return value


def new_session_token():
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    login = db.Column(db.String(80), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # backoffice/roles.py: administrator, finance or read_only (least privilege by default).
    role = db.Column(db.String(20), nullable=False, default="read_only")
    # Part of the login session (get_id): a new value ends every session of the user (logout,
    # password change). Random, so a cookie of a deleted user never fits a later user with the
    # same id.
    session_token = db.Column(db.String(64), nullable=False, default=new_session_token)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        if not self.session_token:
            self.session_token = new_session_token()
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self):
        self.session_token = new_session_token()

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)
        self.end_all_sessions()

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def __str__(self):
        return self.login


class TopLevel(db.Model):
    """A grouping of customers (Halo's "top level")."""
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)

    def __str__(self):
        return self.name


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, index=True)
    top_level_id = db.Column(db.Integer, db.ForeignKey("top_level.id"), index=True)
    accounts_code = db.Column(db.String(40), index=True)
    # "Customer ID for accounting integration": numeric text, unique when set.
    accounting_id = db.Column(db.String(18), unique=True)
    email = db.Column(db.String(200))
    phone = db.Column(db.String(50))
    vat_number = db.Column(db.String(40))
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    top_level = db.relationship("TopLevel", backref=db.backref("customers", lazy="dynamic"))
    sites = db.relationship("Site", back_populates="customer", cascade="all, delete-orphan",
                            order_by="Site.id")

    @validates("accounting_id")
    def _validate_accounting_id(self, key, value):
        # Exact: an Account Code is at most 18 characters (shared exact-online-api.md §6.1).
        return digits_only(key, "Customer ID for accounting integration", value, 18)

    @validates("name")
    def _validate_name(self, key, value):
        return required_text(key, "Name", value)

    @property
    def main_site(self):
        return next((site for site in self.sites if site.is_main), None)

    def __str__(self):
        return self.name


class Site(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False, index=True)
    address_line1 = db.Column(db.String(200))
    address_line2 = db.Column(db.String(200))
    address_line3 = db.Column(db.String(200))
    city = db.Column(db.String(100))
    postcode = db.Column(db.String(20))
    state = db.Column(db.String(100))
    # ISO 3166-1 alpha-2 country code, e.g. "NL".
    country = db.Column(db.String(2))
    is_main = db.Column(db.Boolean, nullable=False, default=False)

    customer = db.relationship("Customer", back_populates="sites")

    __table_args__ = (
        # At most one main site per customer, enforced by the database as well.
        Index("uq_site_one_main_per_customer", "customer_id", unique=True,
              sqlite_where=db.text("is_main"), postgresql_where=db.text("is_main")),
    )

    @validates("country")
    def _validate_country(self, key, value):
        return country_code(key, value)

    @validates("name")
    def _validate_name(self, key, value):
        return required_text(key, "Site name", value)

    def __str__(self):
        return self.name


class Supplier(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, index=True)
    accounting_id = db.Column(db.String(18), unique=True)
    email = db.Column(db.String(200))
    phone = db.Column(db.String(50))
    vat_number = db.Column(db.String(40))
    address_line1 = db.Column(db.String(200))
    address_line2 = db.Column(db.String(200))
    city = db.Column(db.String(100))
    postcode = db.Column(db.String(20))
    country = db.Column(db.String(2))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @validates("accounting_id")
    def _validate_accounting_id(self, key, value):
        # Exact: suppliers are Accounts too, Code at most 18 (shared exact-online-api.md §6.1).
        return digits_only(key, "Supplier ID for accounting integration", value, 18)

    @validates("country")
    def _validate_country(self, key, value):
        return country_code(key, value)

    def __str__(self):
        return self.name


class GLAccount(db.Model):
    """An account code of the general ledger."""
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    # e.g. "income", "expense", "balance"
    type = db.Column(db.String(40))

    def __str__(self):
        return f"{self.code} {self.name}"


class TaxRate(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    # Percentage, e.g. 21.00 for 21 %.
    rate = db.Column(db.Numeric(6, 3), nullable=False, default=0)

    __table_args__ = (CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),)

    @validates("rate")
    def _validate_rate(self, key, value):
        if value is None:
            raise InvalidValue(key, "Enter the tax rate as a percentage between 0 and 100.")
        if not Decimal(0) <= Decimal(value) <= Decimal(100):
            raise InvalidValue(key, f"A tax rate is a percentage between 0 and 100, not {value}.")
        return value

    def __str__(self):
        return f"{self.name} ({self.rate.normalize() if self.rate is not None else '?'} %)"


class ProductGroup(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    default_income_account_id = db.Column(db.Integer, db.ForeignKey("gl_account.id"))
    default_expense_account_id = db.Column(db.Integer, db.ForeignKey("gl_account.id"))

    default_income_account = db.relationship("GLAccount", foreign_keys=[default_income_account_id])
    default_expense_account = db.relationship("GLAccount",
                                              foreign_keys=[default_expense_account_id])

    def __str__(self):
        return self.name


class Product(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, index=True)
    code = db.Column(db.String(40), index=True)
    group_id = db.Column(db.Integer, db.ForeignKey("product_group.id"), index=True)
    price = db.Column(MONEY, nullable=False, default=0)
    cost = db.Column(MONEY, nullable=False, default=0)
    tax_rate_id = db.Column(db.Integer, db.ForeignKey("tax_rate.id"))
    income_account_id = db.Column(db.Integer, db.ForeignKey("gl_account.id"))
    expense_account_id = db.Column(db.Integer, db.ForeignKey("gl_account.id"))
    # "Product ID for accounting integration": unique when set.
    accounting_id = db.Column(db.String(30), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    group = db.relationship("ProductGroup", backref=db.backref("products", lazy="dynamic"))
    tax_rate = db.relationship("TaxRate")
    income_account = db.relationship("GLAccount", foreign_keys=[income_account_id])
    expense_account = db.relationship("GLAccount", foreign_keys=[expense_account_id])

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
    )

    @validates("accounting_id")
    def _validate_accounting_id(self, _key, value):
        return clean_text(value)

    @validates("price", "cost")
    def _validate_amount(self, key, value):
        return not_negative(key, key.capitalize(), value)

    def __str__(self):
        return f"{self.code} {self.name}" if self.code else self.name


class Invoice(db.Model):
    STATUSES = ("draft", "sent", "paid", "cancelled")

    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(40), nullable=False, unique=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id"), nullable=False, index=True)
    site_id = db.Column(db.Integer, db.ForeignKey("site.id"))
    date = db.Column(db.Date, nullable=False, default=date.today)
    due_date = db.Column(db.Date)
    status = db.Column(db.String(20), nullable=False, default="draft")
    currency = db.Column(db.String(3), nullable=False, default="EUR")
    total_net = db.Column(MONEY, nullable=False, default=0)
    total_tax = db.Column(MONEY, nullable=False, default=0)
    total_gross = db.Column(MONEY, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    customer = db.relationship("Customer", backref=db.backref("invoices", lazy="dynamic"))
    site = db.relationship("Site")
    lines = db.relationship("InvoiceLine", back_populates="invoice",
                            cascade="all, delete-orphan", order_by="InvoiceLine.id")

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'sent', 'paid', 'cancelled')", name="status_known"),
        # The invoice list is sorted and filtered by date and status.
        Index("ix_invoice_date", "date"),
        Index("ix_invoice_status", "status"),
    )

    @validates("number")
    def _validate_number(self, key, value):
        return required_text(key, "Invoice number", value)

    def recompute_totals(self):
        for line in self.lines:
            line.recompute()
        self.total_net = round_money(sum((line.net for line in self.lines), Decimal(0)))
        self.total_tax = round_money(sum((line.tax for line in self.lines), Decimal(0)))
        self.total_gross = self.total_net + self.total_tax

    @staticmethod
    def next_number():
        """The next free invoice number, "INV-000123" style."""
        last = db.session.execute(select(func.max(Invoice.id))).scalar() or 0
        return f"INV-{last + 1:06d}"

    def __str__(self):
        return self.number


class InvoiceLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    invoice_id = db.Column(db.Integer, db.ForeignKey("invoice.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("product.id"))
    description = db.Column(db.String(255))
    quantity = db.Column(db.Numeric(12, 3), nullable=False, default=1)
    unit_price = db.Column(MONEY, nullable=False, default=0)
    tax_rate_id = db.Column(db.Integer, db.ForeignKey("tax_rate.id"))
    net = db.Column(MONEY, nullable=False, default=0)
    tax = db.Column(MONEY, nullable=False, default=0)
    gross = db.Column(MONEY, nullable=False, default=0)

    invoice = db.relationship("Invoice", back_populates="lines")
    product = db.relationship("Product")
    tax_rate = db.relationship("TaxRate")

    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    @validates("quantity")
    def _validate_quantity(self, key, value):
        return not_negative(key, "Quantity", value)

    @validates("unit_price")
    def _validate_unit_price(self, key, value):
        # A line left without a price takes its product's price (the form sets the product
        # before the price).
        if value is None and self.product is not None:
            value = self.product.price
        return not_negative(key, "Unit price", value)

    @validates("tax_rate")
    def _default_tax_rate(self, _key, value):
        return value if value is not None or self.product is None else self.product.tax_rate

    def recompute(self):
        quantity = Decimal(self.quantity or 0)
        unit_price = Decimal(self.unit_price or 0)
        rate = Decimal(self.tax_rate.rate) if self.tax_rate else Decimal(0)
        self.net = round_money(quantity * unit_price)
        self.tax = round_money(self.net * rate / 100)
        self.gross = self.net + self.tax

    def __str__(self):
        return self.description or (str(self.product) if self.product else f"Line {self.id}")


def _invoices_touched(session):
    touched = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Invoice):
            touched.add(obj)
        elif isinstance(obj, InvoiceLine) and obj.invoice is not None:
            touched.add(obj.invoice)
    for obj in session.deleted:
        if isinstance(obj, InvoiceLine) and obj.invoice is not None \
                and obj.invoice not in session.deleted:
            touched.add(obj.invoice)
    return touched


@event.listens_for(Session, "before_flush")
def _recompute_invoice_totals(session, _flush_context, _instances):
    """Totals are always derived from the lines, whoever wrote them."""
    for invoice in _invoices_touched(session):
        invoice.recompute_totals()


# --- Main site: exactly one per customer that has sites -------------------------------------
# Decision: a customer with sites but none marked main gets its first site as main site, so the
# address Exact receives (the main site's) is always defined; a second main site is refused.

def live_sites(customer, session):
    return [site for site in customer.sites if site not in session.deleted]


def customers_with_site_changes(session):
    """Customers whose sites were added, removed or changed in this flush.

    A customer changed in other ways is left alone, so a large import that updates customers
    does not load every customer's sites.
    """
    customers = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Customer) and db.inspect(obj).attrs.sites.history.has_changes():
            customers.add(obj)
        elif isinstance(obj, Site) and obj.customer is not None:
            customers.add(obj.customer)
    return {customer for customer in customers if customer not in session.deleted}


def _leaving_main_site(site, session):
    """True when `site` was the main site and loses that in this flush (unticked or deleted)."""
    if site.id is None:
        return False
    if site in session.deleted:
        return site.is_main
    return not site.is_main and db.inspect(site).attrs.is_main.history.deleted == [True]


def _demote_former_main_sites(session, customer):
    """Clear the old main flag in the database before the new one is written.

    The partial unique index is checked row by row, and a flush writes updates before deletes,
    so moving "main" to another site (or deleting the main site) in one save would otherwise
    fail whenever the new main site is written first.
    """
    demoted = [site.id for site in customer.sites if _leaving_main_site(site, session)]
    if demoted:
        session.connection().execute(
            update(Site.__table__).where(Site.__table__.c.id.in_(demoted)).values(is_main=False))


@event.listens_for(Session, "before_flush")
def _keep_one_main_site(session, _flush_context, _instances):
    for customer in customers_with_site_changes(session):
        sites = live_sites(customer, session)
        if sites and not any(site.is_main for site in sites):
            sites[0].is_main = True
        _demote_former_main_sites(session, customer)


# --- Rules checked before saving, with the same words as the database's last line ----------

# Unique business keys: (table, column) -> message. Checked before a save so the user sees the
# message on the field; the database's unique constraints map back to the same message.
UNIQUE_MESSAGES = {
    ("customer", "accounting_id"):
        "Another customer already has customer ID for accounting integration {value}.",
    ("supplier", "accounting_id"):
        "Another supplier already has supplier ID for accounting integration {value}.",
    ("product", "accounting_id"):
        "Another product already has product ID for accounting integration {value}.",
    ("invoice", "number"): "Invoice number {value} is already used by another invoice.",
    ("user", "login"): "The login {value} is already taken.",
    ("top_level", "name"): "A top level named {value} already exists.",
    ("product_group", "name"): "A product group named {value} already exists.",
    ("tax_rate", "name"): "A tax rate named {value} already exists.",
    ("gl_account", "code"): "Account code {value} already exists.",
}

MAIN_SITE_TAKEN = ("This customer already has a main site: untick “Main site” on the other site "
                   "first.")

# Database constraints that are not unique keys: name -> (attribute, message).
CONSTRAINT_MESSAGES = {
    "uq_site_one_main_per_customer": ("is_main", MAIN_SITE_TAKEN),
    "ck_tax_rate_rate_range": ("rate", "A tax rate is a percentage between 0 and 100."),
    "ck_product_price_not_negative": ("price", "Price cannot be negative."),
    "ck_product_cost_not_negative": ("cost", "Cost cannot be negative."),
    "ck_invoice_line_quantity_not_negative": ("lines", "Quantity cannot be negative."),
    "ck_invoice_line_unit_price_not_negative": ("lines", "Unit price cannot be negative."),
    "ck_invoice_status_known": ("status", "Unknown invoice status."),
    # SQLite names the columns of a partial unique index, not the index.
    "site.customer_id": ("is_main", MAIN_SITE_TAKEN),
}


def _unique_columns(model):
    return [column for column in model.__table__.columns if column.unique]


def duplicate_errors(record):
    """{attribute: message} for each unique key another row of the same table already uses."""
    errors = {}
    model = type(record)
    for column in _unique_columns(model):
        value = getattr(record, column.key)
        if value is None:
            continue
        query = select(model.id).where(column == value)
        if record.id is not None:
            query = query.where(model.id != record.id)
        with db.session.no_autoflush:
            taken = db.session.execute(query.limit(1)).first() is not None
        if taken:
            template = UNIQUE_MESSAGES.get((column.table.name, column.key),
                                           "{value} is already used by another record.")
            errors[column.key] = template.format(value=value)
    return errors


def integrity_error_field(error_text):
    """(attribute, message) for a database constraint error, or None when it is not ours.

    PostgreSQL names the constraint; SQLite names the table.column of a unique column or the
    constraint name of a check or partial index.
    """
    for (table, column), template in UNIQUE_MESSAGES.items():
        if f"uq_{table}_{column}" in error_text or f"{table}.{column}" in error_text:
            return column, template.format(value="this value").replace(" this value", "")
    for name, (field, message) in CONSTRAINT_MESSAGES.items():
        if name in error_text:
            return field, message
    return None


def main_site_errors(customer):
    """The one-main-site rule for a customer's sites, as {"sites": message}."""
    main_sites = [site for site in live_sites(customer, db.session) if site.is_main]
    if len(main_sites) > 1:
        names = ", ".join(site.name or "(unnamed)" for site in main_sites)
        return {"sites": f"Only one site can be the main site (now ticked: {names}). "
                         "Untick “Main site” on all but one."}
    return {}


def other_main_site(site):
    """The customer's main site other than `site`, from the database, or None."""
    if site.customer_id is None and site.customer is None:
        return None
    customer_id = site.customer.id if site.customer is not None else site.customer_id
    if customer_id is None:
        return None
    query = select(Site).where(Site.customer_id == customer_id, Site.is_main.is_(True))
    if site.id is not None:
        query = query.where(Site.id != site.id)
    with db.session.no_autoflush:
        return db.session.execute(query.limit(1)).scalar_one_or_none()


def record_errors(record):
    """Every rule a record breaks, as {attribute: message}; empty when it may be saved.

    The one place the admin screens (and any other writer) ask before saving.
    """
    errors = duplicate_errors(record)
    if isinstance(record, Customer):
        errors.update(main_site_errors(record))
    if isinstance(record, Site) and record.is_main:
        other = other_main_site(record)
        if other is not None:
            errors["is_main"] = (f"{record.customer} already has a main site ({other.name}). "
                                 "Untick “Main site” there first.")
    if isinstance(record, Invoice) and record.site is not None \
            and record.site.customer is not record.customer:
        errors["site"] = (f"The site {record.site.name} belongs to {record.site.customer}, not to "
                          f"{record.customer}: choose one of the invoice customer's sites.")
    if isinstance(record, Invoice) and record.status != "draft" and not record.lines:
        errors["lines"] = ("An invoice needs at least one line unless it is a draft: add a line "
                           "or set the status to draft.")
    return errors
