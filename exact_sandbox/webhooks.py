"""Webhook subscriptions and deliveries (reference §8; docs/sandbox.md §Webhooks).

Subscriptions are checked when they are created (topic, https, the app's redirect-URL
domain), validated by an empty POST shortly afterwards, and only validated subscriptions
receive notifications.  Notifications are queued and posted by one background thread so a
slow or dead callback never slows the API.  Body: ``{"Content":{...},"HashCode":"..."}``
where HashCode is the uppercase hex HMAC-SHA256 of the exact Content JSON text with the
app's webhook secret.
"""
import datetime as dt
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from urllib.parse import urlsplit

import requests

from .errors import ValidationFailed

# Exact: topic names (reference §8): named in Exact's doc text (pisys "Subscribe to the topic …")
# and used by client code / third-party pages (picqer#91, #140, #438; pionect.nl).  The GLAccounts
# topic name is unverified, so the sandbox refuses it (the stricter choice, docs/sandbox.md).
TOPICS = ("Accounts", "BankAccounts", "BankEntries", "CashEntries", "Contacts", "CostTransactions", "Documents",
          "FinancialTransactions", "GeneralJournalEntries", "GoodsDeliveries", "Items", "PurchaseEntries",
          "PurchaseOrders", "Quotations", "SalesEntries", "SalesInvoices", "SalesOrders", "StockPositions",
          "Subscriptions", "TimeTransactions")
# Test allowance (not Exact): http callbacks only on these hosts; Exact requires https (reference §8)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
STATE_KEY = "webhook:"   # kv prefix: validation state per subscription


def sign(content_text: str, secret: str) -> str:
    return hmac.new(secret.encode(), content_text.encode(), hashlib.sha256).hexdigest().upper()


def notification_body(content: dict, secret: str) -> str:
    # Exact: compact JSON; HashCode over the raw Content text (reference §8, picqer Authenticatable.php)
    content_text = json.dumps(content, separators=(",", ":"))
    return '{"Content":' + content_text + ',"HashCode":"' + sign(content_text, secret) + '"}'


