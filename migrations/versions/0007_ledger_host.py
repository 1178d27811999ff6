"""ledger host concepts: credit notes and archiving

A credit note is an invoice that credits another (`invoice.credits_invoice_id`); customers,
suppliers and products can be archived (kept, hidden from new work) instead of deleted.

Revision ID: 0007_ledger_host
Revises: 0005_security
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_ledger_host"
down_revision = "0005_security"
branch_labels = None
depends_on = None

ARCHIVABLE = ("customer", "supplier", "product")


def upgrade():
    for table in ARCHIVABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("archived", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("credits_invoice_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_invoice_credits_invoice_id_invoice"), "invoice",
                                 ["credits_invoice_id"], ["id"])
        batch.create_index(op.f("ix_invoice_credits_invoice_id"), ["credits_invoice_id"])


def downgrade():
    with op.batch_alter_table("invoice") as batch:
        batch.drop_index(op.f("ix_invoice_credits_invoice_id"))
        batch.drop_constraint(op.f("fk_invoice_credits_invoice_id_invoice"), type_="foreignkey")
        batch.drop_column("credits_invoice_id")
    for table in ARCHIVABLE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("archived")
