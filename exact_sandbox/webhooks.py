"""Webhook deliveries (reference §8).

Notifications are queued and posted by one background thread so a slow or
dead callback never slows the API.  Body: ``{"Content":{...},"HashCode":"..."}``
where HashCode is the uppercase hex HMAC-SHA256 of the exact Content JSON text
with the app's webhook secret.
"""
import datetime as dt
import hashlib
import hmac
import json
import queue
import threading
import time

import requests

VALIDATION_DELAY = 0.2  # Exact: ~1 s after creation (reference §8); shorter to keep tests fast


def sign(content_text: str, secret: str) -> str:
    return hmac.new(secret.encode(), content_text.encode(), hashlib.sha256).hexdigest().upper()


def notification_body(content: dict, secret: str) -> str:
    content_text = json.dumps(content, separators=(",", ":"))
    return '{"Content":' + content_text + ',"HashCode":"' + sign(content_text, secret) + '"}'


class Webhooks:
    def __init__(self, state):
        self.state = state
        self.queue: queue.Queue = queue.Queue()
        self.stopping = threading.Event()
        self.worker = threading.Thread(target=self.deliver_forever, name="sandbox-webhooks", daemon=True)
        self.worker.start()

    def stop(self) -> None:
        self.stopping.set()
        self.queue.put(None)

    def subscriptions(self, division: int, topic: str) -> list[dict]:
        rows = self.state.store.select(
            "SELECT data FROM records WHERE division = ? AND entity = 'WebhookSubscriptions' "
            "AND json_extract(data, '$.Topic') = ?", [division, topic])
        return [json.loads(row[0]) for row in rows]

    def validate_later(self, subscription: dict) -> None:
        """Exact: an empty POST validates the callback shortly after creation (reference §8)."""
        self.queue.put((time.monotonic() + VALIDATION_DELAY, subscription["CallbackURL"], b"", "validation"))

    def notify(self, division: int, entity, action: str, key: str) -> None:
        for subscription in self.subscriptions(division, entity.topic):
            app = self.state.oauth.app(subscription["ClientID"])
            if app is None:
                continue
            base = self.state.base_url or ""
            content = {"Topic": entity.topic, "ClientId": app["client_id"], "Division": division,
                       "Action": action, "Key": key,
                       "ExactOnlineEndpoint": f"{base}/api/v1/{division}/{entity.path}(guid'{key}')",
                       # Exact: EventCreatedOn format unverified; ISO 8601 UTC (docs/sandbox.md §Webhooks)
                       "EventCreatedOn": dt.datetime.fromtimestamp(self.state.clock.now(), dt.timezone.utc)
                       .isoformat(timespec="milliseconds").replace("+00:00", "Z")}
            body = notification_body(content, app["webhook_secret"])
            self.queue.put((time.monotonic(), subscription["CallbackURL"], body.encode(), action))

    def deliver_forever(self) -> None:
        while not self.stopping.is_set():
            job = self.queue.get()
            if job is None:
                return
            due, url, body, kind = job
            time.sleep(max(0.0, due - time.monotonic()))
            self.deliver(url, body, kind)

    def deliver(self, url: str, body: bytes, kind: str) -> None:
        try:
            response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=5)
            status = response.status_code
        except requests.RequestException as error:
            status = f"error: {error.__class__.__name__}"
        self.state.stats.record_delivery({"url": url, "kind": kind, "status": status,
                                          "body": body.decode() if body else ""})
