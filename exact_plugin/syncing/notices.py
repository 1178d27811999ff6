"""The guide's "messages for each successful sync".

When a company has success messages on, each successful sync says so, naming the record and
its Exact number: as a flash when the push ran inside the admin's request, otherwise through a
short list in Redis that the admin pages show once (a banner source, backoffice/hooks.py).
"""
import json
import logging

from flask import flash, has_request_context
from markupsafe import Markup, escape

from exact_plugin.locks import redis_key
from jobs import get_redis

log = logging.getLogger(__name__)

NOTICE_LIMIT = 50


def notices_key():
    return redis_key("sync", "notices")


def success_text(spec, record, binding):
    number = getattr(binding, spec.number_attribute)
    label = f"{spec.label} {record}"
    where = binding.connection.name
    return (f"{label} synced to Exact Online ({where}), Exact number {number}." if number
            else f"{label} synced to Exact Online ({where}).")


def sync_succeeded(company, spec, record, binding):
    if not company.success_messages:
        return
    text = success_text(spec, record, binding)
    if has_request_context():
        flash(text, "success")
        return
    try:
        redis = get_redis()
        redis.lpush(notices_key(), json.dumps(text))
        redis.ltrim(notices_key(), 0, NOTICE_LIMIT - 1)
    except Exception as exc:  # a lost notice must not fail a sync that succeeded
        log.warning("Could not store the sync message (%s)", exc.__class__.__name__)


def pending_banners():
    """Banner source: the stored success messages, shown once, oldest first."""
    try:
        redis = get_redis()
        pipe = redis.pipeline()
        pipe.lrange(notices_key(), 0, -1)
        pipe.delete(notices_key())
        texts, _ = pipe.execute()
    except Exception:
        return []
    return [("success", Markup(escape(json.loads(text)))) for text in reversed(texts)]
