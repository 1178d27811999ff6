"""Exact Online integration plugin (an addon of the back office).

`init_app(app)` registers the plugin's models, hooks, admin screens, routes, jobs and commands.
Three parts, each with its own `init_app`: connection (OAuth, API client, companies),
importing (Exact -> back office) and syncing (back office -> Exact).
"""
from exact_plugin import models  # noqa: F401  (registers the tables)


def init_app(app):
    from exact_plugin import cli, connection, importing, syncing
    cli.init_app(app)
    connection.init_app(app)
    importing.init_app(app)
    syncing.init_app(app)
