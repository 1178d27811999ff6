"""HTTP hardening of the back office: security headers, trusted hosts, database file mode.

- Headers through Flask-Talisman: a Content-Security-Policy that Flask-Admin's pages and the
  jobs dashboard work with (their own scripts and inline snippets; nothing from other sites,
  no framing, no plugins), X-Frame-Options DENY, nosniff, a strict referrer policy, and HSTS
  when EXTERNAL_URL is https. Talisman's own HTTPS redirect is off: TLS ends at the proxy.
- TRUSTED_HOSTS (Flask 3.1): with EXTERNAL_URL set, a request for another Host answers 400,
  so no link or redirect is ever built from a forged Host header.
- The SQLite file (and its WAL files) are readable by the owner only (0600).
"""
import os
from urllib.parse import urlsplit

from flask import render_template
from flask_talisman import Talisman
from sqlalchemy import event
from sqlalchemy.exc import DataError

# Flask-Admin 2 and rq-dashboard use inline <script> blocks and onclick handlers, hence
# 'unsafe-inline' for scripts; everything else must come from this site. Select2 and the
# dashboards draw images from data: URIs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}
# rq-dashboard renders with underscore.js templates, which compile through `new Function`:
# its pages (only those) also need 'unsafe-eval' (jobs/dashboard.py).
DASHBOARD_CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY, "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"]}
DATABASE_FILE_MODE = 0o600


def init_app(app):
    external = app.config.get("EXTERNAL_URL") or ""
    https = external.startswith("https://")
    Talisman(app, force_https=False, session_cookie_secure=https,
             strict_transport_security=https, content_security_policy=CONTENT_SECURITY_POLICY,
             frame_options="DENY", referrer_policy="strict-origin-when-cross-origin")
    if external and not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [urlsplit(external).hostname]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        _owner_only_database_file(app)
    app.register_error_handler(DataError, value_out_of_range)
    app.register_error_handler(OverflowError, value_out_of_range)   # SQLite's form of it


BAD_PARAMETER = ("A value in the address or the form is out of range for the database (for "
                 "example an id with too many digits). Nothing was changed.")


def value_out_of_range(error):
    """PostgreSQL (DataError) and SQLite (OverflowError) refuse e.g. a 20-digit id for an
    integer key: a 400 that says so, not a 500."""
    from backoffice.db import db
    db.session.rollback()
    return render_template("auth/bad_request.html", reason=BAD_PARAMETER), 400


def _owner_only_database_file(app):
    from backoffice.db import db
    with app.app_context():
        engine = db.engine
    path = engine.url.database
    if not path or path == ":memory:":
        return

    @event.listens_for(engine, "connect")
    def _restrict(_dbapi_connection, _record):
        for name in (path, f"{path}-wal", f"{path}-shm"):
            if os.path.exists(name) and (os.stat(name).st_mode & 0o777) != DATABASE_FILE_MODE:
                os.chmod(name, DATABASE_FILE_MODE)
