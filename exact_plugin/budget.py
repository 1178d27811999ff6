"""The daily call budget of a division as a plan: call classes, a reserve, and a forecast.

Exact allows 5,000 calls a day per app and division (exact-online-api.md §4). Not every call is
worth the same when the day's budget runs low, so every call the client makes carries a class
(set by the work that makes it, `with call_class(IMPORT): ...`):

    ADMIN / PUSH   an admin's action on a page, a pushed change       may use the whole budget
    IMPORT         an import run                                      stops at the reserve
    SAFETY_NET     the webhook safety net, reconciliation             stops a little earlier
    KEEPALIVE      keep-alive calls                                   stops earliest

A reserve (EXACT_DAILY_RESERVE, a fraction of the day's limit) is kept for the first class:
background work stops before it and says so (`status()`, shown on the company page and meant
for the dashboard), with a forecast of when the budget runs out at the current pace. The check
is atomic with taking the call (ratelimit.RESERVE_SCRIPT), so no class ever takes the last
calls of another, and nobody takes a call past the day's limit.
"""
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context

from exact_plugin import clock

ADMIN, PUSH, IMPORT, SAFETY_NET, KEEPALIVE = "admin", "push", "import", "safety_net", "keepalive"
# Share of the reserve below which each class stops: 0 = may use every call of the day.
RESERVE_SHARE = {ADMIN: 0.0, PUSH: 0.0, IMPORT: 1.0, SAFETY_NET: 1.25, KEEPALIVE: 1.5}
LABELS = {ADMIN: "admin actions", PUSH: "pushed changes", IMPORT: "imports",
          SAFETY_NET: "the webhook safety net and reconciliation", KEEPALIVE: "keep-alive calls"}
# Exact's documented daily limit (§4), used until an answer reports the division's own.
DEFAULT_DAILY_LIMIT = 5000
# Calls counted per minute for the forecast (kept two hours; the forecast reads the last hour).
USAGE_BUCKET_SECONDS = 60
FORECAST_SECONDS = 3600

_current = ContextVar("exact_call_class", default=None)


@contextmanager
def call_class(name):
    """Every Exact call made inside this block belongs to class `name`."""
    if name not in RESERVE_SHARE:
        raise ValueError(f"Unknown call class {name!r}; use one of {', '.join(RESERVE_SHARE)}.")
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)


def current_class():
    """The class of the call about to be made: an admin's page, else the work's own class,
    else a push (the plugin's jobs that set no class are the sync's)."""
    explicit = _current.get()
    if explicit is not None:
        return explicit
    return ADMIN if has_request_context() else PUSH


def reserve_calls(daily_limit=None):
    """How many of the day's calls are kept for admin actions and pushes."""
    limit = daily_limit or DEFAULT_DAILY_LIMIT
    return int(limit * current_app.config["EXACT_DAILY_RESERVE"])


def reserve_share(name):
    """The share of the day's limit a call of this class must leave (0: none)."""
    return current_app.config["EXACT_DAILY_RESERVE"] * RESERVE_SHARE[name]


def floor_for(name, daily_limit=None):
    """Calls that must be left after this class's call: it is refused at or below this
    (the same sum as ratelimit.RESERVE_SCRIPT's)."""
    import math
    return math.floor((daily_limit or DEFAULT_DAILY_LIMIT) * reserve_share(name))


def usage_key(budget_key, now=None):
    bucket = int((now if now is not None else clock.now()) // USAGE_BUCKET_SECONDS)
    return f"{budget_key}:used:{bucket}"


def calls_last_hour(rate_budget, now=None):
    """Calls this app made on the division in the last hour (all processes, from Redis)."""
    now = clock.now() if now is None else now
    last = int(now // USAGE_BUCKET_SECONDS)
    keys = [f"{rate_budget.key}:used:{bucket}"
            for bucket in range(last - FORECAST_SECONDS // USAGE_BUCKET_SECONDS + 1, last + 1)]
    return sum(int(value) for value in rate_budget.redis.mget(keys) if value)


def forecast(daily_remaining, floor, calls_per_hour, daily_reset_at, now=None):
    """Epoch second when `daily_remaining` reaches `floor` at `calls_per_hour`, or None when it
    lasts until the daily reset (or nothing is being spent)."""
    now = clock.now() if now is None else now
    if daily_remaining is None or not calls_per_hour:
        return None
    left = daily_remaining - floor
    if left <= 0:
        return now
    runs_out = now + left / calls_per_hour * 3600
    if daily_reset_at is not None and runs_out >= daily_reset_at:
        return None
    return runs_out


def status(connection):
    """The company's day budget for the dashboard and the company page.

    A dict: daily_limit, daily_remaining (None when unknown), reserve, calls_last_hour,
    background_paused (True when imports and other background work wait for the reset),
    runs_out_at (epoch seconds or None; when background work stops at the current pace),
    resets_at, and `message`: one sentence an admin can read."""
    from exact_plugin.connection import calls_left
    from exact_plugin.ratelimit import RateBudget
    figures = calls_left(connection)
    limit = figures["daily_limit"] or DEFAULT_DAILY_LIMIT
    remaining = figures["daily_remaining"]
    reserve = reserve_calls(limit)
    used_last_hour = None
    if connection.division and connection.base_url:
        used_last_hour = calls_last_hour(RateBudget(connection.base_url, connection.client_id,
                                                    connection.division))
    paused = remaining is not None and remaining <= floor_for(IMPORT, limit)
    runs_out_at = None if paused else forecast(remaining, floor_for(IMPORT, limit),
                                               used_last_hour, figures["daily_reset_at"])
    return {"daily_limit": limit, "daily_remaining": remaining, "reserve": reserve,
            "calls_last_hour": used_last_hour, "background_paused": paused,
            "runs_out_at": runs_out_at, "resets_at": figures["daily_reset_at"],
            "message": _message(connection, remaining, limit, reserve, paused, runs_out_at,
                                figures["daily_reset_at"], used_last_hour)}


def _message(connection, remaining, limit, reserve, paused, runs_out_at, resets_at, per_hour):
    if remaining is None:
        return (f"Calls left today for \"{connection.name}\": unknown until the next call to "
                f"Exact Online. {reserve:,} of the {limit:,} a day are kept for admin actions "
                "and pushed changes.")
    if paused:
        return (f"Imports and other background work for \"{connection.name}\" are paused until "
                f"{_clock(resets_at) or 'the daily reset'}: {remaining:,} of {limit:,} calls are "
                f"left today and are kept for admin actions and pushed changes.")
    if runs_out_at is not None:
        return (f"{remaining:,} of {limit:,} calls left today. At this rate ({per_hour:,} calls "
                f"in the last hour) the budget for background work runs out at "
                f"{_clock(runs_out_at)}; {reserve:,} calls stay kept for admin actions and "
                "pushed changes.")
    return (f"{remaining:,} of {limit:,} calls left today; at this rate they last until the "
            f"daily reset ({_clock(resets_at) or 'midnight UTC'}).")


def _clock(epoch):
    return time.strftime("%H:%M UTC", time.gmtime(epoch)) if epoch else None


def refusal_message(name, client_name, remaining, reset_at):
    """Why a call of class `name` was not made (ExactBudgetReserved's text)."""
    return (f"Exact Online calls for {LABELS[name]} of \"{client_name}\" are paused until "
            f"{_clock(reset_at) or 'the daily reset'}: the rest of today's budget "
            f"({remaining if remaining is not None else 'few'} calls) is kept for admin "
            "actions and pushed changes. It resumes by itself.")
