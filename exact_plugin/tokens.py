"""Exact Online access and refresh tokens, stored per company and renewed safely.

Exact's rules (shared exact-online-api.md §1.3-1.4, docs/connection.md):
- an access token lives 600 s and may not be renewed before 570 s have passed;
- a refresh token is single use: the second use answers "Old refresh token used" and the
  company is lost until the admin consents again;
- an unused refresh token dies after 30 days (the daily keep-alive renews it).

So a renewal happens only under the company's lock (Redis when configured, and always the
company's database row), re-reads the stored pair inside the lock (another process may have
renewed it a moment ago) and saves the new pair in the same transaction, at once.
"""
import json
import time
from dataclasses import dataclass

import requests
import sqlalchemy as sa

from backoffice.crypto import is_unreadable
from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import clock, outbound
from exact_plugin.errors import (ExactError, ExactRateLimited, ExactTransientError, NeedsReconnect,
                                 NotConnected)
from exact_plugin.locks import connection_lock, lock_connection_row
from exact_plugin.models import (KEY_CHANGED_REASON, STATE_CONNECTED, STATE_NEEDS_RECONNECT,
                                 ExactConnection, location_base_url)

ACCESS_LIFETIME = 600      # Exact: access tokens live 600 s (exact-online-api.md §1.4)
REFRESH_NOT_BEFORE = 570   # Exact: no renewal before 570 s after the last one (§1.4)
REFRESH_MARGIN = 30        # renew when less than this is left (never before REFRESH_NOT_BEFORE)
TOKEN_TIMEOUT = (10, 30)
TOKEN_ENTITY = "oauth2/token"

RECONNECT = ("Reconnect the company (the Reconnect button on its page) to authorise the back "
             "office again.")

# What a refusal of the token endpoint means, first match wins: (text in the answer, error
# class, message). Sources: exact-online-api.md §1.4 and §9.1 (picqer#300, #553, websmurf#23, #31).
TOKEN_REFUSALS = [
    ("not expired", ExactTransientError,
     "Exact Online refused to renew the access token this early (Exact allows it only after 570 "
     "seconds); the next call will renew it."),
    ("rate limit exceeded", ExactRateLimited,
     "Exact Online's limit of token requests for this app and user is used up for today; "
     "calls resume tomorrow."),
    ("old refresh token used", NeedsReconnect,
     "Exact Online refused the stored authorisation (\"Old refresh token used\"): it was already "
     "renewed elsewhere, e.g. by a copy of this back office with the same app. " + RECONNECT),
    ("expired", NeedsReconnect,
     "The Exact Online authorisation expired (an authorisation unused for 30 days dies). "
     + RECONNECT),
    ("invalid_grant", NeedsReconnect,
     "Exact Online no longer accepts this company's authorisation (the app was revoked or the "
     "Exact user lost access). " + RECONNECT),
    ("unauthorized_client", NeedsReconnect,
     "Exact Online no longer accepts this company's authorisation (the app was revoked). "
     + RECONNECT),
    ("invalid_request", NeedsReconnect,
     "Exact Online did not accept the client ID and client secret. Check them against the app "
     "in Exact's App Centre, save the company, then reconnect it."),
    ("invalid_client", NeedsReconnect,
     "Exact Online did not accept the client ID and client secret. Check them against the app "
     "in Exact's App Centre, save the company, then reconnect it."),
]


@dataclass
class StoredTokens:
    """A company's token pair and what is needed to renew it, as read from its row."""
    connection_id: int
    access_token: str | None
    refresh_token: str | None
    obtained_at: float | None
    expires_at: float | None
    state: str
    state_reason: str | None
    client_id: str
    client_secret: str | None
    base_url: str | None

    @property
    def renewal_due_at(self):
        """Shortly before expiry, but never before Exact's 570 s."""
        return max((self.obtained_at or 0) + REFRESH_NOT_BEFORE,
                   (self.expires_at or 0) - REFRESH_MARGIN)

    def renewal_due(self, now=None):
        return (now or clock.now()) >= self.renewal_due_at


def token_url(base_url):
    return f"{base_url}/api/oauth2/token"


def authorization_url(base_url):
    return f"{base_url}/api/oauth2/auth"


def token_values(payload, received_at):
    """Column values for a token answer. Exact sends expires_in as the string "600" (§1.3)."""
    expires_in = int(str(payload.get("expires_in") or ACCESS_LIFETIME))
    return {"access_token": payload["access_token"], "refresh_token": payload["refresh_token"],
            "token_obtained_at": received_at, "token_expires_at": received_at + expires_in}


# -- reading and writing the company's row (always on a Core connection of our own) ----------

_TOKEN_COLUMNS = ("id", "access_token", "refresh_token", "token_obtained_at", "token_expires_at",
                  "state", "state_reason", "client_id", "client_secret", "location",
                  "custom_base_url")


def _read(conn, connection_id):
    table = ExactConnection.__table__
    row = conn.execute(sa.select(*(table.c[name] for name in _TOKEN_COLUMNS))
                       .where(table.c.id == connection_id)).mappings().first()
    if row is None:
        raise NotConnected(f"Exact Online company {connection_id} does not exist (any more).")
    if any(is_unreadable(row[name]) for name in ("access_token", "refresh_token", "client_secret")):
        raise NeedsReconnect(KEY_CHANGED_REASON)
    return StoredTokens(
        connection_id=row["id"], access_token=row["access_token"],
        refresh_token=row["refresh_token"], obtained_at=row["token_obtained_at"],
        expires_at=row["token_expires_at"], state=row["state"], state_reason=row["state_reason"],
        client_id=row["client_id"], client_secret=row["client_secret"],
        base_url=location_base_url(row["location"], row["custom_base_url"]))


