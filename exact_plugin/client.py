"""`ExactClient`: the adapter every Exact Online call goes through (DESIGN.md "Adapter").

One client per company (connection); it knows nothing of host models. It builds URLs under
`/api/v1/{division}/`, sends `Accept: application/json` (Exact answers Atom XML otherwise, §3)
and `Prefer: return=representation` on writes (§3.5), always asks for a `$select`, follows
`__next` lazily, renews the token under the company's lock, keeps to the shared rate budget,
retries what is transient, turns OData errors into the typed errors of `exact_plugin.errors`,
and writes every request to the Outbound requests log. It works in a web request, a job or the
CLI (it needs an app context only); in a web request it never waits for a rate-limit reset.

References are to shared exact-online-api.md (summarised in docs/connection.md).
"""
import contextvars
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
import urllib3
from flask import current_app, has_request_context
from tenacity import (Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential,
                      wait_none)

from exact_plugin import budget, clock, outbound
from exact_plugin.realtime import jobs as own_writes
from exact_plugin.errors import (ExactBadAnswer, ExactBudgetReserved, ExactError,
                                 ExactErrorBudgetExhausted, ExactForbidden,
                                 ExactNotFound, ExactOutcomeUnknown, ExactRateLimited,
                                 ExactUnavailable, ExactValidationError, NeedsReconnect,
                                 NotConnected)
from exact_plugin.models import STATE_NEEDS_RECONNECT, ExactConnection
from exact_plugin.ratelimit import ErrorBudget, RateBudget, header_figures
from exact_plugin.tokens import load_tokens, mark_needs_reconnect, refresh_tokens

ME_FIELDS = ("UserID", "UserName", "FullName", "Email", "CurrentDivision", "DivisionCustomerName",
             "LanguageCode", "Legislation", "ServerUtcOffset")
DIVISION_FIELDS = ("Code", "Description", "Hid", "Status", "Country", "Currency", "Legislation",
                   "IsMainDivision", "BlockingStatus", "DivisionMoveDate")
PROBE_WAIT = 0.02   # seconds between looks while another process opens a new minute
UNAVAILABLE_STATUSES = {502, 503, 504}   # Exact: transient, retry with backoff (DESIGN.md rule 3)
# A POST answered by these may still have been carried out behind the gateway.
WRITE_OUTCOME_UNKNOWN_STATUSES = {502, 504}

# Exact's 403 `Reason` header values (§1.5, picqer PR #451) and what the admin can do.
FORBIDDEN_REASONS = {
    "NoDivisionAccess": "The Exact user who connected this company has no access to this Exact "
                        "company (division). Reconnect and tick it on Exact's consent page, or "
                        "choose another company in the Company section of its page.",
    "TooManyErrors": "Exact Online blocked this endpoint for the rest of the hour after too many "
                     "errors. Fix the cause shown in the outbound request log, then try again "
                     "in an hour.",
    "BlockedUser": "The Exact user who connected this company is blocked in Exact Online.",
    "InactiveUser": "The Exact user who connected this company is no longer active in Exact Online.",
    "BlockedCustomer": "The Exact Online subscription of this company is blocked.",
    "LicenseExpired": "The Exact Online licence of this company has expired.",
    "DivisionBlocked": "This Exact company (division) is blocked in Exact Online.",
}


