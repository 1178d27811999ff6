"""The webhook receiver: POST /exact/webhooks/<token>, one URL per company (issue 15).

The token is random per company, so the URL does not reveal the company id. The receiver
needs no login and no CSRF token (Exact cannot have either) but trusts nothing it is sent:

- an empty POST is Exact's validation of a new subscription: answered 200 (reference §8);
- otherwise the raw body must be `{"Content":...,"HashCode":"..."}` and HashCode the uppercase
  hex HMAC-SHA256 of the raw Content text with the company's webhook secret (reference §8,
  picqer `Authenticatable.php`), compared in constant time;
- the Content must be for this company's division and app (client ID);
- replays are refused: a HashCode already received for this company, or an event older than
  the newest one already accepted for the same record (its fetch reads the newer state anyway);
- a caller sending more than EXACT_WEBHOOK_RATE_PER_MINUTE requests a minute is refused (429).

Every request leaves a row in the inbound log saying what happened. The answer is quick: the
work (fetching the record) is a job (realtime/jobs.py).
"""
import hashlib
import hmac
import json
import logging
import re
import time

from flask import Blueprint, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.db import db
from exact_plugin.models import ExactConnection
from exact_plugin.realtime.models import InboundRequest, WebhookEvent

log = logging.getLogger(__name__)
RECEIVER_PATH = "/exact/webhooks/<token>"
# Exact: the body is compact JSON, Content first, HashCode last (reference §8, picqer
# Authenticatable.php's regex).
BODY = re.compile(r'^\{"Content":(.*),"HashCode":"([^"]*)"\}$', re.DOTALL)
HEX64 = re.compile(r"^[0-9A-F]{64}$")
KEPT_BODY = 2000


def create_blueprint():
    blueprint = Blueprint("exact_webhooks", __name__)
    blueprint.add_url_rule(RECEIVER_PATH, "receive", receive, methods=["POST"])
    from backoffice.auth import csrf
    csrf.exempt(blueprint)
    return blueprint


def signature(content_text, secret):
    return hmac.new(secret.encode(), content_text.encode(), hashlib.sha256).hexdigest().upper()


class Refused(Exception):
    def __init__(self, status, message, content=None):
        super().__init__(message)
        self.status, self.message, self.content = status, message, content or {}


def receive(token):
    raw = request.get_data(cache=False, as_text=False)
    company = db.session.execute(select(ExactConnection).where(
        ExactConnection.webhook_token == token)).scalar_one_or_none() if token else None
    try:
        _within_rate(token if company else f"ip:{request.remote_addr}")
        if company is None:
            raise Refused(403, "No Exact Online company has this webhook address (an old or "
                               "made-up URL). If Exact still posts here, click Re-subscribe "
                               "on the company's page.")
        if not raw:
            return _answer(company, 200, "validation",
                           "Exact's validation of a new subscription: answered 200.")
        content = _verified_content(company, raw)
        event = _accept(company, content)
    except Refused as refusal:
        db.session.rollback()
        return _answer(company, refusal.status, "refused", refusal.message, refusal.content, raw)
    from exact_plugin.realtime import jobs
    try:
        jobs.schedule(company.id)
    except Exception as exc:   # Redis down: the event is stored; the minute sweep queues it
        log.warning("Could not queue the webhook job of company %s (%s); the sweep will.",
                    company.id, exc.__class__.__name__)
    return _answer(company, 200, "accepted", f"{event.action} {event.topic} {event.exact_key}: "
                   "queued for fetching.", content)


