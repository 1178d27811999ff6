"""Connect Now: Exact Online's authorization-code flow, per company, with Flask-Dance.

The redirect URI registered in Exact's App Centre is fixed (`<external URL>/authcallback`), so
the company being connected travels in the Flask session: Connect Now stores its id, Flask-Dance
sends the admin to the company's Exact site with a `state` that names the company, and the
callback checks that state against the session before exchanging the code. The token is saved
on the company (never on the user, never in Flask-Dance's storage) and the admin lands back on
the company page with a message saying what happened or what to check.

The blueprint is process-global, so nothing per company is stored on it: its URLs, client ID
and OAuth session are computed per request from the company in the session (ecosystem-notes
§2.2 option B; the session lives on `flask.g`, not on the blueprint, issue #430).
"""
import ipaddress
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

import requests
from flask import abort, current_app, flash, redirect, request, url_for
from flask import session as browser_session
from flask_login import current_user
from flask_dance.consumer import OAuth2ConsumerBlueprint, oauth_authorized, oauth_error
from flask_dance.consumer.requests import OAuth2Session
from flask_dance.consumer.storage import NullStorage
from oauthlib.common import generate_token
from oauthlib.oauth2 import MismatchingStateError, OAuth2Error

from backoffice import roles
from backoffice.db import db
from exact_plugin import clock, outbound, tokens
from exact_plugin.models import ExactConnection

log = logging.getLogger(__name__)

BLUEPRINT_NAME = "exact_oauth"
CONNECTING_KEY = "exact_connecting_company"
STATE_KEY = f"{BLUEPRINT_NAME}_oauth_state"   # where Flask-Dance keeps the state it sent
CALLBACK_PATH = "/authcallback"
COMPANY_VIEW = "exact_companies"

NO_COMPANY = ("No Exact Online company is waiting to be connected in this browser session: open "
              "the company under Exact Online > Exact Online companies and click Connect Now.")
STATE_MISMATCH = ("The answer from Exact Online did not belong to this connection attempt (the "
                  "state did not match; was Connect Now clicked in another tab?). Click Connect "
                  "Now again.")
CONSENT_DENIED = ("Exact Online did not grant access: the consent was denied on Exact's page. Click "
                  "Connect Now again and choose Authorize.")
NO_CODE = ("Exact Online came back without an authorization code. Click Connect Now again.")
UNREACHABLE = ("Exact Online could not be reached to finish the connection ({}). Check the "
               "Location (or the custom base URL) and click Connect Now again.")
CONNECTED = ("Connected to Exact Online as {user}. Now pick the Exact company in the Company "
             "section below.")
RECONNECTED = "Reconnected to Exact Online as {user}; the company and all mappings are kept."

# Refusals of the code exchange (exact-online-api.md §1.2-1.4): (text in the answer, message).
CODE_REFUSALS = [
    ("rate limit", "Exact Online's limit of token requests for this app and user is used up for "
                   "today. Try again tomorrow."),
    ("invalid_request", "Exact Online did not accept the Client ID and Client secret. Check that "
                        "the Client secret is the one of this app in Exact's App Centre and that "
                        "the Location is the Exact site where the app is registered, save, and "
                        "click Connect Now again."),
    ("invalid_client", "Exact Online did not accept the Client ID and Client secret. Check them "
                       "against the app in Exact's App Centre, save, and click Connect Now again."),
    ("invalid_grant", "Exact Online refused the authorization. Click Connect Now again; if it "
                      "keeps failing, check the redirect URI registered for the app."),
    ("bad request", "Exact Online refused the authorization code: it was already used or is older "
                    "than 3 minutes (codes are single use). Click Connect Now again."),
]


class CodeExchangeRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


NO_EXTERNAL_URL = ("Set EXTERNAL_URL to the public URL of this back office (e.g. "
                   "https://backoffice.example.com): the redirect URI is never taken from the "
                   "Host header of a request that is not local.")
INSECURE_BASE_URL = ("Plain http:// is only allowed for a base URL on this machine (the local "
                     "sandbox); use https://.")


def is_loopback_host(host):
    host = (host or "").strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url):
    return is_loopback_host(urlsplit(url or "").hostname)


def redirect_uri():
    """The URI to register in Exact's App Centre: EXTERNAL_URL; without it (make run, tests)
    this request's host, but only when that host is this machine or a TRUSTED_HOSTS entry:
    a forged Host header must not choose where Exact sends the authorization code.
    None when there is no trustworthy answer (NO_EXTERNAL_URL says what to do)."""
    external = current_app.config.get("EXTERNAL_URL")
    if external:
        return external.rstrip("/") + CALLBACK_PATH
    host = urlsplit(request.host_url).hostname
    if is_loopback_host(host) or host in (current_app.config.get("TRUSTED_HOSTS") or ()):
        return request.host_url.rstrip("/") + CALLBACK_PATH
    return None


