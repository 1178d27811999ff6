"""OAuth 2 authorization server mimicking Exact (reference §1).

Apps live in the store (they survive restarts with ``--db``); codes and tokens
are runtime state in memory (a restart is like Exact revoking everything).
All lifetimes read ``state.clock``.
"""
import datetime as dt
import secrets
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from flask import Blueprint, Response, jsonify, redirect, render_template_string, request

CODE_LIFETIME = 180            # Exact: codes valid 3 minutes, single use (reference §1.2)
ACCESS_LIFETIME = 600          # Exact: access tokens live 600 s (reference §1.4)
REFRESH_NOT_BEFORE = 570       # Exact: no refresh until 570 s after the previous issue (reference §1.4)
REFRESH_LIFETIME = 30 * 86400  # Exact: refresh tokens expire after 30 days unused (reference §1.4)
DEMO_USER = {"username": "demo", "password": "demo"}


@dataclass
class Grant:
    """What a user allowed an app: shared by the access and refresh token of one issue."""

    client_id: str
    user_id: str
    divisions: list
    issued_at: float
    access_token: str = ""
    refresh_token: str = ""
    revoked: bool = False
    refresh_used: bool = False


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    divisions: list
    issued_at: float
    used: bool = False


class TokenError(Exception):
    def __init__(self, status: int, body, headers: dict | None = None):
        super().__init__(str(body))
        self.status, self.body, self.headers = status, body, headers or {}

    def response(self) -> Response:
        if isinstance(self.body, str):
            response = Response(self.body, self.status, mimetype="text/plain")
        else:
            response = jsonify(self.body)
            response.status_code = self.status
        response.headers.update(self.headers)
        return response


def exact_time(seconds: float) -> str:
    """Exact's US-style timestamp, e.g. 10/11/2022 9:18:20 PM (websmurf#23)."""
    moment = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    hour = moment.hour % 12 or 12
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def normalise_client_id(client_id: str | None) -> str:
    return (client_id or "").strip().strip("{}").lower()


