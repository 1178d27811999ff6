"""exact sync: outbox

Revision ID: 0004_exact_sync
Revises: 0003_exact_import
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_exact_sync"
down_revision = "0003_exact_import"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
