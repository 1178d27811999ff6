"""The RQ dashboard (rq-dashboard 0.9) at /admin/rq, behind the back office login, patched.

rq-dashboard is a module-level blueprint without authentication, whose state-changing routes
carry no CSRF token and whose pages print job text unescaped. We keep its pages and patch
them (no fork, no copied templates):
- our guard runs first on every dashboard request: not logged in -> the login page; a role
  other than administrator -> 403 (backoffice/roles.py, area "jobs"); requeue-all answers a GET
  with 405 (upstream also accepts GET, so a link or an image on another site could requeue every
  failed job); a non-GET request must come from one of our own pages (same-origin Origin or
  Referer header) and carry the CSRF token in its X-CSRFToken header, checked by CSRFProtect
  (the dashboard's own JavaScript already sends the `_csrf_token` cookie there, which our
  after-request hook sets on its pages);
- its underscore.js templates print `<%= value %>` (no escaping): the template loader below
  rewrites them to `<%- value %>` (escaped) when Jinja loads them, so a job's description, its
  exception text or a queue name is shown as text, never run as HTML;
- hooks can only be added to the blueprint before its first registration, so they are added
  once, at import of this module.
In embedded mode (no REDIS_URL) the dashboard reads the process's fake Redis instead of
connecting to a URL.
"""
import inspect
from urllib.parse import urlsplit

import rq_dashboard
from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_admin.menu import MenuLink
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import BaseLoader
from rq.exceptions import NoSuchJobError
from rq_dashboard.web import push_rq_connection, setup_rq_connection

from backoffice import hooks, roles
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
    if not roles.may_open(current_user, "jobs"):
        abort(403, "Only administrators may open the jobs dashboard.")
    if request.endpoint in POST_ONLY_ENDPOINTS and request.method != "POST":
        abort(405)
    if request.method not in SAFE_METHODS and not _same_origin():
        abort(403, "Changes to jobs can only be made from the jobs dashboard of this site.")
    return None


# Upstream routes that change state but also answer GET.
POST_ONLY_ENDPOINTS = {"rq_dashboard.requeue_all"}
CSRF_COOKIE = "_csrf_token"   # the name rq-dashboard's dashboard.js reads


def give_dashboard_script_the_csrf_token(response):
    """The dashboard's JavaScript sends this cookie back as X-CSRFToken on every POST."""
    if request.method == "GET" and response.mimetype == "text/html":
        response.set_cookie(CSRF_COOKIE, generate_csrf(), path=URL_PREFIX, samesite="Strict",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                            httponly=False)
    return response


def escape_underscore_templates(source):
    """rq-dashboard's job templates print with `<%= %>` (raw); `<%- %>` escapes. Two places
    escape by hand through jQuery; they become plain escaped output too."""
    source = source.replace("<%= $('<div/>').text(d.description).html() %>", "<%- d.description %>")
    source = source.replace("<%= $('<div/>').text(d.exc_info).html() %>", "<%- d.exc_info %>")
    return source.replace("<%=", "<%-")


class EscapingDashboardLoader(BaseLoader):
    """rq-dashboard's own template loader, with its templates' output escaped."""

    def __init__(self, loader):
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        if template.endswith(".html"):
            source = escape_underscore_templates(source)
        return source, filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


def connect_dashboard():
    """Point the dashboard at this app's Redis (rq-dashboard's own hook needs a URL)."""
    if is_embedded():
        current_app.redis_conn = get_redis()
        return None
    return push_rq_connection()


def job_not_found(error):
    """rq-dashboard answers an unknown or expired job id with a 500; we say what happened."""
    return {"error": "No job with this id: it finished and expired, or never existed."}, 404


def _install_blueprint_hooks(blueprint):
    functions = blueprint.before_request_funcs.setdefault(None, [])
    functions[:] = [require_logged_in_admin, connect_dashboard] + [
        function for function in functions if function is not push_rq_connection]
    blueprint.after_request(give_dashboard_script_the_csrf_token)
    blueprint.register_error_handler(NoSuchJobError, job_not_found)
    blueprint.jinja_loader = EscapingDashboardLoader(blueprint.jinja_loader)


_install_blueprint_hooks(rq_dashboard.blueprint)


def init_app(app):
    if is_embedded(app):
        app.config["RQ_DASHBOARD_REDIS_URL"] = (EMBEDDED_LABEL,)
        app.redis_conn = get_redis(app)
    else:
        app.config["RQ_DASHBOARD_REDIS_URL"] = app.config["REDIS_URL"]
        setup_rq_connection(app)
    app.register_blueprint(navbar_template)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)
    from backoffice.security import DASHBOARD_CONTENT_SECURITY_POLICY
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("rq_dashboard.") and inspect.isfunction(view):
            view.talisman_view_options = {
                "content_security_policy": DASHBOARD_CONTENT_SECURITY_POLICY}
    hooks.register_admin_setup(app, add_menu_link)


def add_menu_link(admin, app):
    admin.add_link(MenuLink(name="Jobs", endpoint="rq_dashboard.queues_overview"))
