"""Webhooks (docs/sandbox.md §Webhooks, reference §8)."""
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from .conftest import DIVISION, error_text, first_customer

# Exact validates ~1 s after creation (reference §8); the setting shortens it for tests
pytestmark = pytest.mark.sandbox(webhook_validation_delay=0.05)


class Receiver:
    """A tiny HTTP server collecting raw POST bodies; answers ``status`` (200 by default)."""

    def __init__(self, status: int = 200):
        self.bodies: list[bytes] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(self.rfile.read(length))
                self.send_response(receiver.status)
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


def subscription_url(key):
    return f"webhooks/WebhookSubscriptions(guid'{key}')"


def validation_state(sandbox, key, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = next(row for row in sandbox.control("GET", "webhooks/subscriptions") if row["ID"] == key)
        if row["validation_status"] != "pending":
            return row
        time.sleep(0.02)
    raise AssertionError("validation never ran")


def notifications(receiver, count, timeout=5):
    return [json.loads(body)["Content"] for body in receiver.wait_for(count, timeout) if body]


def test_unknown_topic_is_refused(api, url, receiver):
    response = api.post(url("webhooks/WebhookSubscriptions"), json={"CallbackURL": receiver.url, "Topic": "Invoices"})
    assert response.status_code == 500
    assert error_text(response) == "Invalid: Topic 'Invoices' does not exist."


def test_gl_accounts_topic_is_refused_because_its_name_is_unverified(api, url, receiver):
    response = api.post(url("webhooks/WebhookSubscriptions"), json={"CallbackURL": receiver.url, "Topic": "GLAccounts"})
    assert response.status_code == 500


def test_http_callback_is_refused_outside_loopback(sandbox, api, url):
    sandbox.set_redirect_uri("http://backoffice.example/authcallback")
    response = api.post(url("webhooks/WebhookSubscriptions"),
                        json={"CallbackURL": "http://backoffice.example/hook", "Topic": "Accounts"})
    assert (response.status_code, error_text(response)) == (500, "Invalid: CallbackURL must use https.")


def test_callback_on_another_domain_than_the_redirect_uri_is_refused(api, url):
    response = api.post(url("webhooks/WebhookSubscriptions"),
                        json={"CallbackURL": "https://elsewhere.example/hook", "Topic": "Accounts"})
    assert response.status_code == 500
    assert error_text(response) == "Invalid: CallbackURL must be on the domain of the app's redirect URI."


def test_https_callback_on_the_redirect_domain_is_accepted_and_stays_unvalidated_when_unreachable(sandbox, api, url):
    sandbox.set_redirect_uri("https://backoffice.invalid/authcallback")
    response = api.post(url("webhooks/WebhookSubscriptions"),
                        json={"CallbackURL": "https://backoffice.invalid/exact/hook", "Topic": "Accounts"})
    assert response.status_code == 201
    assert validation_state(sandbox, response.json()["d"]["ID"])["validation_validated"] is False


def test_a_callback_failing_validation_gets_no_notifications(sandbox, api, url):
    failing = Receiver(status=500)
    try:
        key = subscribe(api, url, failing).json()["d"]["ID"]
        assert validation_state(sandbox, key)["validation_validated"] is False
        customer = first_customer(api, url)
        sandbox.update_record(DIVISION, "Accounts", customer["ID"], {"Name": "Renamed in Exact"})
        time.sleep(0.3)
        assert failing.bodies == [b""]
        assert sandbox.stats()["webhook_outcomes"]["Update skipped: not validated"] == 1
    finally:
        failing.server.shutdown()
        failing.server.server_close()


def test_a_name_edited_in_exact_is_notified_as_compact_json(sandbox, api, url, receiver):
    key = subscribe(api, url, receiver).json()["d"]["ID"]
    assert validation_state(sandbox, key)["validation_validated"] is True
    customer = first_customer(api, url)
    sandbox.update_record(DIVISION, "Accounts", customer["ID"], {"Name": "Renamed in Exact"})
    raw = receiver.wait_for(2)[1].decode()
    content_text = re.fullmatch(r'\{"Content":(.*),"HashCode":"[0-9A-F]{64}"\}', raw).group(1)
    assert content_text == json.dumps(json.loads(content_text), separators=(",", ":"))
    assert (json.loads(content_text)["Action"], json.loads(content_text)["Key"]) == ("Update", customer["ID"])


def test_delivery_switched_off_sends_nothing(sandbox, api, url, receiver):
    subscribe(api, url, receiver)
    receiver.wait_for(1)
    sandbox.set_limits(webhook_delivery=False)
    customer = first_customer(api, url)
    api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Assen"})
    time.sleep(0.3)
    assert receiver.bodies == [b""]
    assert sandbox.stats()["webhook_outcomes"]["Update suppressed: delivery off"] == 1


def test_only_the_subscribed_division_and_topic_are_notified(sandbox, api, url, receiver):
    subscribe(api, url, receiver, topic="Items")
    receiver.wait_for(1)
    customer = first_customer(api, url)
    api.put(url(f"crm/Accounts(guid'{customer['ID']}')"), json={"City": "Assen"})
    sandbox.create_record(100002, "Items", {"Code": "OTHERDIV", "Description": "Other division"})
    created = sandbox.create_record(DIVISION, "Items", {"Code": "THISDIV", "Description": "This division"})
    assert [(c["Topic"], c["Key"]) for c in notifications(receiver, 2)] == [("Items", created["ID"])]


def test_deleted_subscription_is_gone_and_notifies_nothing(sandbox, api, url, receiver):
    key = subscribe(api, url, receiver).json()["d"]["ID"]
    receiver.wait_for(1)
    assert api.delete(url(subscription_url(key))).status_code == 204
    assert api.get(url(subscription_url(key))).status_code == 404
    sandbox.create_record(DIVISION, "Accounts", {"Name": "After unsubscribe"})
    time.sleep(0.3)
    assert receiver.bodies == [b""]


def test_deliveries_and_their_answers_are_recorded(sandbox, api, url, receiver):
    key = subscribe(api, url, receiver).json()["d"]["ID"]
    receiver.wait_for(1)
    time.sleep(0.1)
    delivery = sandbox.control("GET", "webhooks")[-1]
    assert (delivery["kind"], delivery["subscription"], delivery["status"], delivery["body"]) == (
        "validation", key, 200, "")
    assert "seconds" in delivery and "answer" in delivery
