"""Exact Online's call budgets, shared by every process that calls the same division.

Exact allows 60 calls a minute and 5,000 a day per app and division, and blocks an endpoint for
an hour after 10 errors (400, 401, 403, 404) in an hour (exact-online-api.md §4). The budgets
live in Redis (the real one when REDIS_URL is set, so all workers on all machines share them;
otherwise the embedded one shared by the web threads and the embedded worker):

- `RateBudget.reserve()` takes one call from the minute and the day before a request is sent
  (atomically, in a Lua script) or says how long to wait for the reset; the first call of a
  new minute goes alone, until Exact's answer gives that minute's figures;
- `RateBudget.update()` takes Exact's `X-RateLimit-*` headers after each answer. Answers can
  arrive out of order, so within a window the lower "remaining" wins; a later reset time
  starts a new window.
- `ErrorBudget` counts errors per endpoint in a rolling hour and stops before Exact's block.
"""
import math
import uuid

from flask import current_app

from exact_plugin import clock
from exact_plugin.budget import DEFAULT_DAILY_LIMIT, usage_key
from exact_plugin.locks import redis_key

# Exact's header names (§4): (our field, header), minute first.
RATE_HEADERS = (
    ("m_limit", "X-RateLimit-Minutely-Limit"),
    ("m_rem", "X-RateLimit-Minutely-Remaining"),
    ("m_reset", "X-RateLimit-Minutely-Reset"),
    ("d_limit", "X-RateLimit-Limit"),
    ("d_rem", "X-RateLimit-Remaining"),
    ("d_reset", "X-RateLimit-Reset"),
)
COUNTED_ERRORS = {400, 401, 403, 404}   # Exact: these count toward the 10 errors/hour (§4)

# KEYS[1] budget hash, KEYS[2] probe flag, KEYS[3] this minute's usage counter (budget.py);
# ARGV[1] now in ms, ARGV[2] probe time-out in ms, ARGV[3] the share of the day's limit the
# call's class must leave (budget.py), ARGV[4] the daily limit to assume until Exact reports it.
# Returns {"ok"}, {"probing"} or {"minutely"|"daily"|"reserved", reset_ms}.
RESERVE_SCRIPT = """
local now = tonumber(ARGV[1])
local share = tonumber(ARGV[3] or '0')
local function field(name)
  local value = redis.call('HGET', KEYS[1], name)
  if value then return tonumber(value) end
  return nil
end
local d_rem, d_reset = field('d_rem'), field('d_reset')
local floor = math.floor((field('d_limit') or tonumber(ARGV[4])) * share)
local m_rem, m_reset = field('m_rem'), field('m_reset')
if d_rem and d_reset and d_reset > now and d_rem <= 0 then return {'daily', tostring(d_reset)} end
if d_rem and d_reset and d_reset > now and d_rem <= floor then return {'reserved', tostring(d_reset)} end
local function used()
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], 7200000)
end
if not (m_rem and m_reset and m_reset > now) then
  -- A new (or unknown) minute: one call at a time until Exact's headers give its figures.
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then used() return {'ok', '0'} end
  return {'probing', '0'}
end
if m_rem <= 0 then return {'minutely', tostring(m_reset)} end
redis.call('HINCRBY', KEYS[1], 'm_rem', -1)
if d_rem and d_reset and d_reset > now then redis.call('HINCRBY', KEYS[1], 'd_rem', -1) end
used()
return {'ok', '0'}
"""

# KEYS[1] budget hash, KEYS[2] probe flag; ARGV: prefix ('m' or 'd'), limit, remaining, reset_ms.
UPDATE_SCRIPT = """
local prefix, limit, remaining, reset = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local known = redis.call('HGET', KEYS[1], prefix .. '_reset')
known = known and tonumber(known) or 0
if reset > known then
  redis.call('HSET', KEYS[1], prefix .. '_reset', reset, prefix .. '_rem', remaining, prefix .. '_limit', limit)
  if prefix == 'm' then redis.call('DEL', KEYS[2]) end
elseif reset == known then
  local current = tonumber(redis.call('HGET', KEYS[1], prefix .. '_rem') or remaining)
  if remaining < current then redis.call('HSET', KEYS[1], prefix .. '_rem', remaining) end
  redis.call('HSET', KEYS[1], prefix .. '_limit', limit)
end
redis.call('EXPIRE', KEYS[1], 172800)
return 1
"""


def _redis():
    from jobs import get_redis
    return get_redis()


def _script(redis, source):
    cache = current_app.extensions.setdefault("exact_rate_scripts", {})
    key = (id(redis), source)
    if key not in cache:
        cache[key] = redis.register_script(source)
    return cache[key]