class ExactClient:
    """Calls to one Exact Online company. Build it with `ExactClient.for_connection(...)`."""

    def __init__(self, *, connection_id, name, base_url, client_id, division, tokens,
                 context=None):
        self.connection_id = connection_id
        self.name = name
        self.base_url = base_url
        self.client_id = client_id
        self.division = division
        self.context = context
        self.tokens = tokens
        self.http = requests.Session()

    @classmethod
    def for_connection(cls, connection_or_id, context=None):
        """A client for a company (an ExactConnection or its id); `context` goes to the log.

        Raises NotConnected (module disabled, unknown company, never connected) or
        NeedsReconnect (the admin must reconnect) with a message for the admin.
        """
        from exact_plugin.connection import get_connection, is_enabled
        connection = (connection_or_id if isinstance(connection_or_id, ExactConnection)
                      else get_connection(connection_or_id))
        if not is_enabled():
            raise NotConnected("The Exact Online module is disabled: enable it under "
                               "Configuration > Integrations.")
        tokens = load_tokens(connection.id)
        if tokens.state == STATE_NEEDS_RECONNECT:
            raise NeedsReconnect(tokens.state_reason or "Reconnect this Exact Online company.")
        if not tokens.refresh_token:
            raise NotConnected(f"The Exact Online company \"{connection.name}\" is not connected: "
                               "open it and click Connect Now.")
        if not tokens.base_url:
            raise NotConnected(f"The Exact Online company \"{connection.name}\" has no base URL "
                               "for its location: choose a location and save.")
        return cls(connection_id=connection.id, name=connection.name, base_url=tokens.base_url,
                   client_id=tokens.client_id, division=connection.division, tokens=tokens,
                   context=context)

    # -- reading ---------------------------------------------------------------------------

    def iter_pages(self, path, select, filter=None, expand=None, orderby=None, top=None):
        """One list of rows per answer (60 rows on normal endpoints, 1000 on bulk/sync, §3.3),
        following `__next` verbatim (it carries the query, §3.3) only when asked for more."""
        url = self._division_url(path)
        params = query_options(select, filter, expand, orderby, top)
        expect = Expect("rows", keys=key_fields(select), seen_next=set())
        while url:
            payload = self._request("GET", url, params=params, entity=path, division=self.division,
                                    expect=expect)
            rows, next_url = page_of(payload)
            yield rows
            url, params = self._next_url(next_url), None

    def iter_rows(self, path, select, filter=None, expand=None, orderby=None, top=None):
        """Rows one by one, fetching the next page only when the caller gets there."""
        given = 0
        for rows in self.iter_pages(path, select, filter, expand, orderby, top):
            for row in rows:
                if top is not None and given >= top:
                    return
                given += 1
                yield row

    def find_one(self, path, filter, select):
        """The first row matching `filter` ($top=1), or None: use it for natural-key lookups."""
        rows = next(self.iter_pages(path, select, filter=filter, top=1), [])
        return rows[0] if rows else None

    def get_by_key(self, path, key, select=None):
        """`Entity(guid'key')`; None when Exact answers 404."""
        params = {"$select": select_list(select)} if select else None
        try:
            payload = self._request("GET", self._keyed_url(path, key), params=params, entity=path,
                                    division=self.division, expect=Expect("entity"))
        except ExactNotFound:
            return None
        return entity_of(payload)

    def me(self):
        """`current/Me` (no division in the URL, not counted against the limits, §2)."""
        payload = self._request("GET", f"{self.base_url}/api/v1/current/Me",
                                params={"$select": ",".join(ME_FIELDS)}, entity="current/Me",
                                division=None)
        rows, _ = page_of(payload)
        if not rows:
            raise ExactError("Exact Online did not say who the connected user is (current/Me "
                             "was empty).")
        return rows[0]

    def divisions(self):
        """The Exact companies (divisions) the token may access: `system/Divisions` (§2)."""
        current = self.me()["CurrentDivision"]
        url = f"{self.base_url}/api/v1/{current}/system/Divisions"
        params = query_options(DIVISION_FIELDS)
        found = []
        while url:
            payload = self._request("GET", url, params=params, entity="system/Divisions",
                                    division=current)
            rows, next_url = page_of(payload)
            found.extend(rows)
            url, params = self._next_url(next_url), None
        return sorted(found, key=lambda row: row.get("Code") or 0)

    def division_move_date(self):
        """system/Divisions `DivisionMoveDate` of this company's division, as Exact sends it
        ("resync all data when this changes because Timestamp is regenerated", reference §2,
        §6.7); "" when it never moved."""
        row = self.find_one("system/Divisions", f"Code eq {int(self.division)}",
                            select=("Code", "DivisionMoveDate"))
        if row is None:
            raise ExactError(f"Exact Online did not list Exact company {self.division} in "
                             "system/Divisions; reconnect the company if it should have access.")
        return str(row.get("DivisionMoveDate") or "")

    # -- writing ---------------------------------------------------------------------------

    def create(self, path, payload):
        """POST; returns the created entity. A dropped connection raises ExactOutcomeUnknown:
        look the record up by its natural key before creating it again (DESIGN.md rule 4)."""
        answer = self._request("POST", self._division_url(path), payload=payload, entity=path,
                               division=self.division, expect=Expect("entity"))
        created = entity_of(answer)
        # Its Create notification must not cost a fetch (issue 15). The key is known only now;
        # records that webhooks import (Accounts, Items) are keyed by ID (reference §6).
        if isinstance(created, dict) and created.get("ID"):
            own_writes.remember_own_write(self.connection_id, created["ID"])
        return created

    def update(self, path, key, payload):
        """PUT `Entity(guid'key')` with the changed fields (Exact answers 204 or 200)."""
        # Remembered before the request leaves: its Update notification may arrive before the
        # answer does, and must not cost a fetch (issue 15).
        own_writes.remember_own_write(self.connection_id, key)
        try:
            self._request("PUT", self._keyed_url(path, key), payload=payload, entity=path,
                          division=self.division)
        except ExactOutcomeUnknown:
            raise
        except ExactError:
            own_writes.forget_own_write(self.connection_id, key)   # refused: no echo comes
            raise

    def delete(self, path, key):
        self._request("DELETE", self._keyed_url(path, key), entity=path, division=self.division)

    # -- URLs ------------------------------------------------------------------------------

    def _division_url(self, path):
        if not self.division:
            raise NotConnected(f"No Exact company (division) is chosen for \"{self.name}\": open "
                               "it and pick one in the Company section of its page.")
        return f"{self.base_url}/api/v1/{self.division}/{path.strip('/')}"

    def _keyed_url(self, path, key):
        literal = str(key) if isinstance(key, int) else f"guid'{key}'"
        return f"{self._division_url(path)}({literal})"

    def _next_url(self, next_url):
        if not next_url:
            return None
        absolute = urljoin(self.base_url + "/", next_url)
        # The bearer token only ever goes to this company's Exact site.
        if not absolute.startswith(self.base_url + "/"):
            raise ExactError(f"Exact Online pointed to a next page on another site ({absolute}); "
                             "the import stopped there.")
        return absolute

    # -- one request, with everything around it ---------------------------------------------

    def _request(self, method, url, *, params=None, payload=None, entity, division,
                 expect=None):
        """Send one request, retrying what Exact could not answer; returns the decoded body."""
        config = current_app.config
        end = _deadline.get()
        if end is not None and clock.now() + config["EXACT_HTTP_TIMEOUT"][1] > end:
            raise ExactUnavailable(
                f"This job's time with the record is up before the call to {entity} could "
                "be answered (Exact Online was slow or failing); it is tried again "
                "automatically.")
        if has_request_context():
            # A web page never waits: one immediate second try, then a message.
            attempts, wait = config["EXACT_WEB_RETRY_ATTEMPTS"], wait_none()
        else:
            attempts = config["EXACT_RETRY_ATTEMPTS"]
            wait = wait_exponential(multiplier=config["EXACT_RETRY_WAIT_INITIAL"],
                                    max=config["EXACT_RETRY_WAIT_MAX"])
        retrying = Retrying(retry=retry_if_exception_type(ExactUnavailable),
                            stop=stop_after_attempt(attempts) | past_deadline, wait=wait,
                            sleep=clock.sleep, reraise=True)
        for attempt in retrying:
            with attempt:
                return self._exchange(method, url, params, payload, entity, division, expect)

    def _exchange(self, method, url, params, payload, entity, division, expect=None):
        """One attempt: budgets, a fresh token, one renewal on 401, waits on 429 (jobs only)."""
        endpoint = entity.split("(")[0]
        errors = ErrorBudget(self.base_url, self.client_id, division, endpoint) if division else None
        if errors is not None and errors.spent:
            free_at = errors.free_again_at or clock.now() + ErrorBudget.WINDOW
            raise ExactErrorBudgetExhausted(
                f"Calls to {endpoint} for \"{self.name}\" are paused until "
                f"{time.strftime('%H:%M UTC', time.gmtime(free_at))}: Exact Online refused "
                f"{current_app.config['EXACT_ERROR_BUDGET']} of them within the last hour, and "
                "blocks an app for an hour after 10 errors, so the plugin stops first. Check "
                "the outbound request log for the cause and fix it; calls resume by themselves.")
        renewed, rate_waits = False, 0
        while True:
            self._take_call(division)
            token = self._access_token()
            response = self._send(method, url, params, payload, token, endpoint, division,
                                  expect)
            if division:
                errors.count(response.status_code)
            if response.status_code == 401 and not renewed:
                # Exact: a 401 means the access token is no longer valid: renew once, retry once
                # (§1.5, §9.2).
                self.tokens = refresh_tokens(self.connection_id, used_access_token=token,
                                             force=True, context=self.context)
                renewed = True
                continue
            if response.status_code == 429:
                rate_waits += 1
                self._wait_after_429(response, rate_waits)
                continue
            return self._decode(method, response, endpoint)

    def _access_token(self):
        if self.tokens.renewal_due():
            self.tokens = refresh_tokens(self.connection_id,
                                         used_access_token=self.tokens.access_token,
                                         context=self.context)
        return self.tokens.access_token

    def _take_call(self, division):
        """Take one call from the division's budget, waiting for the reset in a job."""
        if not division:
            return  # Exact: URLs without a division are not counted (§4)
        rate = RateBudget(self.base_url, self.client_id, division)
        call_class = budget.current_class()
        share = budget.reserve_share(call_class)
        while True:
            kind, reset_at = rate.reserve(share)
            if kind == "ok":
                return
            if kind == "reserved":
                # budget.py: this class stops before the reserve kept for admins and pushes.
                raise ExactBudgetReserved(budget.refusal_message(
                    call_class, self.name, rate.snapshot()["daily_remaining"], reset_at),
                    reset_at=reset_at)
            if kind == "probing":
                if has_request_context():
                    return  # a web request never waits; one extra call fits in any minute
                clock.sleep(PROBE_WAIT)
                continue
            self._wait_for_reset(kind, reset_at)

    def _wait_after_429(self, response, rate_waits):
        config = current_app.config
        reset_ms = (response.headers.get("X-RateLimit-Minutely-Reset")
                    or response.headers.get("X-RateLimit-Reset"))
        daily = ("X-RateLimit-Minutely-Reset" not in response.headers
                 and "X-RateLimit-Reset" in response.headers)
        # Exact: a 429 may carry no rate headers at all (§4); its minute window is clock aligned.
        reset_at = int(reset_ms) / 1000 if reset_ms else (clock.now() // 60 + 1) * 60
        if rate_waits > config["EXACT_429_RETRIES"]:
            raise self._rate_limited("daily" if daily else "minutely", reset_at)
        self._wait_for_reset("daily" if daily else "minutely", reset_at)

    def _wait_for_reset(self, kind, reset_at):
        """Sleep until the budget refills, in a job or the CLI; refuse at once in a web request."""
        config = current_app.config
        wait = reset_at - clock.now() + config["EXACT_RATE_RESET_MARGIN"]
        if has_request_context() or kind == "daily" or wait > config["EXACT_RATE_MAX_WAIT"]:
            raise self._rate_limited(kind, reset_at)
        clock.sleep(wait)

    def _rate_limited(self, kind, reset_at):
        seconds = max(int(reset_at - clock.now()) + 1, 1)
        if kind == "daily":
            when = time.strftime("%H:%M UTC", time.gmtime(reset_at))
            message = (f"Exact Online's daily call limit for \"{self.name}\" is used up; calls "
                       f"resume at {when}.")
        else:
            message = (f"Exact Online's limit of calls per minute for \"{self.name}\" is used up; "
                       f"try again in {seconds} seconds (background jobs wait by themselves).")
        return ExactRateLimited(message, reset_at=reset_at, daily=kind == "daily")

    def _send(self, method, url, params, payload, token, endpoint, division, expect=None):
        """The HTTP exchange itself, written to the outbound log whatever happens. A 2xx
        answer is read here against `expect`: one that is not what Exact sends is logged as
        an error and raised as ExactBadAnswer."""
        headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload)
        if method in ("POST", "PUT"):
            headers["Prefer"] = "return=representation"
        prepared_url = requests.Request(method, url, params=params).prepare().url
        log = dict(connection_id=self.connection_id, method=method, url=prepared_url,
                   entity=endpoint, context=self.context, request_body=body)
        started = time.monotonic()
        try:
            response = self.http.request(method, prepared_url, data=body, headers=headers,
                                         timeout=current_app.config["EXACT_HTTP_TIMEOUT"])
        except requests.RequestException as exc:
            if division:
                RateBudget(self.base_url, self.client_id, division).release_probe()
            error = self._network_error(method, exc, endpoint)
            outbound.record(**log, duration_ms=_ms(started), error=error.message)
            raise error from exc
        if division:
            # Before anything slower (the log write): other processes count on these figures.
            RateBudget(self.base_url, self.client_id, division).update(response.headers)
        error_text = None if response.status_code < 400 else describe_failure(response)
        bad_answer = None
        if response.status_code < 300 and expect is not None:
            response.exact_payload, bad_answer = read_answer(response, expect, endpoint)
            error_text = bad_answer
        outbound.record(**log, status=response.status_code, duration_ms=_ms(started),
                        rate=header_figures(response.headers), error=error_text,
                        response_body=response.text)
        if bad_answer:
            raise ExactBadAnswer(bad_answer, status=response.status_code, url=response.url)
        return response

    def _network_error(self, method, exc, endpoint):
        never_sent = _never_sent(exc)
        if method == "POST" and not never_sent:
            return ExactOutcomeUnknown(
                f"The connection to Exact Online dropped after a new {endpoint} record was sent "
                f"({exc.__class__.__name__}); Exact may or may not have created it. It is looked "
                "up by its natural key before it is sent again.")
        return ExactUnavailable(f"Exact Online could not be reached for {endpoint} "
                                f"({exc.__class__.__name__}); try again in a moment (background "
                                "jobs retry by themselves).")

    def _decode(self, method, response, endpoint):
        """The answer's JSON, or the typed error for a refusal."""
        status = response.status_code
        if status < 300:
            if hasattr(response, "exact_payload"):
                return response.exact_payload
            if status == 204 or not response.content:
                return None
            return response.json()
        message = describe_failure(response)
        if status in UNAVAILABLE_STATUSES:
            if method == "POST" and status in WRITE_OUTCOME_UNKNOWN_STATUSES:
                raise ExactOutcomeUnknown(
                    f"Exact Online answered {status} to a new {endpoint} record; it may or may "
                    "not have been created. It is looked up by its natural key before it is "
                    "sent again.", status=status, url=response.url)
            raise ExactUnavailable(message, status=status, url=response.url)
        raise self._refusal(status, message, response)

    def _refusal(self, status, message, response):
        details = dict(status=status, body=response.text, url=response.url)
        if status == 401:
            # Still refused after a fresh token: only a new consent can help.
            reason = ("Exact Online refuses this company's access token even after renewing "
                      "it. Reconnect the company (the Reconnect button on its page) to "
                      "authorise again.")
            mark_needs_reconnect(self.connection_id, reason)
            return NeedsReconnect(reason, **details)
        if status == 403:
            reason = response.headers.get("Reason")
            text = FORBIDDEN_REASONS.get(reason, message)
            return ExactForbidden(text, reason=reason, **details)
        if status == 404:
            return ExactNotFound(message, **details)
        if status in (400, 500) and odata_message(response):
            return ExactValidationError(message, **details)
        return ExactError(message, **details)


