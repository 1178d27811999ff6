"""The Outbound requests log: one row per request sent to Exact (the guide's "Outbound" tab).

Rows are written in their own transaction (or in the caller's `conn` when it already holds the
company's row lock), so a log entry survives when the caller's work is rolled back. Bodies are
kept for every call, cut to a readable size, with secrets and tokens redacted (`redact`); token
requests never keep their request body (it carries the client secret and the refresh token).
Rows older than EXACT_OUTBOUND_RETENTION_DAYS are removed by the periodic `purge_old` job.
"""
import json
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from flask import current_app

from sqlalchemy.exc import SQLAlchemyError

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin.models import OutboundRequest

log = logging.getLogger(__name__)

BODY_LIMIT = 20_000
PURGE_JOB_ID = "exact-outbound-purge"
REDACTED = "[redacted]"
# Keys whose values are credentials wherever they appear in a body (OAuth answers, forms).
SECRET_KEY = re.compile(r"(secret|token|password|authorization|^code$|assertion)", re.I)
FORM_SECRET = re.compile(
    r"((?:client_secret|refresh_token|access_token|code|password)=)[^&\s]*", re.I)


def clean_url(url):
    """The URL as logged: no user info, no fragment (Exact URLs carry no secrets in the query)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def cut(text):
    if text is None:
        return None
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "\n[cut]"


def redact(text):
    """The body with every credential replaced by "[redacted]": JSON by key, else form fields."""
    if not text:
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return FORM_SECRET.sub(r"\1" + REDACTED, text)
    return json.dumps(_redact_value(data), ensure_ascii=False)


def _redact_value(value):
    if isinstance(value, dict):
        return {key: REDACTED if SECRET_KEY.search(str(key)) and item not in (None, "")
                else _redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    return value


def record(*, connection_id, method, url, entity, status=None, duration_ms=None, rate=None,
           error=None, request_body=None, response_body=None, context=None, conn=None):
    """Write one log row. A failure to log is reported in the application log, never raised."""
    rate = rate or {}
    values = dict(
        created_at=utcnow(), connection_id=connection_id, method=method, url=clean_url(url),
        entity=entity, status=status, duration_ms=duration_ms,
        minutely_remaining=rate.get("minutely_remaining"), daily_remaining=rate.get("daily_remaining"),
        error=cut(error), request_body=cut(redact(request_body)),
        response_body=cut(redact(response_body)),
        context=(context or None) and str(context)[:200])
    statement = OutboundRequest.__table__.insert().values(**values)
    try:
        if conn is not None:
            with conn.begin_nested():  # a failed insert must not abort the caller's transaction
                conn.execute(statement)
        else:
            with db.engine.begin() as own:
                own.execute(statement)
    except SQLAlchemyError as exc:
        log.warning("Could not write the outbound request log for %s %s: %s", method,
                    values["url"], exc.__class__.__name__)


def purge_old(now=None):
    """Delete log rows older than the retention (EXACT_OUTBOUND_RETENTION_DAYS, default 90)."""
    days = current_app.config["EXACT_OUTBOUND_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    with db.engine.begin() as conn:
        deleted = conn.execute(OutboundRequest.__table__.delete().where(
            OutboundRequest.created_at < cutoff)).rowcount
    return f"removed {deleted} outbound request(s) older than {days} days"


def purge_job():
    from exact_plugin.job_app import app_context
    with app_context():
        return purge_old()


def init_app(app):
    from jobs import register_periodic_job
    register_periodic_job(app, PURGE_JOB_ID, purge_job, cron="41 2 * * *")