class RateBudget:
    """The minute and day budget of one app (client ID) on one division of one Exact site."""

    # How long the one call that opens a new minute may take before another process may try.
    PROBE_TIMEOUT_MS = 3000

    def __init__(self, base_url, client_id, division):
        self.redis = _redis()
        self.key = redis_key("rate", base_url, (client_id or "").lower(), division)
        self.probe_key = self.key + ":probe"

    def reserve(self, reserve_share=0.0):
        """Take one call: ("ok", None); ("probing", None) while another process's call is
        finding out the figures of a new minute (wait a moment and ask again); or ("minutely"
        | "daily", reset_at epoch seconds) when the budget is spent, or ("reserved", reset_at)
        when fewer than `reserve_share` of the day's limit would be left (budget.py: the
        call's class stops before the reserve).

        Why probe: until Exact reports a new minute's figures nobody can count against them,
        and several blind calls at once could overrun the limit."""
        kind, reset_ms = _script(self.redis, RESERVE_SCRIPT)(
            keys=[self.key, self.probe_key, usage_key(self.key)],
            args=[int(clock.now() * 1000), self.PROBE_TIMEOUT_MS, reserve_share,
                  DEFAULT_DAILY_LIMIT])
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind in ("ok", "probing"):
            return kind, None
        return kind, int(reset_ms) / 1000

    def update(self, headers):
        """Take the figures of Exact's X-RateLimit-* headers (absent ones are left alone)."""
        values = {name: headers.get(header) for name, header in RATE_HEADERS}
        if values["m_rem"] is None or values["m_reset"] is None:
            # No figures for the minute in this answer (e.g. a 401): let the next call find out.
            self.release_probe()
        for prefix in ("m", "d"):
            limit, remaining, reset = (values[f"{prefix}_{part}"] for part in ("limit", "rem", "reset"))
            if remaining is None or reset is None:
                continue
            _script(self.redis, UPDATE_SCRIPT)(
                keys=[self.key, self.probe_key],
                args=[prefix, limit or "", int(remaining), int(reset)])

    def release_probe(self):
        """The call that was to find out a new minute's figures got no answer."""
        self.redis.delete(self.probe_key)

    def snapshot(self):
        """Calls left this minute and today (None when unknown), with their reset times."""
        stored = {key.decode() if isinstance(key, bytes) else key: float(value)
                  for key, value in self.redis.hgetall(self.key).items() if value not in (b"", "")}
        now_ms = clock.now() * 1000
        return {"minutely_limit": _int(stored.get("m_limit")),
                "minutely_remaining": _window_remaining(stored, "m", now_ms),
                "minutely_reset_at": _seconds(stored.get("m_reset")),
                "daily_limit": _int(stored.get("d_limit")),
                "daily_remaining": _window_remaining(stored, "d", now_ms),
                "daily_reset_at": _seconds(stored.get("d_reset"))}


def _window_remaining(stored, prefix, now_ms):
    reset = stored.get(f"{prefix}_reset")
    if reset is None:
        return None
    if reset <= now_ms:  # the window is over: the whole limit is available again
        return _int(stored.get(f"{prefix}_limit"))
    return max(_int(stored.get(f"{prefix}_rem")) or 0, 0)


def _int(value):
    return None if value is None else int(value)


def _seconds(ms):
    return None if ms is None else ms / 1000


def header_figures(headers):
    """The remaining calls an answer reported, for the outbound log."""
    def number(header):
        value = headers.get(header)
        return int(value) if value not in (None, "") else None
    return {"minutely_remaining": number("X-RateLimit-Minutely-Remaining"),
            "daily_remaining": number("X-RateLimit-Remaining")}


class ErrorBudget:
    """Errors per app, division and endpoint in the last 60 minutes (Exact blocks at 10).

    A rolling hour, not the clock hour: whether Exact's hour is a clock hour is unverified
    (reference §4, §10), and 8 errors at 10:59 plus 8 at 11:01 would be 16 within one rolling
    hour. Each error is one member of a sorted set scored by its time; those older than an
    hour are dropped on every look."""

    WINDOW = 3600

    def __init__(self, base_url, client_id, division, endpoint):
        self.redis = _redis()
        self.key = redis_key("errors", base_url, (client_id or "").lower(), division, endpoint)

    def _recent(self):
        now = clock.now()
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(self.key, "-inf", now - self.WINDOW)
        pipe.zrange(self.key, 0, 0, withscores=True)
        pipe.zcard(self.key)
        _removed, oldest, count = pipe.execute()
        return count, (oldest[0][1] if oldest else None)

    @property
    def spent(self):
        return self._recent()[0] >= current_app.config["EXACT_ERROR_BUDGET"]

    @property
    def free_again_at(self):
        """When the oldest counted error leaves the hour (epoch seconds), or None."""
        _count, oldest = self._recent()
        return None if oldest is None else oldest + self.WINDOW

    def count(self, status):
        if status in COUNTED_ERRORS:
            now = clock.now()
            pipe = self.redis.pipeline()
            pipe.zadd(self.key, {f"{now:.6f}-{uuid.uuid4().hex[:8]}": now})
            pipe.expire(self.key, self.WINDOW + 60)
            pipe.execute()
