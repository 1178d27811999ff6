"""The plugin's own tables: connections (backends), bindings (mapping tables), the request log.

The host's tables are never altered: everything Exact knows about a host record lives here,
keyed by the host model's name and id.
"""
from flask import current_app
from sqlalchemy import UniqueConstraint, event
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.crypto import KEY_CHANGED, EncryptedText, is_unreadable
from backoffice.db import db
from backoffice.models import utcnow

# Exact sites and their base URLs (shared/exact-online-api.md §1.1). "sandbox" and "custom"
# are ours: the local stand-in (EXACT_SANDBOX_URL) and a base URL typed by the admin.
LOCATIONS = {
    "nl": ("Netherlands", "https://start.exactonline.nl"),
    "be": ("Belgium", "https://start.exactonline.be"),
    "de": ("Germany", "https://start.exactonline.de"),
    "uk": ("United Kingdom", "https://start.exactonline.co.uk"),
    "us": ("United States", "https://start.exactonline.com"),
    "es": ("Spain", "https://start.exactonline.es"),
    "fr": ("France", "https://start.exactonline.fr"),
    "sandbox": ("Local sandbox", None),
    "custom": ("Custom base URL", None),
}


def location_base_url(location, custom_base_url=None):
    """The Exact site's base URL for a location key; None when it is not configured."""
    if location == "sandbox":
        url = current_app.config.get("EXACT_SANDBOX_URL")
    elif location == "custom":
        url = custom_base_url
    else:
        url = LOCATIONS.get(location, (None, None))[1]
    return url.rstrip("/") if url else None


# Exact's SalesInvoice status codes (reference §6.6).
INVOICE_STATUSES = {10: "Draft", 20: "Open", 50: "Processed"}

STATE_NEW = "new"
STATE_CONNECTED = "connected"
STATE_NEEDS_RECONNECT = "needs_reconnect"
STATE_DISCONNECTED = "disconnected"


class IntegrationSettings(db.Model):
    """Integration-wide settings: one row (id 1)."""
    __tablename__ = "exact_integration_settings"
    id = db.Column(db.Integer, primary_key=True)
    enabled = db.Column(db.Boolean, nullable=False, default=False)
    # The "default tenant" for new customers, products and suppliers.
    default_connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id",
                                                                ondelete="SET NULL"))
    default_connection = db.relationship("ExactConnection")

    @classmethod
    def get(cls):
        settings = db.session.get(cls, 1)
        if settings is None:
            settings = cls(id=1, enabled=False)
            db.session.add(settings)
            db.session.flush()
        return settings


class ExactConnection(db.Model):
    """One connected Exact Online company (division): the backend of the connector."""
    __tablename__ = "exact_connection"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    location = db.Column(db.String(20), nullable=False, default="nl")
    custom_base_url = db.Column(db.String(255))
    client_id = db.Column(db.String(64), nullable=False)
    client_secret = db.Column(EncryptedText)
    access_token = db.Column(EncryptedText)
    refresh_token = db.Column(EncryptedText)
    # Epoch seconds: when the access token was issued and when it expires.
    token_obtained_at = db.Column(db.Float)
    token_expires_at = db.Column(db.Float)
    # The Exact division this connection imports from and syncs to; one connection per division.
    division = db.Column(db.Integer, unique=True)
    division_name = db.Column(db.String(200))
    exact_user_name = db.Column(db.String(200))
    state = db.Column(db.String(20), nullable=False, default=STATE_NEW)
    state_reason = db.Column(db.Text)
    state_since = db.Column(db.DateTime, default=utcnow)

    # The guide's per-company settings.
    top_level_id = db.Column(db.Integer, db.ForeignKey("top_level.id", ondelete="SET NULL"))
    default_product_group_id = db.Column(db.Integer, db.ForeignKey("product_group.id",
                                                                   ondelete="SET NULL"))
    import_tax_rates_daily = db.Column(db.Boolean, nullable=False, default=False)
    sync_customers = db.Column(db.Boolean, nullable=False, default=True)
    sync_suppliers = db.Column(db.Boolean, nullable=False, default=True)
    sync_products = db.Column(db.Boolean, nullable=False, default=True)
    sync_invoices = db.Column(db.Boolean, nullable=False, default=True)
    success_messages = db.Column(db.Boolean, nullable=False, default=False)
    default_invoice_status = db.Column(db.Integer, nullable=False, default=20)

    # Last rate-limit figures Exact reported (for display; the live budget is in Redis/DB).
    minutely_limit = db.Column(db.Integer)
    minutely_remaining = db.Column(db.Integer)
    minutely_reset_at = db.Column(db.Float)
    daily_limit = db.Column(db.Integer)
    daily_remaining = db.Column(db.Integer)
    daily_reset_at = db.Column(db.Float)

    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    top_level = db.relationship("TopLevel")
    default_product_group = db.relationship("ProductGroup")

    @property
    def is_connected(self):
        return self.state == STATE_CONNECTED and self.refresh_token is not None

    @property
    def needs_reconnect(self):
        return self.state == STATE_NEEDS_RECONNECT

    @property
    def secrets_unreadable(self):
        """True when the client secret or a token was saved with another ENCRYPTION_KEY."""
        return any(is_unreadable(value) for value in
                   (self.client_secret, self.access_token, self.refresh_token))

    @property
    def base_url(self):
        return location_base_url(self.location, self.custom_base_url)

    @property
    def location_label(self):
        return LOCATIONS.get(self.location, (self.location,))[0]

    def __str__(self):
        division = f" ({self.division})" if self.division else ""
        return f"{self.name}{division}"


