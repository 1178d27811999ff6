"""The admin screens (Flask-Admin 2, Bootstrap 4), all behind login."""
from pathlib import Path

from flask import Blueprint
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views.base import SecureIndexView
from backoffice import hooks

# The host's admin templates (master page with banners and logout, record panels), found by
# their own "backoffice/" names so they never shadow Flask-Admin's; and their small scripts.
templates = Blueprint("backoffice_admin_templates", __name__,
                      template_folder=str(Path(__file__).parent / "templates"),
                      static_folder=str(Path(__file__).parent / "static"),
                      static_url_path="/backoffice-static")


def init_app(app):
    app.register_blueprint(templates)
    app.add_template_global(hooks.admin_banners, "admin_banners")
    admin = Admin(app, name="Back office",
                  theme=Bootstrap4Theme(swatch="default", base_template="backoffice/base.html"),
                  index_view=SecureIndexView(url="/admin"))
    app.extensions["backoffice_admin"] = admin
    from admin_views import backoffice_views
    # The views read the plugins' extensions from the app while they scaffold their forms.
    with app.app_context():
        backoffice_views.add_views(admin)
        hooks.run_admin_setups(admin, app)
    return admin