# -- the one retry policy's time bound -------------------------------------------------------

_deadline = contextvars.ContextVar("exact_deadline", default=None)


@contextmanager
def deadline(seconds):
    """Calls inside finish within `seconds` (epoch clock): a retry whose wait plus one more
    answer (the read time-out) would pass it is not made, so a job never runs past the record
    lock it holds (DESIGN.md rule 3). Nested deadlines keep the earlier one."""
    end = clock.now() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def past_deadline(retry_state):
    """Tenacity stop: the next attempt could not finish before the deadline."""
    end = _deadline.get()
    if end is None:
        return False
    read_timeout = current_app.config["EXACT_HTTP_TIMEOUT"][1]
    upcoming = retry_state.upcoming_sleep or 0
    return clock.now() + upcoming + read_timeout > end


# -- answers that are not what Exact sends ----------------------------------------------------

# The fields that identify a row: a row without them cannot be matched, staged or deleted.
KEY_FIELDS = ("ID", "InvoiceID", "EntityKey")


@dataclass
class Expect:
    """What a 2xx answer must hold: "rows" (a collection page) or "entity" (one record)."""
    kind: str
    keys: tuple = ()
    seen_next: set | None = None


def key_fields(select):
    fields = select.split(",") if isinstance(select, str) else list(select or ())
    return tuple(field.strip() for field in fields if field.strip() in KEY_FIELDS)


