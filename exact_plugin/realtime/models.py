"""The tables of real-time changes (issue 15): webhook events, subscriptions, the inbound log,
our own writes (to recognise their echo) and the reconciliation report."""
from sqlalchemy import UniqueConstraint

from backoffice.db import db
from backoffice.models import utcnow

# Webhook event states.
EVENT_PENDING = "pending"     # accepted, waiting for the job
EVENT_DONE = "done"           # covered by a fetch (or a delete)
EVENT_OWN = "own"             # the echo of one of our own writes: nothing fetched
EVENT_IGNORED = "ignored"     # a topic we do not import, or a record of another entity

# Subscription states (what the company page shows).
SUB_ACTIVE = "subscribed"     # created in Exact; Exact validates it with an empty POST
SUB_FAILED = "failed"         # Exact refused it: `message` says why


class WebhookEvent(db.Model):
    """One accepted notification; several for one record are covered by one fetch."""
    __tablename__ = "exact_webhook_event"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    topic = db.Column(db.String(40), nullable=False)
    action = db.Column(db.String(20), nullable=False)
    exact_key = db.Column(db.String(36), nullable=False)
    # Exact's EventCreatedOn as sent (its format is unverified, reference §8).
    event_created_on = db.Column(db.String(40))
    # The HashCode: a notification received twice is a replay.
    hash_code = db.Column(db.String(64), nullable=False)
    state = db.Column(db.String(20), nullable=False, default=EVENT_PENDING)
    received_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    processed_at = db.Column(db.DateTime)

    __table_args__ = (
        UniqueConstraint("connection_id", "hash_code", name="uq_webhook_event_hash"),
        db.Index("ix_webhook_event_state", "connection_id", "state"),
        db.Index("ix_webhook_event_key", "connection_id", "exact_key"),
    )


class InboundRequest(db.Model):
    """Every POST to a webhook receiver, accepted or refused, and why (the inbound log)."""
    __tablename__ = "exact_inbound_request"
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              index=True)
    status = db.Column(db.Integer, nullable=False)
    outcome = db.Column(db.String(20), nullable=False)   # validation / accepted / refused
    topic = db.Column(db.String(40))
    action = db.Column(db.String(20))
    exact_key = db.Column(db.String(36))
    message = db.Column(db.Text)
    remote_addr = db.Column(db.String(64))
    body = db.Column(db.Text)   # kept only for refusals (first 2000 characters)

    connection = db.relationship("ExactConnection")


class WebhookSubscription(db.Model):
    """A topic this company is subscribed to in Exact (one row per topic)."""
    __tablename__ = "exact_webhook_subscription"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    topic = db.Column(db.String(40), nullable=False)
    exact_id = db.Column(db.String(36))
    callback_url = db.Column(db.Text)
    state = db.Column(db.String(20), nullable=False)
    message = db.Column(db.Text)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("connection_id", "topic", name="uq_webhook_subscription"),)


class OwnWrite(db.Model):
    """A write we made in Exact (POST/PUT): the notification it causes is not fetched."""
    __tablename__ = "exact_own_write"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    exact_key = db.Column(db.String(36), nullable=False)
    written_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    consumed = db.Column(db.Boolean, nullable=False, default=False)

    __table_args__ = (db.Index("ix_own_write_key", "connection_id", "exact_key", "consumed"),)


class Reconciliation(db.Model):
    """One reconciliation of one company and entity: its counts (the rows are below)."""
    __tablename__ = "exact_reconciliation"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    entity = db.Column(db.String(30), nullable=False)
    state = db.Column(db.String(20), nullable=False, default="running")  # running/done/stopped
    compared = db.Column(db.Integer, nullable=False, default=0)
    differing = db.Column(db.Integer, nullable=False, default=0)
    only_here = db.Column(db.Integer, nullable=False, default=0)
    only_exact = db.Column(db.Integer, nullable=False, default=0)
    calls = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.Text)
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)

    connection = db.relationship("ExactConnection")


class Difference(db.Model):
    """One record that differs: `kind` differs / only_here / only_exact; `fields` a JSON list of
    {field, ours, exact}; `fixed` once an admin's fix went through."""
    __tablename__ = "exact_difference"
    id = db.Column(db.Integer, primary_key=True)
    reconciliation_id = db.Column(db.Integer, db.ForeignKey("exact_reconciliation.id",
                                                            ondelete="CASCADE"), nullable=False,
                                  index=True)
    kind = db.Column(db.String(20), nullable=False)
    host_id = db.Column(db.Integer)
    exact_id = db.Column(db.String(36))
    label = db.Column(db.String(255))
    fields = db.Column(db.Text)
    fixed = db.Column(db.String(40))