def load_tokens(connection_id):
    """The company's stored tokens as committed right now (not the caller's session view)."""
    try:
        with db.engine.connect() as conn:
            return _read(conn, connection_id)
    except NeedsReconnect as error:
        if error.message == KEY_CHANGED_REASON:   # record it, so the company list says so too
            mark_needs_reconnect(connection_id, KEY_CHANGED_REASON)
        raise


def _update(conn, connection_id, **values):
    table = ExactConnection.__table__
    conn.execute(table.update().where(table.c.id == connection_id).values(**values))


def save_authorization(connection_id, payload, received_at=None):
    """Store the pair from a new consent (authorization code flow) and mark the company connected."""
    with db.engine.begin() as conn:
        _update(conn, connection_id, **token_values(payload, received_at or clock.now()),
                state=STATE_CONNECTED, state_reason=None, state_since=utcnow())


def mark_needs_reconnect(connection_id, reason, conn=None):
    """Flag the company for the admin (banner, company page); its mappings stay."""
    values = dict(state=STATE_NEEDS_RECONNECT, state_reason=reason, state_since=utcnow())
    if conn is not None:
        _update(conn, connection_id, **values)
        return
    with db.engine.begin() as own:
        _update(own, connection_id, **values)


def forget_tokens(connection_id, state, reason=None):
    """Disconnect: drop the tokens, keep the division and every mapping."""
    with db.engine.begin() as conn:
        _update(conn, connection_id, access_token=None, refresh_token=None,
                token_obtained_at=None, token_expires_at=None, state=state, state_reason=reason,
                state_since=utcnow())


# -- renewing ---------------------------------------------------------------------------------

def refresh_tokens(connection_id, used_access_token=None, force=False, context=None):
    """Return a usable token pair, renewing it under the company's lock when it is due.

    `used_access_token` is the token the caller has been using: when the stored one differs,
    another process renewed it meanwhile and the stored pair is returned as is. `force` renews
    even before the usual moment (Exact answered 401 to the current token), unless another
    process already did. A refusal that only the admin can fix marks the company
    "needs reconnect" and raises NeedsReconnect.
    """
    with connection_lock(connection_id):
        refusal = None
        with db.engine.begin() as conn:
            lock_connection_row(conn, connection_id)
            stored = _read(conn, connection_id)
            _check_usable(stored)
            now = clock.now()
            if stored.access_token != used_access_token and not stored.renewal_due(now):
                return stored
            if not force and not stored.renewal_due(now):
                return stored
            try:
                payload, received_at = _request_refresh(stored, conn, context)
            except NeedsReconnect as error:
                mark_needs_reconnect(connection_id, error.message, conn=conn)
                refusal = error
            else:
                _update(conn, connection_id, **token_values(payload, received_at))
                return _read(conn, connection_id)
        raise refusal


def _check_usable(stored):
    if stored.state == STATE_NEEDS_RECONNECT:
        raise NeedsReconnect(stored.state_reason or RECONNECT)
    if not stored.refresh_token:
        raise NotConnected("This Exact Online company is not connected: open it and click "
                           "Connect Now.")
    if not stored.base_url:
        raise NotConnected("This Exact Online company has no base URL for its location; "
                           "choose a location (or fill in the custom base URL) and save.")


def _request_refresh(stored, conn, context):
    """One refresh_token grant (client secret as a POST parameter, §1.3); logged, not retried."""
    url = token_url(stored.base_url)
    form = {"grant_type": "refresh_token", "refresh_token": stored.refresh_token,
            "client_id": stored.client_id, "client_secret": stored.client_secret or ""}
    started = time.monotonic()
    log = dict(connection_id=stored.connection_id, method="POST", url=url, entity=TOKEN_ENTITY,
               context=context or "renew access token", conn=conn)
    try:
        response = requests.post(url, data=form, headers={"Accept": "application/json"},
                                 timeout=TOKEN_TIMEOUT)
    except requests.RequestException as exc:
        message = ("Exact Online could not be reached to renew the access token "
                   f"({exc.__class__.__name__}); it will be tried again.")
        outbound.record(**log, duration_ms=_ms(started), error=message)
        raise ExactTransientError(message, url=url) from exc
    received_at = clock.now()
    if response.status_code == 200:
        outbound.record(**log, status=200, duration_ms=_ms(started))
        return response.json(), received_at
    error = token_refusal(response.status_code, response.text)
    outbound.record(**log, status=response.status_code, duration_ms=_ms(started),
                    error=error.message, response_body=response.text)
    raise error


def token_refusal(status, text):
    """The typed error for a refusal of Exact's token endpoint."""
    searched = (text or "").lower()
    try:
        body = json.loads(text or "")
    except ValueError:
        body = None
    if isinstance(body, dict):
        searched = " ".join(str(body.get(key, "")) for key in ("error", "error_description")).lower()
    if status >= 500:
        return ExactTransientError(f"Exact Online's token service answered {status}; the renewal "
                                   "will be tried again.", status=status)
    for needle, error_class, message in TOKEN_REFUSALS:
        if needle in searched:
            return error_class(message, status=status, body=text)
    return ExactError(f"Exact Online refused to renew the access token ({status}: "
                      f"{(text or '').strip()[:200]}).", status=status, body=text)


def _ms(started):
    return int((time.monotonic() - started) * 1000)