def _verified_content(company, raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "Refused: the body is not UTF-8 text.")
    match = BODY.match(text)
    if not match:
        raise Refused(400, "Refused: the body is not an Exact notification "
                           '({"Content":...,"HashCode":"..."}).')
    content_text, hash_code = match.groups()
    if not company.webhook_secret:
        raise Refused(403, "Refused: no webhook secret is saved for this company, so the "
                           "notification cannot be verified. Enter the app's webhook secret "
                           "(Exact's App Centre) on the company's page.")
    if not hash_code:
        raise Refused(401, "Refused: the notification has no HashCode (signature).")
    # Constant time: the comparison must not tell a caller how much of a guess was right.
    if not hmac.compare_digest(signature(content_text, company.webhook_secret).encode(),
                               hash_code.encode()):
        raise Refused(401, "Refused: the HashCode does not match the webhook secret saved "
                           "for this company (a forged notification, or the secret was "
                           "changed in Exact's App Centre: enter the new one).")
    try:
        content = json.loads(content_text)
    except ValueError:
        raise Refused(400, "Refused: the signed Content is not JSON.")
    if not isinstance(content, dict):
        raise Refused(400, "Refused: the signed Content is not a JSON object.")
    try:
        division = int(content.get("Division"))
    except (TypeError, ValueError):
        division = None
    if division != company.division or not _same_client(content.get("ClientId"),
                                                         company.client_id):
        raise Refused(403, f"Refused: the notification is for Exact company {division} "
                           f"(app {content.get('ClientId')}), not this company's "
                           f"{company.division}.", content)
    for name in ("Topic", "Action", "Key"):
        if not isinstance(content.get(name), str) or not content[name].strip():
            raise Refused(400, f"Refused: the notification has no {name}.", content)
    content["_hash"] = hash_code
    return content


def _same_client(sent, ours):
    def plain(value):
        return str(value or "").strip().strip("{}").lower()
    return plain(sent) == plain(ours)


def _accept(company, content):
    key = content["Key"].strip().strip("{}").lower()
    created_on = str(content.get("EventCreatedOn") or "")[:40] or None
    newest = db.session.execute(select(WebhookEvent.event_created_on).where(
        WebhookEvent.connection_id == company.id, WebhookEvent.exact_key == key,
        WebhookEvent.event_created_on.is_not(None)).order_by(
        WebhookEvent.event_created_on.desc()).limit(1)).scalar()
    # ISO 8601 UTC texts of one format sort like the times they hold (reference §8: the format
    # is unverified; a text we cannot compare is never called old).
    if created_on and newest and _comparable(created_on, newest) and created_on < newest:
        raise Refused(409, f"Refused as a replay: this event ({created_on}) is older than one "
                           f"already received for the same record ({newest}).", content)
    event = WebhookEvent(connection_id=company.id, topic=content["Topic"][:40],
                         action=content["Action"][:20], exact_key=key,
                         event_created_on=created_on, hash_code=content["_hash"])
    db.session.add(event)
    try:
        db.session.commit()
    except IntegrityError:
        raise Refused(409, "Refused as a replay: this notification (same HashCode) was already "
                           "received.", content)
    return event


def _comparable(first, second):
    return len(first) == len(second) and first[:2] == second[:2] == "20"


def _within_rate(caller):
    """A fixed one-minute window per caller in Redis; without Redis nothing is counted."""
    limit = current_app.config["EXACT_WEBHOOK_RATE_PER_MINUTE"]
    try:
        import jobs
        redis = jobs.get_redis()
        key = f"{current_app.config['EXACT_REDIS_PREFIX']}:webhook-rate:{caller}:" \
              f"{int(time.time() // 60)}"
        count = redis.incr(key)
        if count == 1:
            redis.expire(key, 120)
    except Exception:   # Redis down: the receiver still verifies every request
        return
    if count > limit:
        raise Refused(429, f"Refused: more than {limit} requests a minute to this receiver.")


def _answer(company, status, outcome, message, content=None, raw=None):
    content = content or {}
    db.session.add(InboundRequest(
        connection_id=company.id if company else None, status=status, outcome=outcome,
        topic=str(content.get("Topic") or "")[:40] or None,
        action=str(content.get("Action") or "")[:20] or None,
        exact_key=str(content.get("Key") or "")[:36] or None, message=message,
        remote_addr=(request.remote_addr or "")[:64],
        body=raw.decode("utf-8", "replace")[:KEPT_BODY] if raw and outcome == "refused" else None))
    db.session.commit()
    return current_app.response_class(json.dumps({"outcome": outcome, "message": message}),
                                      status=status, mimetype="application/json")
