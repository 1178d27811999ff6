"""Locks shared by every process and machine that talks to Exact for a company.

Two layers, both used around a token refresh (DESIGN.md "Rules" 1):
- `connection_lock(connection_id)`: a Redis lock when REDIS_URL is configured (it spans
  machines and never holds a database connection while waiting); without Redis it is a no-op
  and the row lock below does the work.
- `lock_connection_row(conn, connection_id)`: locks the company's row inside the caller's
  transaction (PostgreSQL: SELECT ... FOR UPDATE; SQLite: a no-op UPDATE, which takes the
  database's write lock at once, like BEGIN IMMEDIATE), so the stored token can be re-read and
  replaced by one process at a time.
"""
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa
from flask import current_app

from exact_plugin.errors import ExactTransientError

# A refresh takes one HTTP call; a lock held longer than this belongs to a crashed process.
LOCK_TIMEOUT_SECONDS = 60
LOCK_WAIT_SECONDS = 90


def redis_key(*parts):
    """A Redis key under the plugin's prefix (EXACT_REDIS_PREFIX)."""
    return ":".join([current_app.config["EXACT_REDIS_PREFIX"], *map(str, parts)])


def shared_redis():
    """The Redis shared by all processes, or None when the app runs without REDIS_URL."""
    if not current_app.config.get("REDIS_URL"):
        return None
    from jobs import get_redis
    return get_redis()


def connection_lock(connection_id):
    redis = shared_redis()
    if redis is None:
        return nullcontext()
    return _redis_lock(redis, redis_key("lock", "token", connection_id))


@contextmanager
def _redis_lock(redis, key):
    lock = redis.lock(key, timeout=LOCK_TIMEOUT_SECONDS, blocking_timeout=LOCK_WAIT_SECONDS)
    if not lock.acquire():
        raise ExactTransientError(
            "Another process has been renewing this company's Exact Online access for more than "
            f"{LOCK_WAIT_SECONDS} seconds; try again in a minute.")
    try:
        yield
    finally:
        try:
            lock.release()
        except Exception:  # expired meanwhile: nothing left to release
            pass


def lock_connection_row(conn, connection_id):
    if conn.dialect.name == "postgresql":
        # Never wait forever behind a transaction that holds the row (e.g. an open admin form).
        conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
        conn.execute(sa.text("SELECT id FROM exact_connection WHERE id = :id FOR UPDATE"),
                     {"id": connection_id})
    else:
        conn.execute(sa.text("UPDATE exact_connection SET id = id WHERE id = :id"),
                     {"id": connection_id})
