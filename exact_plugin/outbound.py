"""The Outbound requests log: one row per request sent to Exact (the guide's "Outbound" tab).

Rows are written in their own transaction (or in the caller's `conn` when it already holds the
company's row lock), so a log entry survives when the caller's work is rolled back. Bodies are
kept only for failures, cut to a readable size; token requests never keep their request body
(it carries the client secret and the refresh token).
"""
import logging
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.exc import SQLAlchemyError

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin.models import OutboundRequest

log = logging.getLogger(__name__)

BODY_LIMIT = 20_000


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


def record(*, connection_id, method, url, entity, status=None, duration_ms=None, rate=None,
           error=None, request_body=None, response_body=None, context=None, conn=None):
    """Write one log row. A failure to log is reported in the application log, never raised."""
    rate = rate or {}
    failed = error is not None
    values = dict(
        created_at=utcnow(), connection_id=connection_id, method=method, url=clean_url(url),
        entity=entity, status=status, duration_ms=duration_ms,
        minutely_remaining=rate.get("minutely_remaining"), daily_remaining=rate.get("daily_remaining"),
        error=cut(error), request_body=cut(request_body) if failed else None,
        response_body=cut(response_body) if failed else None,
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