def request_cache():
    """Per-request state of the flow. Not `flask.g`: an app context can outlive a request
    (and tests run many requests in one), while the blueprint object is shared by all."""
    if not hasattr(request, "exact_oauth"):
        request.exact_oauth = {}
    return request.exact_oauth


def connecting_company():
    company_id = browser_session.get(CONNECTING_KEY)
    return db.session.get(ExactConnection, company_id) if company_id else None


def company_page(company):
    return url_for(f"{COMPANY_VIEW}.edit_view", id=company.id)


def begin_connect(company):
    """Remember which company is being connected and start the flow (Connect Now)."""
    browser_session[CONNECTING_KEY] = company.id
    return redirect(url_for(f"{BLUEPRINT_NAME}.login"))


# Set only around this request's own OAuth calls (a context variable: per thread and per
# request, unlike the OAUTHLIB_INSECURE_TRANSPORT environment variable, which every thread of
# the process would see while one request had it switched on).
_insecure_allowed = ContextVar("exact_oauth_insecure_allowed", default=False)


def _patch_oauthlib_transport_check():
    """oauthlib asks `is_secure_transport(uri)` before every OAuth request; ours also answers
    yes for a loopback http URL while `insecure_transport_for` is active in this context."""
    import oauthlib.oauth2
    import oauthlib.oauth2.rfc6749.clients.base as client_base
    import oauthlib.oauth2.rfc6749.parameters as parameters
    import oauthlib.oauth2.rfc6749.utils as utils
    import requests_oauthlib.oauth2_session as oauth2_session
    original = utils.is_secure_transport
    if getattr(original, "exact_patched", False):
        return

    def is_secure_transport(uri):
        return original(uri) or (_insecure_allowed.get() and is_loopback_url(uri))

    is_secure_transport.exact_patched = True
    for module in (utils, parameters, client_base, oauth2_session, oauthlib.oauth2):
        module.is_secure_transport = is_secure_transport


_patch_oauthlib_transport_check()


@contextmanager
def insecure_transport_for(base_url):
    """oauthlib refuses plain http; allow it, for this request only, when the base URL is on
    this machine (the local sandbox). Any other http:// base URL stays refused."""
    if not (base_url or "").startswith("http://") or not is_loopback_url(base_url):
        yield
        return
    token = _insecure_allowed.set(True)
    try:
        yield
    finally:
        _insecure_allowed.reset(token)


def _ignore(self, value):
    """Flask-Dance assigns these in its constructor; here they are computed per request."""


class CompanyOAuthSession(OAuth2Session):
    """Flask-Dance's OAuth session with the fixed redirect URI of this back office."""
    redirect_uri = property(lambda self: redirect_uri(), _ignore)


class ExactOAuthBlueprint(OAuth2ConsumerBlueprint):
    """Flask-Dance's consumer blueprint, with everything per company taken from the session."""

    authorization_url = property(
        lambda self: tokens.authorization_url(self.company.base_url), _ignore)
    token_url = property(lambda self: tokens.token_url(self.company.base_url), _ignore)
    # The state names the company, so the callback can check it is the one being connected.
    state = property(lambda self: f"{self.company.id}.{generate_token(24)}", _ignore)

    def __init__(self):
        super().__init__(BLUEPRINT_NAME, __name__, login_url="/exact/connect",
                         authorized_url=CALLBACK_PATH, storage=NullStorage())

    @property
    def company(self):
        cache = request_cache()
        if "company" not in cache:
            cache["company"] = connecting_company()
        return cache["company"]

    @property
    def session(self):
        cache = request_cache()
        if "oauth_session" not in cache:
            oauth_session = CompanyOAuthSession(client_id=self.company.client_id, blueprint=self)
            oauth_session.register_compliance_hook("access_token_response", self._check_answer)
            cache["oauth_session"] = oauth_session
        return cache["oauth_session"]

    def teardown_session(self, exception=None):
        """Nothing to drop: the OAuth session lives on the request, one per request."""

    def login(self):
        if self.company is None:
            flash(NO_COMPANY, "error")
            return redirect(url_for(f"{COMPANY_VIEW}.index_view"))
        refusal = self._refusal()
        if refusal:
            flash(refusal, "error")
            return redirect(company_page(self.company))
        with insecure_transport_for(self.company.base_url):
            return super().login()

    def authorized(self):
        """The callback (/authcallback): check, exchange the code, save it on the company."""
        company = self.company
        if company is None:
            flash(NO_COMPANY, "error")
            return redirect(url_for(f"{COMPANY_VIEW}.index_view"))
        expected_state = browser_session.pop(STATE_KEY, None)
        outcome = self._finish(company, expected_state)
        browser_session.pop(CONNECTING_KEY, None)
        return outcome or redirect(company_page(company))

    def _refusal(self):
        """Why this company cannot be connected from this request, or None."""
        if redirect_uri() is None:
            return NO_EXTERNAL_URL
        base_url = self.company.base_url or ""
        if base_url.startswith("http://") and not is_loopback_url(base_url):
            return INSECURE_BASE_URL
        return None

    def _finish(self, company, expected_state):
        # The state first: an answer that does not belong to this attempt (an error included,
        # e.g. a forged "access_denied" link) is refused before anything else is read.
        if not expected_state or request.args.get("state") != expected_state \
                or expected_state.split(".")[0] != str(company.id):
            flash(STATE_MISMATCH, "error")
            return None
        if request.args.get("error"):
            results = oauth_error.send(self, error=request.args["error"],
                                       error_description=request.args.get("error_description"),
                                       error_uri=request.args.get("error_uri"))
            return _first_response(results)
        refusal = self._refusal()
        if refusal:
            flash(refusal, "error")
            return None
        if not request.args.get("code"):
            flash(NO_CODE, "error")
            return None
        token = self._exchange_code(company, request.args["code"])
        if token is None:
            return None
        return _first_response(oauth_authorized.send(self, token=token))

    def _exchange_code(self, company, code):
        request_cache()["exchange_started"] = time.monotonic()
        try:
            with insecure_transport_for(company.base_url):
                return self.session.fetch_token(
                    self.token_url, code=code, include_client_id=True,
                    client_secret=company.client_secret or "", timeout=(10, 30))
        except CodeExchangeRefused as refusal:
            flash(refusal.message, "error")
        except MismatchingStateError:
            flash(STATE_MISMATCH, "error")
        except requests.RequestException as exc:
            message = UNREACHABLE.format(exc.__class__.__name__)
            _log_exchange(error=message)
            flash(message, "error")
        except (OAuth2Error, ValueError) as exc:
            message = ("Exact Online's answer to the connection could not be read "
                       f"({exc.__class__.__name__}). Click Connect Now again.")
            flash(message, "error")
        return None

    def _check_answer(self, response):
        """requests-oauthlib hook, before the token answer is parsed: log it, name refusals."""
        request_cache()["token_received_at"] = clock.now()
        if response.status_code == 200:
            _log_exchange(status=200)
            return response
        message = code_refusal(response.status_code, response.text)
        _log_exchange(status=response.status_code, error=message, response_body=response.text)
        raise CodeExchangeRefused(message)


