"""Whether background jobs can run now: does the jobs' Redis answer?

The admin pages need no Redis to render or to save, so with Redis down they keep working; they
show a banner instead, and a save says that the work it starts waits. Nothing is lost meanwhile:
plugins enqueue after the commit and swallow Redis errors, leaving the work in their own outbox
for the periodic relay (exact_plugin/syncing/outbox.py).
"""
import logging

from flask import current_app, has_request_context, request
from redis.exceptions import RedisError

from jobs.queues import get_redis, is_embedded

log = logging.getLogger(__name__)
# One ping per request, however many times a page asks (banner, save message).
_REQUEST_KEY = "jobs.redis_problem"
JOBS_UNAVAILABLE = ("Background jobs are unavailable: Redis does not answer at {where}. Changes "
                    "are still saved; the work they start waits and runs once Redis answers "
                    "again.")
SAVED_WHILE_DOWN = ("Saved. Background jobs are unavailable (Redis does not answer at {where}), "
                    "so the work this change starts waits until Redis answers again.")


def redis_problem(app=None):
    """None when jobs can be queued (or run in-process), else where Redis does not answer."""
    app = app or current_app
    if is_embedded(app):
        return None
    if has_request_context() and _REQUEST_KEY in request.environ:
        return request.environ[_REQUEST_KEY]
    problem = None
    try:
        get_redis(app).ping()
    except RedisError as error:
        problem = redis_address(app)
        log.warning("Redis does not answer at %s: %s", problem, error)
    if has_request_context():
        request.environ[_REQUEST_KEY] = problem
    return problem


def redis_address(app=None):
    """host:port (or socket path) of the jobs' Redis, without the password of its URL."""
    kwargs = get_redis(app).connection_pool.connection_kwargs
    return kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"


def redis_banner():
    """Banner source (backoffice.hooks): a warning on every admin page while Redis is down."""
    where = redis_problem()
    return [("warning", JOBS_UNAVAILABLE.format(where=where))] if where else []


def saved_while_down_message():
    """What a save says while Redis is down, or None when it is up."""
    where = redis_problem()
    return SAVED_WHILE_DOWN.format(where=where) if where else None