KEY_CHANGED_REASON = (f"{KEY_CHANGED[0].upper()}{KEY_CHANGED[1:]}: enter the client secret again, "
                      "save, and click Reconnect.")


@event.listens_for(ExactConnection, "load")
@event.listens_for(ExactConnection, "refresh")
def _show_unreadable_secrets_as_needs_reconnect(connection, *_args):
    """A company whose secrets no key decrypts reads as needing a reconnect (not saved: the
    state is only what every page shows; tokens.load_tokens records it when a job tries)."""
    if connection.secrets_unreadable:
        set_committed_value(connection, "state", STATE_NEEDS_RECONNECT)
        set_committed_value(connection, "state_reason", KEY_CHANGED_REASON)


class Binding(db.Model):
    """A host record bound to an Exact record in one connection (the guide's mapping tables).

    `host_model` is the host class name: Customer, Supplier, Product, Invoice, TaxRate,
    GLAccount. 1-1 within a connection: unique on (connection, model, host id) and on
    (connection, model, Exact ID). A binding without `exact_id` means "assigned to this
    company, not in Exact yet".
    """
    __tablename__ = "exact_binding"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    host_model = db.Column(db.String(40), nullable=False)
    host_id = db.Column(db.Integer, nullable=False)
    exact_id = db.Column(db.String(36))
    exact_code = db.Column(db.String(60))
    # For invoices: the InvoiceNumber Exact assigned.
    exact_number = db.Column(db.String(40))
    # not_synced / queued / synced / failed
    sync_state = db.Column(db.String(20), nullable=False, default="not_synced")
    last_error = db.Column(db.Text)
    last_synced_at = db.Column(db.DateTime)
    # Hash of what was last sent to or received from Exact: unchanged data is not sent again.
    sync_hash = db.Column(db.String(64))
    # The Exact record was deleted in Exact (sync/Deleted); the host record is kept.
    deleted_in_exact = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    connection = db.relationship("ExactConnection")

    __table_args__ = (
        UniqueConstraint("connection_id", "host_model", "host_id", name="uq_binding_host"),
        UniqueConstraint("connection_id", "host_model", "exact_id", name="uq_binding_exact"),
        db.Index("ix_binding_host", "host_model", "host_id"),
    )


class ItemGroupMapping(db.Model):
    """Exact item group -> host product group, per connection (the guide's Products tab)."""
    __tablename__ = "exact_item_group_mapping"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    exact_item_group_id = db.Column(db.String(36), nullable=False)
    exact_code = db.Column(db.String(60))
    exact_description = db.Column(db.String(200))
    product_group_id = db.Column(db.Integer, db.ForeignKey("product_group.id", ondelete="CASCADE"),
                                 nullable=False)

    connection = db.relationship("ExactConnection")
    product_group = db.relationship("ProductGroup")

    __table_args__ = (
        UniqueConstraint("connection_id", "exact_item_group_id", name="uq_item_group_mapping"),
    )


class OutboundRequest(db.Model):
    """Every request sent to Exact (the guide's "Outbound requests" tab)."""
    __tablename__ = "exact_outbound_request"
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              index=True)
    method = db.Column(db.String(10), nullable=False)
    # URL without secrets (tokens never appear in URLs; codes and secrets are stripped).
    url = db.Column(db.Text, nullable=False)
    # Endpoint template, e.g. "crm/Accounts", for filtering.
    entity = db.Column(db.String(80), index=True)
    status = db.Column(db.Integer, index=True)
    duration_ms = db.Column(db.Integer)
    minutely_remaining = db.Column(db.Integer)
    daily_remaining = db.Column(db.Integer)
    error = db.Column(db.Text)
    # Bodies are kept only for failures.
    request_body = db.Column(db.Text)
    response_body = db.Column(db.Text)
    # What the request was for, e.g. "Customer 12" or "import customers".
    context = db.Column(db.String(200))

    connection = db.relationship("ExactConnection")


def _register_audited_models():
    """Companies, settings and mappings go to the host's audit log (docs/security.md)."""
    from backoffice.audit import audit_model
    audit_model(ExactConnection, "Exact company", ignore=(
        "access_token", "refresh_token", "token_obtained_at", "token_expires_at",
        "minutely_limit", "minutely_remaining", "minutely_reset_at", "daily_limit",
        "daily_remaining", "daily_reset_at", "state_since"))
    audit_model(IntegrationSettings, "Exact settings")
    audit_model(ItemGroupMapping, "Item group mapping")
    # Imports and syncs write bindings by the thousand: only an admin's own edits are logged.
    audit_model(Binding, "Mapping", only_in_requests=True)


_register_audited_models()
