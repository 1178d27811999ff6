"""The host's entities: the PSA back office as it would be without any integration.

Rules that must hold whatever screen or job writes the data (unique accounting IDs, one main
site per customer, totals computed from lines) live here, on the models, so admin views, imports
and the CLI cannot disagree about them.
"""
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, event, func, select
from sqlalchemy.orm import Session, validates
from werkzeug.security import check_password_hash, generate_password_hash

from backoffice.db import db

MONEY = db.Numeric(14, 2)
CENT = Decimal("0.01")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def round_money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    login = db.Column(db.String(80), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @property
    def is_active(self):
        return self.active

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

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
    def _validate_accounting_id(self, _key, value):
        value = (value or "").strip() or None
        if value is not None and not value.isdigit():
            raise ValueError("Customer ID for accounting integration must be a number "
                             "(digits only).")
        if value is not None and len(value) > 18:
            raise ValueError("Customer ID for accounting integration is at most 18 digits.")
        return value

    @property
    def main_site(self):
        return next((site for site in self.sites if site.is_main), None)

    def __str__(self):
        return self.name


class Site(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
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
    def _validate_accounting_id(self, _key, value):
        value = (value or "").strip() or None
        if value is not None and not value.isdigit():
            raise ValueError("Supplier ID for accounting integration must be a number.")
        return value

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
        return (value or "").strip() or None

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
    )

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
