"""`flask --app app exact ...`: scripted operations on Exact Online companies.

Commands are added to `exact_cli` by the connection, importing and syncing modules.
"""
from flask.cli import AppGroup

exact_cli = AppGroup("exact", help="Exact Online integration: companies, imports, sync.")


def init_app(app):
    app.cli.add_command(exact_cli)