class OAuthServer:
    def __init__(self, state):
        self.state = state
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.codes: dict[str, Code] = {}
            self.by_access: dict[str, Grant] = {}
            self.by_refresh: dict[str, Grant] = {}
            self.token_calls: dict[tuple, int] = {}

    # -- apps -------------------------------------------------------------
    def app(self, client_id: str | None) -> dict | None:
        return self.state.store.kv_get("app:" + normalise_client_id(client_id))

    def apps(self) -> list[dict]:
        return [self.state.store.kv_get(name) for name in self.state.store.kv_names("app:")]

    def register_app(self, client_id=None, client_secret=None, redirect_uri=None, webhook_secret=None,
                     name=None) -> dict:
        """Create an app or change an existing one (Exact: one redirect URI per app)."""
        client_id = normalise_client_id(client_id) or str(uuid.uuid4())
        current = self.app(client_id) or {}
        app = {"client_id": client_id,
               "client_secret": client_secret or current.get("client_secret") or secrets.token_urlsafe(12),
               "redirect_uri": redirect_uri or current.get("redirect_uri") or self.state.config["redirect_uri"],
               "webhook_secret": webhook_secret or current.get("webhook_secret") or secrets.token_urlsafe(12),
               "name": name or current.get("name") or "Sandbox app"}
        self.state.store.kv_set("app:" + client_id, app)
        return app

    # -- authorization codes ----------------------------------------------
    def issue_code(self, client_id: str, redirect_uri: str, divisions: list) -> str:
        code = f"{secrets.token_urlsafe(4)}!{secrets.token_urlsafe(48)}"  # Exact: codes contain '!' (reference §1.2)
        with self.lock:
            self.codes[code] = Code(normalise_client_id(client_id), redirect_uri, divisions, self.state.clock.now())
        return code

    # -- token endpoint -----------------------------------------------------
    def authenticate_client(self, form, authorization) -> dict:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.type == "basic":
            # RFC 6749 2.3.1: requests-oauthlib sends Basic (reference "Choices": client authentication)
            client_id, secret = authorization.username, authorization.password
        app = self.app(client_id)
        if app is None or app["client_secret"] != secret:
            raise TokenError(400, {"error": "invalid_request"})  # picqer#553
        return app

    def count_token_call(self, app: dict, user_id: str) -> None:
        day = int(self.state.clock.now() // 86400)
        key = (app["client_id"], user_id, day)
        limit = self.state.settings["token_daily_limit"]
        with self.lock:
            self.token_calls[key] = self.token_calls.get(key, 0) + 1
            if self.token_calls[key] > limit:
                raise TokenError(400, {"error": "invalid_request", "error_description":
                                       f"Rate limit exceeded: maximum of {limit} token requests per user per app "
                                       "per day reached."})

    def exchange_code(self, app: dict, form) -> Grant:
        with self.lock:
            code = self.codes.get(form.get("code", ""))
            now = self.state.clock.now()
            valid = (code and not code.used and code.client_id == app["client_id"]
                     and now - code.issued_at <= CODE_LIFETIME and code.redirect_uri == form.get("redirect_uri"))
            if code:
                code.used = True
            if not valid:
                raise TokenError(400, "Bad Request")  # Exact: reused/expired code → plain 400 (reference §1.2)
            self.count_token_call(app, self.state.demo_user_id)
            return self.issue_tokens(app["client_id"], code.divisions)

    def refresh(self, app: dict, form) -> Grant:
        with self.lock:
            grant = self.by_refresh.get(form.get("refresh_token", ""))
            if grant is None or grant.client_id != app["client_id"]:
                raise TokenError(400, {"error": "invalid_grant"})
            self.count_token_call(app, grant.user_id)
            now = self.state.clock.now()
            if grant.refresh_used:
                # Exact: refresh tokens are strictly single use (reference §1.4, picqer#300)
                raise TokenError(401, {"error": "unauthorized_client", "error_description": "Old refresh token used."})
            if now > grant.issued_at + REFRESH_LIFETIME:
                raise TokenError(400, {"error": "invalid_request", "error_description":
                                       f"The refresh token expired at {exact_time(grant.issued_at + REFRESH_LIFETIME)}"
                                       f" and it is now {exact_time(now)}."})
            if now - grant.issued_at < REFRESH_NOT_BEFORE:
                message = "Rate limit exceeded: access_token not expired"
                raise TokenError(400, {"error": "access_denied", "error_description": message},
                                 {"Reason": f"TooEarlyToRefreshTokens: {message}"})
            grant.refresh_used = True
            return self.issue_tokens(grant.client_id, grant.divisions)

    def issue_tokens(self, client_id: str, divisions: list) -> Grant:
        grant = Grant(client_id, self.state.demo_user_id, list(divisions), self.state.clock.now(),
                      access_token="AAEAA" + secrets.token_urlsafe(48),
                      refresh_token=f"{secrets.token_urlsafe(3)}!{secrets.token_urlsafe(40)}")
        self.by_access[grant.access_token] = grant
        self.by_refresh[grant.refresh_token] = grant
        return grant

    # -- token checks for the REST API ---------------------------------------
    def grant_for(self, access_token: str) -> Grant | None:
        """The grant behind a token, even when expired (to attribute errors to an app)."""
        return self.by_access.get(access_token)

    def is_valid(self, grant: Grant | None) -> bool:
        return bool(grant) and not grant.revoked and self.state.clock.now() < grant.issued_at + ACCESS_LIFETIME

    def revoke(self, token: str) -> bool:
        with self.lock:
            grant = self.by_access.get(token) or self.by_refresh.get(token)
            if grant:
                grant.revoked = True
                if token == grant.refresh_token:
                    grant.refresh_used = True
            return grant is not None


AUTH_PAGE = """<!doctype html>
<html><head><title>Exact Online (sandbox) - Log in</title>
<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}label{display:block;margin:.5em 0}
.error{color:#b00;border:1px solid #b00;padding:.5em}</style></head>
<body><h1>Exact Online <small>sandbox</small></h1>
{% if error %}<p class="error" id="error">{{ error }}</p>{% endif %}
{% if app %}
<p>The application <strong>{{ app.name }}</strong> requests access to your administrations.</p>
<form method="post" action="{{ action }}">
  <input type="hidden" name="client_id" value="{{ client_id }}">
  <input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
  <input type="hidden" name="response_type" value="{{ response_type }}">
  <input type="hidden" name="state" value="{{ state }}">
  <label for="username">Username</label><input id="username" name="username" autocomplete="username">
  <label for="password">Password</label><input id="password" name="password" type="password">
  <fieldset><legend>Divisions this app may access</legend>
  {% for division in divisions %}
    <label><input type="checkbox" name="divisions" value="{{ division.Code }}" checked>
      {{ division.Code }} - {{ division.Description }}</label>
  {% endfor %}</fieldset>
  <button type="submit" name="action" value="authorize" id="authorize">Authorize</button>
  <button type="submit" name="action" value="deny" id="deny">Deny</button>
</form>
{% endif %}
</body></html>"""


def with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query) + [(key, value) for key, value in params.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


TOKEN_ENDPOINT = "oauth2/token"
# Sandbox choice: the answer of a blocked token endpoint is unverified (reference §4, §10)
TOKEN_BLOCKED = {"error": "access_denied", "error_description": "Too many errors in the past hour for this endpoint."}


def create_blueprint(state) -> Blueprint:
    bp = Blueprint("oauth", __name__)
    oauth = state.oauth

    def page(error=None, status=200, app=None):
        source = request.values
        html = render_template_string(
            AUTH_PAGE, error=error, app=app, action=request.path, client_id=source.get("client_id", ""),
            redirect_uri=source.get("redirect_uri", ""), response_type=source.get("response_type", "code"),
            state=source.get("state", ""), divisions=state.division_records())
        return Response(html, status, mimetype="text/html")

    def checked_app():
        """The app named by the request, or the error page Exact shows (reference §1.1, picqer#617)."""
        client_id = request.values.get("client_id", "")
        app = oauth.app(client_id)
        if app is None:
            return None, page(f"Client with identifier '{client_id}' not found.", 400)
        if request.values.get("redirect_uri") != app["redirect_uri"]:
            return None, page("The redirect URI does not match the redirect URI registered for this app.", 400)
        return app, None

    @bp.get("/api/oauth2/auth")
    def authorize_page():
        app, refusal = checked_app()
        return refusal or page(app=app)

    @bp.post("/api/oauth2/auth")
    def authorize_submit():
        app, refusal = checked_app()
        if refusal:
            return refusal
        form = request.form
        if form.get("action") == "deny":
            return redirect(with_query(app["redirect_uri"], {"error": "access_denied", "state": form.get("state")}))
        if form.get("username") != DEMO_USER["username"] or form.get("password") != DEMO_USER["password"]:
            return page("Invalid username or password.", 401, app)
        known = {str(record["Code"]) for record in state.division_records()}
        divisions = [int(code) for code in form.getlist("divisions") if code in known]
        if not divisions:
            return page("Select at least one division.", 400, app)
        code = oauth.issue_code(app["client_id"], app["redirect_uri"], divisions)
        return redirect(with_query(app["redirect_uri"], {"code": code, "state": form.get("state")}))

    def refuse_if_blocked(app: dict) -> None:
        if state.error_budget.is_blocked(app["client_id"], None, TOKEN_ENDPOINT):
            raise TokenError(400, TOKEN_BLOCKED, {"Reason": "TooManyErrors"})

    @bp.post("/api/oauth2/token")
    def token():
        app = None
        try:
            app = oauth.authenticate_client(request.form, request.authorization)
            refuse_if_blocked(app)
            grant_type = request.form.get("grant_type")
            if grant_type == "authorization_code":
                grant = oauth.exchange_code(app, request.form)
            elif grant_type == "refresh_token":
                grant = oauth.refresh(app, request.form)
            else:
                raise TokenError(400, {"error": "unsupported_grant_type"})
        except TokenError as error:
            state.stats.record_token(error.status)
            if app is not None:
                # Exact: a too-early refresh counts toward the hourly error limit (picqer#475, reference §1.4);
                # the sandbox counts every 400/401 of a known app at the token endpoint
                state.error_budget.record(app["client_id"], None, TOKEN_ENDPOINT, error.status)
            return error.response()
        state.stats.record_token(200)
        # Exact: expires_in is a JSON string (reference §1.3)
        return jsonify(access_token=grant.access_token, token_type="bearer", expires_in=str(ACCESS_LIFETIME),
                       refresh_token=grant.refresh_token)

    return bp