def callback_problem(callback_url: str, redirect_uri: str) -> str | None:
    """Why Exact would refuse this callback URL, or None (reference §8)."""
    parts = urlsplit(callback_url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "Invalid: CallbackURL is not a valid absolute URL."
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return "Invalid: CallbackURL must use https."
    # Exact: the callback's domain must equal the app's redirect-URL domain (Invantive, reference §8)
    if host != (urlsplit(redirect_uri or "").hostname or "").lower():
        return "Invalid: CallbackURL must be on the domain of the app's redirect URI."
    return None


class SubscriptionRules:
    """Hooks Records calls around WebhookSubscriptions writes (records.RULES)."""

    def before_create(self, records, division: int, subscription: dict, nested) -> None:
        problems = []
        topic = subscription.get("Topic")
        if topic not in (None, "") and topic not in TOPICS:
            problems.append(f"Invalid: Topic '{topic}' does not exist.")
        app = records.state.oauth.app(subscription.get("ClientID") or "") or {}
        if subscription.get("CallbackURL") not in (None, ""):
            problem = callback_problem(subscription["CallbackURL"], app.get("redirect_uri"))
            problems += [problem] if problem else []
        if problems:
            raise ValidationFailed(problems)

    def after_write(self, records, division: int, subscription: dict, nested) -> None:
        records.state.webhooks.validate_later(subscription)

    def before_update(self, records, division: int, subscription: dict, changes=None) -> None:
        pass  # the API refuses PUT (405, reference §8); the control API may change a subscription

    def before_delete(self, records, division: int, subscription: dict) -> None:
        pass

    def after_delete(self, records, division: int, subscription: dict) -> None:
        records.store.kv_delete(STATE_KEY + subscription["ID"])


class Webhooks:
    def __init__(self, state):
        self.state = state
        self.jobs: list = []              # heap of (due monotonic time, sequence, job)
        self.sequence = itertools.count()
        self.wake = threading.Condition()
        self.stopping = False
        self.worker = threading.Thread(target=self.deliver_forever, name="sandbox-webhooks", daemon=True)
        self.worker.start()

    def stop(self) -> None:
        with self.wake:
            self.stopping = True
            self.wake.notify()

    def enqueue(self, delay: float, job: dict) -> None:
        with self.wake:
            heapq.heappush(self.jobs, (time.monotonic() + delay, next(self.sequence), job))
            self.wake.notify()

    # -- subscriptions --------------------------------------------------------
    def subscriptions(self, division: int, topic: str) -> list[dict]:
        rows = self.state.store.select(
            "SELECT data FROM records WHERE division = ? AND entity = 'WebhookSubscriptions' "
            "AND json_extract(data, '$.Topic') = ?", [division, topic])
        return [json.loads(row[0]) for row in rows]

    def validation(self, subscription_id: str) -> dict:
        return self.state.store.kv_get(STATE_KEY + subscription_id, {"validated": False, "status": None})

    def validate_later(self, subscription: dict) -> None:
        """Exact: an empty POST validates the callback ~1 s after creation; a subscription whose
        callback does not answer 2xx stays unvalidated (reference §8, hookdeck#152)."""
        self.state.store.kv_set(STATE_KEY + subscription["ID"], {"validated": False, "status": "pending"})
        self.enqueue(self.state.settings["webhook_validation_delay"], {
            "kind": "validation", "subscription": subscription["ID"], "url": subscription["CallbackURL"],
            "body": b"", "division": subscription.get("Division"), "topic": subscription.get("Topic")})

    # -- notifications --------------------------------------------------------
    def notify(self, division: int, entity, action: str, key: str) -> None:
        """One notification per validated subscription of the entity's topic in this division."""
        for subscription in self.subscriptions(division, entity.topic):
            event = {"kind": action, "subscription": subscription["ID"], "url": subscription["CallbackURL"],
                     "division": division, "topic": entity.topic, "key": key}
            if not self.state.settings["webhook_delivery"]:
                self.state.stats.record_delivery({**event, "status": "suppressed: delivery off", "body": ""})
                continue
            if not self.validation(subscription["ID"])["validated"]:
                self.state.stats.record_delivery({**event, "status": "skipped: not validated", "body": ""})
                continue
            app = self.state.oauth.app(subscription["ClientID"])
            if app is None:
                continue
            content = self.content(division, entity, action, key, app["client_id"])
            self.enqueue(0.0, {**event, "body": notification_body(content, app["webhook_secret"]).encode()})

    def content(self, division: int, entity, action: str, key: str, client_id: str) -> dict:
        base = self.state.base_url or ""
        return {"Topic": entity.topic, "ClientId": client_id, "Division": division, "Action": action, "Key": key,
                "ExactOnlineEndpoint": f"{base}/api/v1/{division}/{entity.path}(guid'{key}')",
                # Exact: EventCreatedOn format unverified; ISO 8601 UTC (docs/sandbox.md §Webhooks)
                "EventCreatedOn": dt.datetime.fromtimestamp(self.state.clock.now(), dt.timezone.utc)
                .isoformat(timespec="milliseconds").replace("+00:00", "Z")}

    # -- delivery -------------------------------------------------------------
    def next_job(self) -> dict | None:
        with self.wake:
            while not self.stopping:
                now = time.monotonic()
                if self.jobs and self.jobs[0][0] <= now:
                    return heapq.heappop(self.jobs)[2]
                self.wake.wait(self.jobs[0][0] - now if self.jobs else None)
            return None

    def deliver_forever(self) -> None:
        while (job := self.next_job()) is not None:
            self.deliver(job)

    def deliver(self, job: dict) -> None:
        started = time.monotonic()
        try:
            response = requests.post(job["url"], data=job["body"], timeout=5,
                                     headers={"Content-Type": "application/json"})
            status, answer = response.status_code, response.text[:200]
        except requests.RequestException as error:
            status, answer = f"error: {error.__class__.__name__}", ""
        if job["kind"] == "validation":
            ok = isinstance(status, int) and 200 <= status < 300
            if self.state.store.kv_get(STATE_KEY + job["subscription"]) is not None:  # not deleted meanwhile
                self.state.store.kv_set(STATE_KEY + job["subscription"], {"validated": ok, "status": status})
        self.state.stats.record_delivery({
            **{name: value for name, value in job.items() if name != "body"},
            "body": job["body"].decode(), "status": status, "answer": answer,
            "seconds": round(time.monotonic() - started, 3), "at": self.state.clock.now()})