BAD_ANSWER_ADVICE = ("Nothing of this answer was used (no record was counted, changed or marked "
                     "deleted). It is usually a passing fault of Exact Online: try again later; "
                     "if it keeps happening, check Exact Online's status page.")


def read_answer(response, expect, endpoint):
    """(decoded JSON, None) for an answer shaped as Exact's (reference §3.1, §3.3), else
    (None, the problem in words)."""
    def bad(what):
        return None, (f"Exact Online answered {response.status_code} to {endpoint} with {what}, "
                      f"which is not what Exact sends. {BAD_ANSWER_ADVICE}")
    if not response.content or not response.content.strip():
        return bad("an empty body")
    try:
        payload = response.json()
    except ValueError:
        start = " ".join(response.text.split())[:60]
        return bad(f"something that is not JSON ({start!r})")
    data = payload.get("d") if isinstance(payload, dict) else None
    if data is None:
        return bad('no data ({"d": null})' if isinstance(payload, dict) and "d" in payload
                   else "no \"d\" envelope")
    if expect.kind == "entity":
        return payload, None
    rows = data.get("results") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        return bad("a single record where a list was asked for")
    for key in expect.keys:
        if any(not isinstance(row, dict) or row.get(key) in (None, "") for row in rows):
            return bad(f"rows without their {key}")
    next_url = data.get("__next") if isinstance(data, dict) else None
    if next_url:
        if next_url in expect.seen_next or next_url == response.url:
            return bad("a __next link to a page it already gave (the paging would never end)")
        expect.seen_next.add(next_url)
    return payload, None