def code_refusal(status, text):
    searched = (text or "").lower()
    for needle, message in CODE_REFUSALS:
        if needle in searched:
            return message
    return (f"Exact Online refused the connection ({status}: {(text or '').strip()[:200]}). "
            "Click Connect Now again.")


def _log_exchange(status=None, error=None, response_body=None):
    cache = request_cache()
    company = cache.get("company")
    started = cache.get("exchange_started", time.monotonic())
    outbound.record(connection_id=company.id if company else None, method="POST",
                    url=tokens.token_url(company.base_url) if company else "",
                    entity=tokens.TOKEN_ENTITY, status=status,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    error=error, response_body=response_body, context="connect (authorization code)")


def _first_response(results):
    for _receiver, answer in results or ():
        if answer is not None and answer is not False and hasattr(answer, "status_code"):
            return answer
    return None


def create_blueprint():
    blueprint = ExactOAuthBlueprint()
    blueprint.before_request(_require_login)
    oauth_authorized.connect(save_token_on_company, sender=blueprint)
    oauth_error.connect(report_denied_consent, sender=blueprint)
    return blueprint


def _require_login():
    """Only a logged-in administrator may connect a company (the callback writes its tokens)."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    if not roles.may_change(current_user, "connections"):
        abort(403, "Only administrators may connect Exact Online companies.")
    return None


def save_token_on_company(blueprint, token):
    """Store the new token pair on the company being connected; Flask-Dance stores nothing."""
    company = blueprint.company
    was_connected_before = company.division is not None
    tokens.save_authorization(company.id, token,
                              received_at=request_cache().get("token_received_at") or clock.now())
    db.session.expire(company)
    user = _connected_user(company)
    flash((RECONNECTED if was_connected_before else CONNECTED).format(user=user), "success")
    return False


def _connected_user(company):
    """Ask Exact who consented (current/Me) and keep the name for the company page."""
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import ExactError
    try:
        me = ExactClient.for_connection(company, context="connect").me()
    except ExactError as error:
        flash(f"Connected, but Exact Online did not say who the user is: {error.message}",
              "warning")
        return "an Exact Online user"
    company.exact_user_name = me.get("FullName") or me.get("UserName")
    db.session.commit()
    return company.exact_user_name


def report_denied_consent(blueprint, error, error_description=None, error_uri=None):
    message = CONSENT_DENIED if error == "access_denied" else (
        f"Exact Online did not grant access ({error}: {error_description or 'no details'}). "
        "Click Connect Now again.")
    flash(message, "error")
    return None


def quiet_secret_logging():
    """Flask-Dance and requests-oauthlib log the client secret and token request bodies at
    DEBUG; keep those loggers at INFO so a debug log never holds a secret."""
    for name in ("flask_dance", "requests_oauthlib", "oauthlib"):
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:   # NOTSET would follow a DEBUG root logger
            logger.setLevel(logging.INFO)
