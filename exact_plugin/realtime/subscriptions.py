"""A company's webhook subscriptions in Exact: created on connect, deleted on disconnect,
listed on the company page, repaired by Re-subscribe (issue 15).

Exact allows create and delete, never update (reference §8): re-subscribing deletes our
subscriptions and creates them again. The topics are those the entity registry declares
(`webhook_topic`). Exact validates a new subscription with an empty POST to the callback about
a second later; Exact shows no validation state in its API, so the company page shows what
the receiver saw: the last validation POST and the last notification received.
"""
from flask import current_app, has_request_context, request
from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import entities
from exact_plugin.errors import ExactError
from exact_plugin.realtime.models import (SUB_ACTIVE, SUB_FAILED, InboundRequest,
                                          WebhookSubscription)

ENDPOINT = "webhooks/WebhookSubscriptions"
FIELDS = ("ID", "CallbackURL", "Topic")
NO_SECRET = ("Enter the app's webhook secret (Exact's App Centre) on this page and save, then "
             "click Re-subscribe: without it notifications cannot be verified.")


def topics():
    """Every topic the registry declares, sorted."""
    return sorted({spec.webhook_topic for spec in entities.all_entities().values()
                   if spec.webhook_topic})


def callback_url(company):
    """The company's receiver URL on the app's redirect-URI host (Exact requires the same
    domain, reference §8): EXTERNAL_URL, else this request's host."""
    from exact_plugin.realtime.receiver import RECEIVER_PATH
    external = current_app.config.get("EXTERNAL_URL")
    base = external.rstrip("/") if external else (
        request.host_url.rstrip("/") if has_request_context() else None)
    if base is None:
        return None
    return base + RECEIVER_PATH.replace("<token>", company.ensure_webhook_token())


def subscribe(company):
    """(Re)create the company's subscriptions; returns a sentence for the admin."""
    from exact_plugin.client import ExactClient
    if not company.webhook_secret:
        return NO_SECRET
    url = callback_url(company)
    db.session.commit()
    client = ExactClient.for_connection(company, context="webhook subscriptions")
    _delete_ours(client, company, url)
    # Rows carry the time subscribing began: Exact's validation POSTs may come back before the
    # row is stored, and each must count for it.
    started = utcnow()
    failed = []
    for topic in topics():
        row = _row(company, topic)
        try:
            created = client.create(ENDPOINT, {"CallbackURL": url, "Topic": topic,
                                               "Description": f"Back office: {company.name}"})
            row.exact_id, row.state, row.message = created.get("ID"), SUB_ACTIVE, None
        except ExactError as error:
            row.exact_id, row.state, row.message = None, SUB_FAILED, error.message
            failed.append(f"{topic}: {error.message}")
        row.callback_url, row.updated_at = url, started
        db.session.commit()
    if failed:
        return ("Some webhook subscriptions were refused by Exact Online; changes of those "
                "still arrive through the periodic import. " + " ".join(failed))
    return (f"Subscribed to {', '.join(topics())}: Exact Online validates the address within "
            "a few seconds, then sends changes as they happen.")


def _delete_ours(client, company, url):
    """Delete this company's subscriptions in Exact: those we stored and any other one Exact
    lists for our callback URL."""
    keys = {row.exact_id for row in rows_of(company) if row.exact_id}
    keys |= {row.get("ID") for row in client.iter_rows(ENDPOINT, select=FIELDS)
             if row.get("CallbackURL") == url}
    for key in sorted(key for key in keys if key):
        try:
            client.delete(ENDPOINT, key)
        except ExactError as error:
            if getattr(error, "status", None) != 404:
                raise


def unsubscribe(company):
    """Delete the company's subscriptions in Exact (on disconnect); returns a sentence or None.
    What cannot be deleted stays listed with the reason."""
    from exact_plugin.client import ExactClient
    rows = rows_of(company)
    if not rows:
        return None
    problems = []
    try:
        client = ExactClient.for_connection(company, context="webhook subscriptions")
    except ExactError as error:
        return f"The webhook subscriptions could not be deleted in Exact Online: {error.message}"
    for row in rows:
        try:
            if row.exact_id:
                client.delete(ENDPOINT, row.exact_id)
            db.session.delete(row)
        except ExactError as error:
            if getattr(error, "status", None) == 404:
                db.session.delete(row)
                continue
            row.message = f"Could not be deleted in Exact Online: {error.message}"
            problems.append(f"{row.topic}: {error.message}")
        db.session.commit()
    if problems:
        return ("Some webhook subscriptions could not be deleted in Exact Online; delete them "
                "there or click Re-subscribe once reconnected. " + " ".join(problems))
    return "The webhook subscriptions were deleted in Exact Online."


def rows_of(company):
    return db.session.execute(select(WebhookSubscription).where(
        WebhookSubscription.connection_id == company.id)
        .order_by(WebhookSubscription.topic)).scalars().all()


def _row(company, topic):
    row = db.session.execute(select(WebhookSubscription).filter_by(
        connection_id=company.id, topic=topic)).scalar_one_or_none()
    if row is None:
        row = WebhookSubscription(connection_id=company.id, topic=topic, state=SUB_FAILED)
        db.session.add(row)
    return row


def status(company):
    """What the company page shows: the rows, the last validation and notification, and
    whether webhooks are healthy (every topic subscribed, validated after the last change)."""
    rows = rows_of(company)

    def last(outcome):
        return db.session.execute(select(InboundRequest.created_at).where(
            InboundRequest.connection_id == company.id, InboundRequest.outcome == outcome)
            .order_by(InboundRequest.id.desc()).limit(1)).scalar()

    validated_at, notified_at = last("validation"), last("accepted")
    since = min((row.updated_at for row in rows), default=None)
    validations = db.session.execute(select(func.count()).where(
        InboundRequest.connection_id == company.id, InboundRequest.outcome == "validation",
        InboundRequest.created_at >= since)).scalar() if since else 0
    # Healthy: every declared topic subscribed, and one validation POST received for each
    # since they were made (Exact shows no validation state, reference §8).
    healthy = bool(rows) and all(row.state == SUB_ACTIVE for row in rows) and \
        {row.topic for row in rows} >= set(topics()) and validations >= len(rows)
    return {"rows": rows, "validated_at": validated_at, "notified_at": notified_at,
            "healthy": healthy, "receiver_url": _receiver_url(company), "topics": topics()}


def _receiver_url(company):
    if not company.webhook_token or not (has_request_context()
                                         or current_app.config.get("EXTERNAL_URL")):
        return None
    return callback_url(company)


def healthy(company_id):
    from exact_plugin.models import ExactConnection
    company = db.session.get(ExactConnection, company_id)
    return company is not None and status(company)["healthy"]


# The periodic import stays as the safety net; while webhooks are healthy it runs this seldom.
SAFETY_NET_WHEN_HEALTHY = 4 * 60 * 60


def import_due(connection, spec, last_finished_at):
    """Whether the periodic import should read `spec` for this company now."""
    from datetime import timedelta
    if not spec.webhook_topic or last_finished_at is None or not status(connection)["healthy"]:
        return True
    return utcnow() - last_finished_at >= timedelta(seconds=SAFETY_NET_WHEN_HEALTHY)
