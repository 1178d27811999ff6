"""The database handle shared by the host and its plugins.

The host's migrations live in migrations/versions; each plugin in PLUGINS adds its own Alembic
branch (hooks.register_migrations), so the schema has one head per branch and `flask db upgrade`
goes to all of them ("heads").
"""
import copy
import os
from pathlib import Path

from flask_migrate import Migrate
from flask_migrate.cli import db as migrate_commands
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints so Alembic migrations are stable on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()


def init_app(app):
    db.init_app(app)
    migrations_dir = app.config.get("MIGRATIONS_DIR")
    migrate.init_app(app, db, directory=migrations_dir or _default_migrations_dir(),
                     render_as_batch=True)
    app.cli.add_command(_commands_upgrading_every_branch(), name="db")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _enable_sqlite_foreign_keys(app)


def _default_migrations_dir():
    return str(Path(__file__).resolve().parent.parent / "migrations")


UPGRADE_TARGET = "heads"


def upgrade(revision=UPGRADE_TARGET, **kwargs):
    """flask_migrate.upgrade to every branch's head (the host's and each plugin's)."""
    import flask_migrate
    flask_migrate.upgrade(revision=revision, **kwargs)


@migrate.configure
def _add_plugin_branches(config):
    """Alembic reads the host's versions folder and every registered plugin's."""
    from backoffice import hooks
    plugin_dirs = hooks.migration_locations()
    if plugin_dirs:
        host_dir = str(Path(config.get_main_option("script_location")) / "versions")
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join([host_dir, *plugin_dirs]))
    return config


def _commands_upgrading_every_branch():
    """Flask-Migrate's `db` group, with `db upgrade` going to "heads" instead of "head"
    (with a plugin there is one head per branch, and "head" refuses to choose)."""
    group = copy.copy(migrate_commands)
    group.commands = dict(migrate_commands.commands)
    command = copy.copy(group.commands["upgrade"])
    command.params = [copy.copy(param) for param in command.params]
    for param in command.params:
        if param.name == "revision":
            param.default = UPGRADE_TARGET
    group.commands["upgrade"] = command
    return group


def _enable_sqlite_foreign_keys(app):
    from sqlalchemy import event
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
