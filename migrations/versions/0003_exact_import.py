"""exact import: staging, sync cursors, import runs

Revision ID: 0003_exact_import
Revises: 0002_exact_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_exact_import"
down_revision = "0002_exact_core"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
