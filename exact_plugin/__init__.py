"""Exact Online integration plugin (an addon of the back office).

`init_app(app)` registers the plugin's models, hooks, admin screens, routes, jobs and commands.
Three parts, each with its own `init_app`: connection (OAuth, API client, companies),
importing (Exact -> back office) and syncing (back office -> Exact).
"""
from pathlib import Path

from exact_plugin import models  # noqa: F401  (registers the tables)


MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def init_app(app):
    from backoffice import hooks
    from exact_plugin import admin, cli, connection, importing, ledger, realtime, syncing
    from exact_plugin import outbound, settings
    settings.init_app(app)
    hooks.register_migrations(app, MIGRATIONS)
    admin.init_app(app)
    cli.init_app(app)
    connection.init_app(app)
    importing.init_app(app)
    syncing.init_app(app)
    outbound.init_app(app)
    realtime.init_app(app)
    ledger.init_app(app)