# -- OData helpers ---------------------------------------------------------------------------

def select_list(select):
    if isinstance(select, str):
        return select
    return ",".join(select)


def query_options(select, filter=None, expand=None, orderby=None, top=None):
    """The OData query; `$select` is required (Exact refuses or slows down without it, §3.4)."""
    if not select:
        raise ValueError("ExactClient needs a $select list: name the fields to fetch.")
    options = {"$select": select_list(select), "$filter": filter, "$expand": expand,
               "$orderby": orderby, "$top": None if top is None else str(top)}
    return {name: value for name, value in options.items() if value}


def page_of(payload):
    """(rows, __next) of a collection answer; tolerates `"d": [...]` and a bare entity (§3.1)."""
    data = (payload or {}).get("d")
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and "results" in data:
        return data["results"], data.get("__next")
    return ([data] if data else []), None


def entity_of(payload):
    data = (payload or {}).get("d")
    if isinstance(data, dict) and "results" in data:
        results = data["results"]
        return results[0] if results else None
    if isinstance(data, list):
        return data[0] if data else None
    return data


def odata_message(response):
    """Exact's error text from `{"error": {"message": {"value": ...}}}` (§5), or None."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return None
    message = error.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    # Exact joins several messages with CRLF (§5).
    return " ".join(str(message).split("\r\n")).strip() if message else None


def describe_failure(response):
    """What went wrong, in words an admin can act on."""
    text = odata_message(response)
    status = response.status_code
    if text:
        return f"Exact Online answered {status}: {text}"
    if status == 401:
        return "Exact Online did not accept the access token (401); it is renewed and retried once."
    if status == 429:
        return "Exact Online's call limit is used up (429); waiting for the reset."
    if status in UNAVAILABLE_STATUSES:
        return (f"Exact Online is temporarily unavailable ({status}); try again in a moment "
                "(background jobs retry by themselves).")
    reason = response.headers.get("Reason")
    extra = f" ({reason})" if reason else ""
    return f"Exact Online answered {status}{extra}: {(response.text or '').strip()[:300]}"


def _never_sent(exc):
    """True when the request cannot have reached Exact (the connection was never made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (urllib3.exceptions.NewConnectionError,
                               urllib3.exceptions.ConnectTimeoutError))


def _ms(started):
    return int((time.monotonic() - started) * 1000)
