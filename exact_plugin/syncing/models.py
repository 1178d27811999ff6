"""The syncing part's own tables: the outbox and what was last sent per binding.

`OutboxEntry` is the transactional outbox (shared ecosystem-notes §4.3): one row per host
record with a change that still has to reach Exact, written in the same transaction as the
change, deleted once the change is in Exact. `ExportState` keeps, per binding, the fields last
sent (so an update sends only what changed) and whether a create may already have reached
Exact (so a retry looks the record up by its natural key instead of creating it twice).
"""
from backoffice.db import db
from backoffice.models import utcnow


class OutboxEntry(db.Model):
    __tablename__ = "exact_outbox"
    id = db.Column(db.Integer, primary_key=True)
    host_model = db.Column(db.String(40), nullable=False)
    host_id = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Not pushed before this moment (backoff after a transient failure).
    available_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    # Set when a job takes the row; a row claimed longer ago than the lease is taken again.
    claimed_at = db.Column(db.DateTime)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)

    __table_args__ = (db.Index("ix_exact_outbox_record", "host_model", "host_id"),)

    def __repr__(self):
        return f"<OutboxEntry {self.id} {self.host_model} {self.host_id}>"


class ExportState(db.Model):
    __tablename__ = "exact_export_state"
    id = db.Column(db.Integer, primary_key=True)
    binding_id = db.Column(db.Integer, db.ForeignKey("exact_binding.id", ondelete="CASCADE"),
                           nullable=False, unique=True)
    # JSON of the payload last accepted by Exact.
    sent_payload = db.Column(db.Text)
    # A create was sent and its answer not yet recorded: look up the natural key first.
    create_sent_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
