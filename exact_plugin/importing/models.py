"""The importer's tables: staged Exact records, sync cursors and import runs."""
import json

from sqlalchemy import UniqueConstraint

from backoffice.db import db
from backoffice.models import utcnow

# Staged record states.
PENDING = "pending"      # new or changed in Exact, not yet written to the back office
APPLIED = "applied"      # written; unchanged in Exact since
FAILED = "failed"        # could not be written; `error` says why
SKIPPED = "skipped"      # left out by the admin in the preview
DELETED = "deleted"      # deleted in Exact (sync/Deleted) or gone from a full read
OPEN_STATES = (PENDING, FAILED, SKIPPED)

# Import run states.
FETCHING = "fetching"
READY = "ready"          # fetched and planned: the preview is shown
APPLYING = "applying"
DONE = "done"
STOPPED = "stopped"      # the job failed as a whole or its worker died; `message` says why
CANCELLED = "cancelled"  # ended by the admin (a stopped run or an open preview)
RUNNING_STATES = (FETCHING, APPLYING)
# A run in one of these states holds its company and entity: a second one is refused by the
# database (the partial unique index below), for the web, the CLI and the periodic jobs alike.
# An open preview holds them too: its rows are written only by its own Start.
ACTIVE_STATES = (FETCHING, READY, APPLYING)


class StagedRecord(db.Model):
    """One Exact record as last read, with the plan for it. Unique per company, entity, ID."""
    __tablename__ = "exact_import_record"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    entity = db.Column(db.String(30), nullable=False)
    exact_id = db.Column(db.String(36), nullable=False)
    code = db.Column(db.String(60))
    name = db.Column(db.String(255))
    data = db.Column(db.Text, nullable=False)
    data_hash = db.Column(db.String(64), nullable=False)
    exact_timestamp = db.Column(db.BigInteger)
    status = db.Column(db.String(20), nullable=False, default=PENDING)
    # The plan shown in the preview: create / update / match / conflict, the rule that matched,
    # the host record it goes to and, for a conflict, what the admin must resolve.
    plan_action = db.Column(db.String(20))
    plan_rule = db.Column(db.String(30))
    plan_host_id = db.Column(db.Integer)
    conflict = db.Column(db.Text)
    error = db.Column(db.Text)
    last_run_id = db.Column(db.Integer)
    fetched_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    applied_at = db.Column(db.DateTime)

    connection = db.relationship("ExactConnection")

    __table_args__ = (
        UniqueConstraint("connection_id", "entity", "exact_id", name="uq_import_record_exact"),
        db.Index("ix_import_record_state", "connection_id", "entity", "status"),
        db.Index("ix_import_record_code", "connection_id", "entity", "code"),
        # A run's counters are counted from its rows (runs.refresh_counts).
        db.Index("ix_import_record_run", "last_run_id", "status", "plan_action"),
    )

    @property
    def record(self):
        return json.loads(self.data)


class SyncCursor(db.Model):
    """The highest sync Timestamp read per company and entity (reference §6.7)."""
    __tablename__ = "exact_sync_cursor"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    entity = db.Column(db.String(30), nullable=False)
    timestamp = db.Column(db.BigInteger, nullable=False, default=0)
    deleted_timestamp = db.Column(db.BigInteger, nullable=False, default=0)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # When the sync feed was last read to its end (an incremental read is only safe within
    # Exact's two months of sync/Deleted, reference §6.7).
    read_at = db.Column(db.DateTime)
    # Why the next run reads everything again (a division move, a cursor too old), shown on
    # the import page; cleared once that full read is done.
    full_read_reason = db.Column(db.Text)

    __table_args__ = (UniqueConstraint("connection_id", "entity", name="uq_sync_cursor"),)


