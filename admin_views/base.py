"""The secure base classes every admin screen derives from."""
from flask import redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm

from backoffice.db import db


class LoginRequired:
    """Mixin: only logged-in, active users see the view; others go to the login page."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))


class SecureForm(FlaskForm):
    """Flask-WTF form base so the global CSRFProtect and Flask-Admin agree on the token."""


class SecureIndexView(LoginRequired, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/index.html")


class SecureBaseView(LoginRequired, BaseView):
    pass


class SecureModelView(LoginRequired, ModelView):
    form_base_class = SecureForm
    page_size = 50
    can_view_details = True

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)
