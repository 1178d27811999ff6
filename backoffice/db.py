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
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrations_dir = app.config.get("MIGRATIONS_DIR")
    migrate.init_app(app, db, directory=migrations_dir or _default_migrations_dir(),
                     render_as_batch=True)
    app.cli.add_command(_commands_upgrading_every_branch(), name="db")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _enable_sqlite_foreign_keys(app)


def statement_timeout_ms(value):
    """The DATABASE_STATEMENT_TIMEOUT setting (seconds, 0 = no limit) in milliseconds."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1
    if not 0 <= seconds < 10 ** 6:
        raise ValueError(f"DATABASE_STATEMENT_TIMEOUT is a number of seconds (0 for no limit), "
                         f"not {value!r}.")
    return round(seconds * 1000)


def engine_options(config):
    """SQLAlchemy engine options that make a lost or stuck database fail politely.

    pool_pre_ping: a pooled connection the server dropped (restart, pg_terminate_backend,
    failover) is replaced before use instead of failing the request. On PostgreSQL, a statement
    running longer than DATABASE_STATEMENT_TIMEOUT is cancelled instead of holding the worker
    and its locks.
    """
    options = {**config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "pool_pre_ping": True}
    timeout_ms = statement_timeout_ms(config.get("DATABASE_STATEMENT_TIMEOUT", "30"))
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        connect_args = dict(options.get("connect_args", {}))
        connect_args["options"] = " ".join(filter(None, [
            connect_args.get("options"), f"-c statement_timeout={timeout_ms}"]))
        options["connect_args"] = connect_args
    return options


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
