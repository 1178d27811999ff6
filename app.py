"""The back office application factory.

`create_app()` builds the Flask app from environment settings (see backoffice/settings.py),
then initialises one subsystem after another: database, login, admin screens, jobs, and the
plugins named in the PLUGINS setting (by default the Exact Online integration).
"""
import importlib
import os

from flask import Flask

import admin_views
import jobs
from backoffice import auth, cli, db, security
from backoffice.settings import load_settings


def create_app(config=None):
    """Build the application. `config` overrides settings (tests pass a mapping)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_settings(app.instance_path))
    if config:
        app.config.from_mapping(config)

    db.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    jobs.init_app(app)
    cli.init_app(app)
    # Plugins first register their hooks; the admin screens are built after, with them.
    for plugin_name in app.config["PLUGINS"]:
        importlib.import_module(plugin_name).init_app(app)
    admin_views.init_app(app)
    return app
