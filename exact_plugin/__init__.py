"""Exact Online integration plugin (an addon of the back office).

`init_app(app)` registers the plugin's models, hooks, admin screens, routes, jobs and commands.
"""
from exact_plugin import models  # noqa: F401  (registers the tables)


def init_app(app):
    pass
