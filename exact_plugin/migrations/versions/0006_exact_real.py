"""exact as it really is: the sales journal per company, division moves, full-read reasons

Revision ID: 0006_exact_real
Revises: 0004_exact_sync
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_exact_real"
down_revision = "0004_exact_sync"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exact_connection") as batch:
        batch.add_column(sa.Column("sales_journal", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("sales_journal_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("division_move_date", sa.String(length=40), nullable=True))
    with op.batch_alter_table("exact_sync_cursor") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("full_read_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("exact_import_run") as batch:
        batch.add_column(sa.Column("full_read_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("exact_import_run") as batch:
        batch.drop_column("full_read_reason")
    with op.batch_alter_table("exact_sync_cursor") as batch:
        batch.drop_column("full_read_reason")
        batch.drop_column("read_at")
    with op.batch_alter_table("exact_connection") as batch:
        batch.drop_column("division_move_date")
        batch.drop_column("sales_journal_name")
        batch.drop_column("sales_journal")
