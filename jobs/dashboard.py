"""The RQ dashboard (rq-dashboard 0.9) at /admin/rq, behind the back office login.

rq-dashboard is a module-level blueprint without authentication and with state-changing routes
(delete, requeue, empty) that carry no CSRF token (shared ecosystem-notes.md §3.3). So:
- our guard runs first on every dashboard request: not logged in -> the login page; a non-GET
  request must come from one of our own pages (same-origin Origin or Referer header), which is
  what stops cross-site forgery here, since the dashboard's own JavaScript cannot send our
  CSRF token (the blueprint is therefore exempt from CSRFProtect);
- hooks can only be added to the blueprint before its first registration, so they are added
  once, at import of this module.
In embedded mode (no REDIS_URL) the dashboard reads the process's fake Redis instead of
connecting to a URL.
"""
from urllib.parse import urlsplit

import rq_dashboard
from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_admin.menu import MenuLink
from flask_login import current_user
from rq_dashboard.web import push_rq_connection, setup_rq_connection

from backoffice import hooks
from jobs.queues import get_redis, is_embedded

URL_PREFIX = "/admin/rq"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Shown by the dashboard as the "instance" name when there is no Redis URL.
EMBEDDED_LABEL = "embedded://in-process-queue"
# Our copy of the dashboard's navbar (with a link back to the back office): registered before
# the dashboard, so Flask's template search finds it before the library's.
navbar_template = Blueprint("jobs_dashboard_navbar", __name__, template_folder="templates")


def _same_origin():
    expected = urlsplit(request.host_url)
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            sent = urlsplit(value)
            return (sent.scheme, sent.netloc) == (expected.scheme, expected.netloc)
    return False


def require_logged_in_admin():
    if not (current_user.is_authenticated and current_user.is_active):
        return redirect(url_for("auth.login", next=request.full_path))
    if request.method not in SAFE_METHODS and not _same_origin():
        abort(403, "Changes to jobs can only be made from the jobs dashboard of this site.")
    return None


def connect_dashboard():
    """Point the dashboard at this app's Redis (rq-dashboard's own hook needs a URL)."""
    if is_embedded():
        current_app.redis_conn = get_redis()
        return None
    return push_rq_connection()


def _install_blueprint_hooks(blueprint):
    functions = blueprint.before_request_funcs.setdefault(None, [])
    functions[:] = [require_logged_in_admin, connect_dashboard] + [
        function for function in functions if function is not push_rq_connection]


_install_blueprint_hooks(rq_dashboard.blueprint)


def init_app(app):
    from backoffice.auth import csrf

    if is_embedded(app):
        app.config["RQ_DASHBOARD_REDIS_URL"] = (EMBEDDED_LABEL,)
        app.redis_conn = get_redis(app)
    else:
        app.config["RQ_DASHBOARD_REDIS_URL"] = app.config["REDIS_URL"]
        setup_rq_connection(app)
    csrf.exempt(rq_dashboard.blueprint)
    app.register_blueprint(navbar_template)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    hooks.register_admin_setup(app, add_menu_link)


def add_menu_link(admin, app):
    admin.add_link(MenuLink(name="Jobs", endpoint="rq_dashboard.queues_overview"))
