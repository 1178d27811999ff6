"""Webhooks (docs/sandbox.md §Webhooks, reference §8)."""
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from .conftest import DIVISION, first_customer


class Receiver:
    """A tiny HTTP server collecting raw POST bodies."""

    def __init__(self):
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(self.rfile.read(length))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while len(self.bodies) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.bodies


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def subscribe(api, url, receiver, topic="Accounts"):
    return api.post(url("webhooks/WebhookSubscriptions"), json={"CallbackURL": receiver.url, "Topic": topic})


def test_subscription_needs_callback_url_and_topic(api, url):
    response = api.post(url("webhooks/WebhookSubscriptions"), json={})
    assert error_lines(response) == ["Mandatory: CallbackURL", "Mandatory: Topic"]


def error_lines(response):
    return response.json()["error"]["message"]["value"].split("\r\n")


def test_subscription_cannot_be_updated(api, url, receiver):
    key = subscribe(api, url, receiver).json()["d"]["ID"]
    assert api.put(url(f"webhooks/WebhookSubscriptions(guid'{key}')"), json={"Topic": "Items"}).status_code == 405
    assert api.delete(url(f"webhooks/WebhookSubscriptions(guid'{key}')")).status_code == 204


def test_callback_gets_an_empty_validation_post_after_creation(api, url, receiver):
    assert subscribe(api, url, receiver).status_code == 201
    assert receiver.wait_for(1)[0] == b""


def test_update_notification_is_signed_with_the_webhook_secret(sandbox, api, url, receiver):
    subscribe(api, url, receiver)
    receiver.wait_for(1)
    customer = first_customer(api, url)
    api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Assen"})
    raw = receiver.wait_for(2)[1].decode()
    content_text, hash_code = re.fullmatch(r'\{"Content":(.*),"HashCode":"(.*)"\}', raw).groups()
    content = json.loads(content_text)
    assert hash_code == hmac.new(sandbox.webhook_secret.encode(), content_text.encode(),
                                 hashlib.sha256).hexdigest().upper()
    assert (content["Topic"], content["Action"], content["Key"], content["Division"]) == (
        "Accounts", "Update", customer["ID"], DIVISION)
    assert content["ClientId"] == sandbox.client_id
    assert content["ExactOnlineEndpoint"] == url(f"crm/Accounts(guid'{customer['ID']}')")
    assert "EventCreatedOn" in content


def test_create_and_delete_are_notified(sandbox, api, url, receiver):
    subscribe(api, url, receiver, topic="Items")
    receiver.wait_for(1)
    created = sandbox.create_record(DIVISION, "Items", {"Code": "HOOK1", "Description": "Hook"})
    sandbox.delete_record(DIVISION, "Items", created["ID"])
    actions = [json.loads(body)["Content"]["Action"] for body in receiver.wait_for(3)[1:]]
    assert actions == ["Create", "Delete"]
