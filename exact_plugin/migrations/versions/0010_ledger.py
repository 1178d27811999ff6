"""exact ledger: payment status of invoices read from Exact's receivables

Revision ID: 0010_ledger
Revises: 0008_honest_import
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_ledger"
down_revision = "0008_honest_import"
branch_labels = None
depends_on = "0007_ledger_host"


def upgrade():
    op.create_table(
        "exact_payment_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("binding_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=True),
        sa.Column("outstanding", sa.Numeric(14, 2), nullable=True),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["binding_id"], ["exact_binding.id"],
                                name=op.f("fk_exact_payment_status_binding_id_exact_binding"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_payment_status")),
        sa.UniqueConstraint("binding_id", name=op.f("uq_exact_payment_status_binding_id")),
    )
    op.create_index(op.f("ix_exact_payment_status_status"), "exact_payment_status", ["status"])
    with op.batch_alter_table("exact_connection") as batch:
        batch.add_column(sa.Column("payments_checked_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("exact_connection") as batch:
        batch.drop_column("payments_checked_at")
    op.drop_index(op.f("ix_exact_payment_status_status"), table_name="exact_payment_status")
    op.drop_table("exact_payment_status")
