"""exact import: staging, sync cursors, import runs

Revision ID: 0003_exact_import
Revises: 0002_exact_core
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_exact_import"
down_revision = "0002_exact_core"
branch_labels = None
depends_on = None


def _connection_fk(table):
    return sa.ForeignKeyConstraint(
        ["connection_id"], ["exact_connection.id"],
        name=op.f(f"fk_{table}_connection_id_exact_connection"), ondelete="CASCADE")


def upgrade():
    op.create_table(
        "exact_import_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("exact_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("exact_timestamp", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("plan_action", sa.String(length=20), nullable=True),
        sa.Column("plan_rule", sa.String(length=30), nullable=True),
        sa.Column("plan_host_id", sa.Integer(), nullable=True),
        sa.Column("conflict", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        _connection_fk("exact_import_record"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_import_record")),
        sa.UniqueConstraint("connection_id", "entity", "exact_id", name="uq_import_record_exact"),
    )
    with op.batch_alter_table("exact_import_record", schema=None) as batch_op:
        batch_op.create_index("ix_import_record_state", ["connection_id", "entity", "status"])
        batch_op.create_index("ix_import_record_code", ["connection_id", "entity", "code"])

    op.create_table(
        "exact_sync_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("deleted_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _connection_fk("exact_sync_cursor"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_sync_cursor")),
        sa.UniqueConstraint("connection_id", "entity", name="uq_sync_cursor"),
    )

    op.create_table(
        "exact_import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("auto_apply", sa.Boolean(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "fetched", "deleted", "total", "done", "created", "updated", "matched", "skipped",
            "failed")],
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        _connection_fk("exact_import_run"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_import_run")),
    )


def downgrade():
    op.drop_table("exact_import_run")
    op.drop_table("exact_sync_cursor")
    with op.batch_alter_table("exact_import_record", schema=None) as batch_op:
        batch_op.drop_index("ix_import_record_code")
        batch_op.drop_index("ix_import_record_state")
    op.drop_table("exact_import_record")
