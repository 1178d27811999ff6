"""Login for the back office: Flask-Login sessions, a login form, CSRF on every POST."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from backoffice.db import db
from backoffice.models import User

login_manager = LoginManager()
csrf = CSRFProtect()
blueprint = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    login = StringField("Login", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to use the back office."
    csrf.init_app(app)
    app.register_blueprint(blueprint)


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _safe_next(target):
    """Only redirect back to a path on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).filter_by(login=form.login.data.strip())).scalar_one_or_none()
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.index"))
        flash("Unknown login or wrong password.", "error")
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/")
def home():
    return redirect(url_for("admin.index"))
