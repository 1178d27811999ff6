"""The plugin's own admin screens (Flask-Admin views and templates), added to the host's admin
through `hooks.register_admin_setup`: the dashboard and the home page's summary (dashboard.py),
companies and the outbound log (companies.py), imports (imports.py), the sync page (sync.py). Templates live in exact_plugin/admin/templates/exact/.
"""
from pathlib import Path

from flask import Blueprint

templates = Blueprint("exact_admin_templates", __name__,
                      template_folder=str(Path(__file__).parent / "templates"))


def init_app(app):
    from backoffice import hooks
    from exact_plugin.admin import dashboard
    if templates.name not in app.blueprints:
        app.register_blueprint(templates)
    hooks.register_admin_setup(app, dashboard.add_views)   # first: the category's home
