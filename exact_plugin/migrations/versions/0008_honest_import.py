"""exact import: run leases, one active run per company and entity, keep-in-step settings

Revision ID: 0008_honest_import
Revises: 0007_honest_sync
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_honest_import"
down_revision = "0007_honest_sync"
branch_labels = None
depends_on = None

ACTIVE = "state IN ('fetching', 'ready', 'applying')"


def upgrade():
    with op.batch_alter_table("exact_import_run") as batch:
        batch.add_column(sa.Column("started_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("job_id", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("resume_state", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("updates_only", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("removals", sa.Text(), nullable=True))
    # Runs left "running" by the old code (no lease) would block the new index forever.
    op.execute("UPDATE exact_import_run SET state = 'stopped', message = 'This import was "
               "interrupted by an upgrade of the back office; start it again.' WHERE " + ACTIVE)
    op.create_index("uq_import_run_active", "exact_import_run", ["connection_id", "entity"],
                    unique=True, postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_index("ix_import_record_run", "exact_import_record",
                    ["last_run_id", "status", "plan_action"])
    op.create_table(
        "exact_import_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["exact_connection.id"],
                                name=op.f("fk_exact_import_schedule_connection_id_exact_connection"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exact_import_schedule")),
        sa.UniqueConstraint("connection_id", "entity", name="uq_import_schedule"),
    )


def downgrade():
    op.drop_table("exact_import_schedule")
    op.drop_index("ix_import_record_run", table_name="exact_import_record")
    op.drop_index("uq_import_run_active", table_name="exact_import_run")
    with op.batch_alter_table("exact_import_run") as batch:
        for name in ("removals", "updates_only", "resume_state", "job_id", "heartbeat_at",
                     "started_by"):
            batch.drop_column(name)
