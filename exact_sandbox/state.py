"""The sandbox's state: configuration, clock, storage and every runtime subsystem."""
import os
import secrets
import threading

from .clock import Clock
from .faults import FaultPlan
from .limits import ErrorBudget, RateLimiter
from .oauth import OAuthServer
from .records import Records
from .seed import division_numbers, seed
from .stats import Stats
from .store import Store
from .webhooks import Webhooks

DEMO_CLIENT_ID = "9f0c4d2e-6b1a-4f3e-8a7d-2c5b1e0f3a94"
DEMO_USER_ID = "0b8e6a3c-2f41-4d7e-9c15-7a3e5d2b1f60"

DEFAULT_CONFIG = {
    "divisions": 2, "accounts": 50, "items": 20, "seed": 1, "db": None,
    "minutely_limit": 60, "daily_limit": 5000, "window_seconds": 60,   # Exact: 60/min, 5000/day (reference §4)
    "token_daily_limit": 200,                                          # Exact: token calls (reference §1.4)
    "error_block": True, "language": "en", "faults": "",
    "client_id": DEMO_CLIENT_ID, "client_secret": "sandbox-demo-secret",
    "redirect_uri": "http://127.0.0.1:5000/authcallback", "webhook_secret": "sandbox-webhook-secret",
    "assign_invoice_number": "entry",
}
RUNTIME_SETTINGS = ("minutely_limit", "daily_limit", "window_seconds", "token_daily_limit", "error_block",
                    "language")
DIVISION_SETTINGS = {"assign_invoice_number": ("entry", "printing")}


class SandboxState:
    def __init__(self, config: dict | None = None):
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        # The /_sandbox/ control API (reset, clock, faults, records...) answers only requests
        # carrying this token (X-Sandbox-Token): printed at start, or EXACT_SANDBOX_TOKEN.
        self.control_token = (self.config.get("control_token") or os.environ.get("EXACT_SANDBOX_TOKEN")
                              or secrets.token_urlsafe(18))
        self.demo_user_id = DEMO_USER_ID
        self.base_url = ""
        self.lock = threading.RLock()
        self.clock = Clock()
        self.store = Store(self.config["db"])
        self.settings = {name: self.config[name] for name in RUNTIME_SETTINGS}
        self.stats = Stats(self)
        self.oauth = OAuthServer(self)
        self.rate_limiter = RateLimiter(self)
        self.error_budget = ErrorBudget(self)
        self.faults = FaultPlan(self, self.config["faults"])
        self.records = Records(self)
        self.webhooks = Webhooks(self)
        if not self.store.select("SELECT 1 FROM records LIMIT 1", []):
            self.reseed()
        self.register_demo_app()

    # -- setup ---------------------------------------------------------------
    def register_demo_app(self) -> dict:
        return self.oauth.register_app(self.config["client_id"], self.config["client_secret"],
                                       self.config["redirect_uri"], self.config["webhook_secret"], "Demo app")

    @property
    def demo_app(self) -> dict:
        return self.oauth.app(self.config["client_id"])

    def reseed(self, **overrides) -> None:
        with self.lock:
            self.config.update({name: value for name, value in overrides.items() if value is not None})
            seed(self.store, self.config, self.demo_user_id)

    def reset(self, **overrides) -> None:
        """Back to the startup state: data, apps, tokens, limits, faults, clock and stats."""
        with self.lock:
            self.clock.set_offset(0)
            self.settings = {name: self.config[name] for name in RUNTIME_SETTINGS}
            self.oauth.reset()
            self.rate_limiter.reset()
            self.error_budget.reset()
            self.faults.configure(self.config["faults"])
            self.stats.reset()
            self.store.kv_delete("division:")
            self.store.kv_delete("app:")
            self.reseed(**overrides)
            self.register_demo_app()

    def stop(self) -> None:
        self.webhooks.stop()

    def note_base_url(self, host_url: str) -> None:
        self.base_url = host_url.rstrip("/")

    # -- divisions -------------------------------------------------------------
    def division_numbers(self) -> list[int]:
        return division_numbers(self.config["divisions"])

    def division_records(self) -> list[dict]:
        return [self.store.get(number, "Divisions", str(number)) for number in self.division_numbers()]

    def division_setting(self, division: int, name: str):
        stored = self.store.kv_get(f"division:{division}", {})
        return stored.get(name, self.config[name])

    def set_division_setting(self, division: int, name: str, value) -> None:
        if name not in DIVISION_SETTINGS or value not in DIVISION_SETTINGS[name]:
            raise ValueError(f"unknown setting {name}={value!r}; allowed: {DIVISION_SETTINGS}")
        stored = self.store.kv_get(f"division:{division}", {})
        stored[name] = value
        self.store.kv_set(f"division:{division}", stored)
