"""exact sync: a per-company pause of the sync

Revision ID: 0007_honest_sync
Revises: 0006_exact_real
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_honest_sync"
down_revision = "0006_exact_real"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exact_connection") as batch:
        batch.add_column(sa.Column("sync_paused", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("exact_connection") as batch:
        batch.drop_column("sync_paused")
