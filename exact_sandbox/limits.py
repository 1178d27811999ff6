"""API rate limits and the hourly error budget (reference §4)."""
import threading

COUNTED_ERRORS = {400, 401, 403, 404}   # Exact: these statuses count toward the error limit (reference §4)
ERROR_BLOCK_REASON = "TooManyErrors"    # Exact: the blocked response is unverified (docs/sandbox.md, reference §10)
DAY = 86400


class RateLimiter:
    """Minutely and daily call budgets per (client_id, division), aligned to window boundaries.

    Exact: the minute window is aligned to the clock minute and the day resets at
    midnight UTC (reference §4); ``window_seconds`` makes the first configurable.
    """

    def __init__(self, state):
        self.state = state
        self.lock = threading.Lock()
        self.used: dict[tuple, int] = {}

    def reset(self) -> None:
        with self.lock:
            self.used.clear()

    def spend(self, client_id: str, division: int) -> tuple[bool, dict]:
        """Count one call; returns (allowed, headers to send)."""
        settings, now = self.state.settings, self.state.clock.now()
        window = settings["window_seconds"]
        minute_start, day_start = now // window * window, now // DAY * DAY
        minute_key, day_key = (client_id, division, "m", minute_start), (client_id, division, "d", day_start)
        minute_reset, day_reset = int((minute_start + window) * 1000), int((day_start + DAY) * 1000)
        with self.lock:
            used_minute, used_day = self.used.get(minute_key, 0), self.used.get(day_key, 0)
            if used_day >= settings["daily_limit"]:
                # Exact: only the daily headers when the day is spent (reference §4)
                return False, daily_headers(settings["daily_limit"], 0, day_reset)
            if used_minute >= settings["minutely_limit"]:
                return False, minutely_headers(settings["minutely_limit"], 0, minute_reset)
            self.used[minute_key], self.used[day_key] = used_minute + 1, used_day + 1
        return True, {**daily_headers(settings["daily_limit"], settings["daily_limit"] - used_day - 1, day_reset),
                      **minutely_headers(settings["minutely_limit"], settings["minutely_limit"] - used_minute - 1,
                                         minute_reset)}


def daily_headers(limit: int, remaining: int, reset_ms: int) -> dict:
    return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": str(reset_ms)}


def minutely_headers(limit: int, remaining: int, reset_ms: int) -> dict:
    return {"X-RateLimit-Minutely-Limit": str(limit), "X-RateLimit-Minutely-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Minutely-Reset": str(reset_ms)}


class ErrorBudget:
    """10 errors per app, division, endpoint and clock hour, then 403 for the rest of the hour."""

    LIMIT = 10

    def __init__(self, state):
        self.state = state
        self.lock = threading.Lock()
        self.errors: dict[tuple, int] = {}

    def reset(self) -> None:
        with self.lock:
            self.errors.clear()

    def key(self, client_id: str, division: int, endpoint: str) -> tuple:
        return client_id, division, endpoint, int(self.state.clock.now() // 3600)

    def is_blocked(self, client_id: str, division: int, endpoint: str) -> bool:
        if not self.state.settings["error_block"]:
            return False
        return self.errors.get(self.key(client_id, division, endpoint), 0) >= self.LIMIT

    def record(self, client_id: str, division: int, endpoint: str, status: int) -> None:
        if status in COUNTED_ERRORS:
            key = self.key(client_id, division, endpoint)
            with self.lock:
                self.errors[key] = self.errors.get(key, 0) + 1
