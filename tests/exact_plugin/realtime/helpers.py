"""Helpers of the real-time tests: a company whose webhook secret is saved, notifications
signed the way Exact signs them (the sandbox's own signer, an independent implementation),
and counts of what reached the sandbox."""
import datetime as dt

from sqlalchemy import func, select

from backoffice.db import db
from exact_plugin.realtime.models import InboundRequest, WebhookEvent
from exact_sandbox.webhooks import notification_body


def with_webhook_secret(company, sandbox):
    company.webhook_secret = sandbox.webhook_secret
    company.ensure_webhook_token()
    db.session.commit()
    return company


def receiver_url(company):
    return f"/exact/webhooks/{company.webhook_token}"


def event_time(offset_seconds=0.0):
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def notification(company, key, action="Update", topic="Accounts", secret=None,
                 division=None, created_on=None, client_id=None, base_url="https://x"):
    path = {"Accounts": "crm/Accounts", "Items": "logistics/Items"}.get(topic, topic)
    division = division or company.division
    content = {"Topic": topic, "ClientId": client_id or company.client_id, "Division": division,
               "Action": action, "Key": key,
               "ExactOnlineEndpoint": f"{base_url}/api/v1/{division}/{path}(guid'{key}')",
               "EventCreatedOn": created_on or event_time()}
    return notification_body(content, secret or company.webhook_secret)


def post(client, company, body, token=None):
    return client.post(f"/exact/webhooks/{token or company.webhook_token}", data=body,
                       content_type="application/json")


def inbound(outcome=None):
    query = select(InboundRequest).order_by(InboundRequest.id)
    if outcome:
        query = query.where(InboundRequest.outcome == outcome)
    return db.session.execute(query).scalars().all()


def events(state=None):
    query = select(func.count()).select_from(WebhookEvent)
    if state:
        query = query.where(WebhookEvent.state == state)
    return db.session.execute(query).scalar()


def record_gets(company):
    """Single-record GETs (`Entity(guid'...')`) this company sent to Exact (the outbound log)."""
    from exact_plugin.models import OutboundRequest
    return db.session.execute(select(func.count()).where(
        OutboundRequest.connection_id == company.id, OutboundRequest.method == "GET",
        OutboundRequest.url.contains("(guid"))).scalar()
