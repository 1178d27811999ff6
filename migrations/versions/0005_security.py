"""security: user roles and session tokens, the audit log (host tables only)

Revision ID: 0005_security
Revises: 0001_backoffice
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0001_backoffice"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False,
                                      server_default="read_only"))
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("role", sa.String),
                    sa.column("session_token", sa.String))
    connection = op.get_bind()
    # Users that existed before roles could do everything: they stay administrators.
    connection.execute(user.update().values(role="administrator"))
    for (user_id,) in connection.execute(sa.select(user.c.id)).all():
        connection.execute(user.update().where(user.c.id == user_id)
                           .values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.String(length=60), nullable=True),
        sa.Column("record", sa.String(length=200), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_model"), ["model"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_model"))
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
    op.drop_table("audit_log")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_token")
        batch_op.drop_column("role")
