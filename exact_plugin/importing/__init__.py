"""Importing from Exact Online into the back office (the guide's "Importing and Syncing
Entities from Exact Online"): tax rates, GL accounts, customers and products.

Pieces, in the order data flows: staging.py reads Exact into the staging table, planner.py
applies the matching rules, apply.py writes batches into the host tables, runs.py drives
runs, jobs and progress; tax_rates.py holds the guide's removal rule. docs/importing.md tells
the whole story.
"""
from exact_plugin.importing import models  # noqa: F401  (registers the tables)


def init_app(app):
    from backoffice import hooks
    from exact_plugin.importing import cli, extensions, runs
    cli.register()
    runs.register_jobs(app)
    extensions.register(app)
    hooks.register_admin_setup(app, _add_admin_views)


def _add_admin_views(admin, app):
    from exact_plugin.admin import imports as exact_import
    exact_import.add_views(admin)