class ImportRun(db.Model):
    """One import of one entity from one company: its progress and its result."""
    __tablename__ = "exact_import_run"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    entity = db.Column(db.String(30), nullable=False)
    state = db.Column(db.String(20), nullable=False, default=FETCHING)
    # Why this run read everything although it was asked for what changed (a division move,
    # a cursor older than Exact's deleted log), shown on the import page.
    full_read_reason = db.Column(db.Text)
    # Read everything again instead of only what changed.
    full = db.Column(db.Boolean, nullable=False, default=False)
    # Apply straight after fetching (CLI, periodic job) instead of stopping at the preview.
    auto_apply = db.Column(db.Boolean, nullable=False, default=False)
    fetched = db.Column(db.Integer, nullable=False, default=0)
    deleted = db.Column(db.Integer, nullable=False, default=0)
    total = db.Column(db.Integer, nullable=False, default=0)
    done = db.Column(db.Integer, nullable=False, default=0)
    created = db.Column(db.Integer, nullable=False, default=0)
    updated = db.Column(db.Integer, nullable=False, default=0)
    matched = db.Column(db.Integer, nullable=False, default=0)
    skipped = db.Column(db.Integer, nullable=False, default=0)
    failed = db.Column(db.Integer, nullable=False, default=0)
    # JSON list of sentences, e.g. the tax rates kept because they are in use.
    notes = db.Column(db.Text)
    message = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    started_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)
    # Who started it, for the "already running" message: an admin's e-mail, "the command
    # line" or "the 15-minute keep-in-step job".
    started_by = db.Column(db.String(120))
    # The lease: the process running the run writes heartbeat_at every few seconds
    # (runs.heartbeat); a running run without one for LEASE seconds died with its worker.
    heartbeat_at = db.Column(db.DateTime)
    # The RQ job running it (None: run in the process that started it, the CLI).
    job_id = db.Column(db.String(80))
    # The state a stopped run resumes in (fetching or applying).
    resume_state = db.Column(db.String(20))
    # Keep-in-step runs only update records already mapped; nothing is created or deleted.
    updates_only = db.Column(db.Boolean, nullable=False, default=False)
    # JSON list of the removals the preview listed ([{"id":, "name":}]); Start does these only.
    removals = db.Column(db.Text)

    connection = db.relationship("ExactConnection")

    __table_args__ = (
        db.Index("uq_import_run_active", "connection_id", "entity", unique=True,
                 postgresql_where=db.text("state IN ('fetching', 'ready', 'applying')"),
                 sqlite_where=db.text("state IN ('fetching', 'ready', 'applying')")),
    )

    @property
    def removal_list(self):
        return json.loads(self.removals) if self.removals else []

    @property
    def note_list(self):
        return json.loads(self.notes) if self.notes else []

    @property
    def is_running(self):
        return self.state in RUNNING_STATES


class ImportSchedule(db.Model):
    """The keep-in-step setting of one company and entity: read what changed in Exact every
    15 minutes and update the records already mapped (never create or delete)."""
    __tablename__ = "exact_import_schedule"
    id = db.Column(db.Integer, primary_key=True)
    connection_id = db.Column(db.Integer, db.ForeignKey("exact_connection.id", ondelete="CASCADE"),
                              nullable=False)
    entity = db.Column(db.String(30), nullable=False)
    enabled = db.Column(db.Boolean, nullable=False, default=False)
    last_run_at = db.Column(db.DateTime)
    last_run_id = db.Column(db.Integer)
    last_message = db.Column(db.Text)

    __table_args__ = (UniqueConstraint("connection_id", "entity", name="uq_import_schedule"),)


def _register_audited_models():
    from backoffice.audit import audit_model
    # Who started or applied an import from the pages; the job's progress counters are not.
    audit_model(ImportRun, "Import run", only_in_requests=True, ignore=(
        "fetched", "deleted", "total", "done", "created", "updated", "matched", "skipped",
        "failed", "notes", "message", "started_at", "finished_at", "heartbeat_at", "job_id",
        "removals"))


_register_audited_models()
