"""Login for the back office: Flask-Login sessions, a login form, CSRF on every POST.

- Passwords are stored as salted hashes (werkzeug's scrypt), never in clear.
- A deactivated user cannot log in, and a session of a user deactivated meanwhile ends at the
  next request (the user loader refuses inactive users).
- Logout is a POST carrying the CSRF token (the admin's "Log out" button), so another site
  cannot log an admin out with a link or an image.
- After login the user returns to the page they asked for, but only a page of this site.
- A POST with a missing or stale CSRF token gets a page saying what to do, not a bare 400.
- Failed logins are throttled per login and per address (Flask-Limiter; Redis storage when
  REDIS_URL is set, so every web process counts together), with a message saying when to try
  again. An unknown login costs as much time as a wrong password (no user enumeration by timing).
- The session names the user by id *and* the user's random session token: logout and a password
  change draw a new token, which ends every session of that user; a deleted user's cookie never
  fits a later user who got the same id. Cookies are SameSite=Lax, Secure when EXTERNAL_URL is
  https, and the session lasts SESSION_LIFETIME_MINUTES.
"""
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import PasswordField, StringField
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.validators import DataRequired, Length

from backoffice import audit  # noqa: F401  (installs the audit log's session listener)
from backoffice.db import db
from backoffice.models import User

login_manager = LoginManager()
csrf = CSRFProtect()
blueprint = Blueprint("auth", __name__, template_folder="templates")

WRONG_CREDENTIALS = "Unknown login or wrong password."
DEACTIVATED = "This account is deactivated. Ask another administrator to reactivate it."
THROTTLED = ("Too many failed logins ({limit}). Logging in is paused for this login or this "
             "address: try again in a few minutes, or ask an administrator.")
# Checked against when the login is unknown, so that answer takes as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash("no user has this password")


class LoginForm(FlaskForm):
    login = StringField("Login", validators=[DataRequired("Enter your login."), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


def init_app(app):
    configure_cookies(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to use the back office."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.register_error_handler(CSRFError, csrf_failed)
    install_login_throttle(app)


def configure_cookies(app):
    external = app.config.get("EXTERNAL_URL") or ""
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if external.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE", False)
    minutes = app.config.get("SESSION_LIFETIME_MINUTES") or 480
    from datetime import timedelta
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(minutes))


# -- throttling ----------------------------------------------------------------------------------

def _attempted_login():
    return "login:" + (request.form.get("login") or "").strip().lower()[:80]


def _address():
    return "address:" + (get_remote_address() or "unknown")


def _failed(response):
    """Only failed attempts count: a successful login answers with a redirect."""
    return request.method == "POST" and response.status_code != 302


def install_login_throttle(app):
    """A Limiter per app (tests build many apps), wrapped around the login view."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(key_func=get_remote_address, storage_uri=storage,
                      key_prefix=app.config.get("LOGIN_THROTTLE_PREFIX", "backoffice-login"),
                      strategy="moving-window", headers_enabled=False,
                      # Redis down: count in memory rather than refuse every login.
                      swallow_errors=True, in_memory_fallback_enabled=True)
    limiter.init_app(app)
    view = app.view_functions["auth.login"]
    for limit, key in ((app.config["LOGIN_LIMIT_PER_LOGIN"], _attempted_login),
                       (app.config["LOGIN_LIMIT_PER_ADDRESS"], _address)):
        view = limiter.limit(limit, key_func=key, methods=["POST"], deduct_when=_failed,
                             per_method=True)(view)
    app.view_functions["auth.login"] = view
    app.extensions["login_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, login_throttled)


def login_throttled(error):
    flash(THROTTLED.format(limit=error.limit.limit), "error")
    return render_template("auth/login.html", form=LoginForm()), 429


# -- sessions ------------------------------------------------------------------------------------

@login_manager.user_loader
def load_user(session_id):
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.session_token:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


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
        if user is None:
            check_password_hash(_UNKNOWN_USER_HASH, form.password.data)
            flash(WRONG_CREDENTIALS, "error")
        elif not user.check_password(form.password.data):
            flash(WRONG_CREDENTIALS, "error")
        elif not user.active:
            flash(DEACTIVATED, "error")
        else:
            session.permanent = True   # lasts PERMANENT_SESSION_LIFETIME
            login_user(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("admin.index"))
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    """Ends every session of this user (all browsers), not only this one."""
    if current_user.is_authenticated:
        user = db.session.get(User, current_user.id)
        user.end_all_sessions()
        db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/")
def home():
    return redirect(url_for("admin.index"))


def csrf_failed(error):
    return render_template("auth/csrf_error.html", reason=error.description), 400
