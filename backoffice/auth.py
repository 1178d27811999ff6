"""Login for the back office: Flask-Login sessions, a login form, CSRF on every POST.

- Passwords are stored as salted hashes (werkzeug's scrypt), never in clear.
- A deactivated user cannot log in, and a session of a user deactivated meanwhile ends at the
  next request (the user loader refuses inactive users).
- Logout is a POST carrying the CSRF token (the admin's "Log out" button), so another site
  cannot log an admin out with a link or an image.
- After login the user returns to the page they asked for, but only a page of this site.
- A POST with a missing or stale CSRF token gets a page saying what to do, not a bare 400.
"""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from backoffice.db import db
from backoffice.models import User

login_manager = LoginManager()
csrf = CSRFProtect()
blueprint = Blueprint("auth", __name__, template_folder="templates")

WRONG_CREDENTIALS = "Unknown login or wrong password."
DEACTIVATED = "This account is deactivated. Ask another administrator to reactivate it."


class LoginForm(FlaskForm):
    login = StringField("Login", validators=[DataRequired("Enter your login."), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to use the back office."
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.register_error_handler(CSRFError, csrf_failed)


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def safe_next_url(target):
    """`target` if it is a path on this site, else None (no open redirect).

    Refuses absolute and scheme-relative URLs ("//evil.example") and backslashes, which
    browsers read as slashes ("/\\evil.example" is "//evil.example" to them).
    """
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(ord(character) < 32 for character in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def find_user(login):
    return db.session.execute(
        db.select(User).filter_by(login=login.strip())).scalar_one_or_none()


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.login.data)
        if user is None or not user.check_password(form.password.data):
            flash(WRONG_CREDENTIALS, "error")
        elif not user.active:
            flash(DEACTIVATED, "error")
        else:
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("admin.index"))
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/")
def home():
    return redirect(url_for("admin.index"))


def csrf_failed(error):
    return render_template("auth/csrf_error.html", reason=error.description), 400
