"""realtime: webhook secret and token, webhook events, subscriptions, inbound log, own writes,
reconciliation (issue 15)

Revision ID: 0011_realtime
Revises: 0010_ledger
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_realtime"
down_revision = "0010_ledger"
branch_labels = None
depends_on = None


def _connection_fk(table, nullable=False):
    return sa.Column("connection_id", sa.Integer(),
                     sa.ForeignKey("exact_connection.id", ondelete="CASCADE",
                                   name=f"fk_{table}_connection_id_exact_connection"),
                     nullable=nullable)


def upgrade():
    with op.batch_alter_table("exact_connection") as batch:
        batch.add_column(sa.Column("webhook_secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("webhook_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_exact_connection_webhook_token", ["webhook_token"])
    op.create_table(
        "exact_webhook_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        _connection_fk("exact_webhook_event"),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("exact_key", sa.String(length=36), nullable=False),
        sa.Column("event_created_on", sa.String(length=40)),
        sa.Column("hash_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime()),
        sa.UniqueConstraint("connection_id", "hash_code", name="uq_webhook_event_hash"),
    )
    op.create_index("ix_webhook_event_state", "exact_webhook_event", ["connection_id", "state"])
    op.create_index("ix_webhook_event_key", "exact_webhook_event", ["connection_id", "exact_key"])
    op.create_table(
        "exact_inbound_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _connection_fk("exact_inbound_request", nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=40)),
        sa.Column("action", sa.String(length=20)),
        sa.Column("exact_key", sa.String(length=36)),
        sa.Column("message", sa.Text()),
        sa.Column("remote_addr", sa.String(length=64)),
        sa.Column("body", sa.Text()),
    )
    op.create_index("ix_exact_inbound_request_created_at", "exact_inbound_request", ["created_at"])
    op.create_index("ix_exact_inbound_request_connection_id", "exact_inbound_request",
                    ["connection_id"])
    op.create_table(
        "exact_webhook_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        _connection_fk("exact_webhook_subscription"),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("exact_id", sa.String(length=36)),
        sa.Column("callback_url", sa.Text()),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("connection_id", "topic", name="uq_webhook_subscription"),
    )
    op.create_table(
        "exact_own_write",
        sa.Column("id", sa.Integer(), primary_key=True),
        _connection_fk("exact_own_write"),
        sa.Column("exact_key", sa.String(length=36), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("consumed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_own_write_key", "exact_own_write", ["connection_id", "exact_key", "consumed"])
    op.create_table(
        "exact_reconciliation",
        sa.Column("id", sa.Integer(), primary_key=True),
        _connection_fk("exact_reconciliation"),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("differing", sa.Integer(), nullable=False),
        sa.Column("only_here", sa.Integer(), nullable=False),
        sa.Column("only_exact", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_table(
        "exact_difference",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reconciliation_id", sa.Integer(),
                  sa.ForeignKey("exact_reconciliation.id", ondelete="CASCADE",
                                name="fk_exact_difference_reconciliation_id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("host_id", sa.Integer()),
        sa.Column("exact_id", sa.String(length=36)),
        sa.Column("label", sa.String(length=255)),
        sa.Column("fields", sa.Text()),
        sa.Column("fixed", sa.String(length=40)),
    )
    op.create_index("ix_exact_difference_reconciliation_id", "exact_difference",
                    ["reconciliation_id"])


def downgrade():
    for table in ("exact_difference", "exact_reconciliation", "exact_own_write",
                  "exact_webhook_subscription", "exact_inbound_request", "exact_webhook_event"):
        op.drop_table(table)
    with op.batch_alter_table("exact_connection") as batch:
        batch.drop_constraint("uq_exact_connection_webhook_token", type_="unique")
        batch.drop_column("webhook_token")
        batch.drop_column("webhook_secret")
