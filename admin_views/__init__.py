"""The admin screens (Flask-Admin 2, Bootstrap 4), all behind login."""
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views.base import SecureIndexView
from backoffice import hooks


def init_app(app):
    admin = Admin(app, name="Back office", theme=Bootstrap4Theme(swatch="default"),
                  index_view=SecureIndexView(url="/admin"))
    app.extensions["backoffice_admin"] = admin
    from admin_views import backoffice_views
    backoffice_views.add_views(admin)
    hooks.run_admin_setups(admin, app)
    return admin
