"""exact sync: outbox and export state

Revision ID: 0004_exact_sync
Revises: 0003_exact_import
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_exact_sync"
down_revision = "0003_exact_import"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exact_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_model", sa.String(length=40), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("available_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_outbox")),
    )
    op.create_index("ix_exact_outbox_record", "exact_outbox", ["host_model", "host_id"])
    op.create_index(op.f("ix_exact_outbox_available_at"), "exact_outbox", ["available_at"])
    op.create_table(
        "exact_export_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("binding_id", sa.Integer(), nullable=False),
        sa.Column("sent_payload", sa.Text(), nullable=True),
        sa.Column("create_sent_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["binding_id"], ["exact_binding.id"],
                                name=op.f("fk_exact_export_state_binding_id_exact_binding"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_export_state")),
        sa.UniqueConstraint("binding_id", name=op.f("uq_exact_export_state_binding_id")),
    )


def downgrade():
    op.drop_table("exact_export_state")
    op.drop_index(op.f("ix_exact_outbox_available_at"), table_name="exact_outbox")
    op.drop_index("ix_exact_outbox_record", table_name="exact_outbox")
    op.drop_table("exact_outbox")
