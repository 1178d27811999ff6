"""One push at a time per host record, across every worker process and machine.

A Redis lock (the shared Redis when REDIS_URL is set, the embedded one otherwise) keyed by the
record: two workers never push the same record at once, and edits of one record are applied in
order because a job always sends the record as it is after taking the lock. The lock expires on
its own so a killed worker cannot block a record for longer than EXACT_SYNC_LOCK_SECONDS.
"""
from contextlib import contextmanager

from flask import current_app

from exact_plugin.locks import redis_key
from jobs import get_redis


def lock_key(host_model, host_id):
    return redis_key("lock", "push", host_model, host_id)


# Seconds of a record lock kept free for the database work after the last call.
LOCK_MARGIN_SECONDS = 5


def lock_budget_seconds():
    """How long the calls of one push may take while its record lock is held."""
    return max(current_app.config["EXACT_SYNC_LOCK_SECONDS"] - LOCK_MARGIN_SECONDS, 1)


@contextmanager
def record_lock(host_model, host_id, wait=None):
    """Yield True when the record's lock was taken within `wait` seconds, else False."""
    config = current_app.config
    lock = get_redis().lock(
        lock_key(host_model, host_id), timeout=config["EXACT_SYNC_LOCK_SECONDS"],
        blocking_timeout=config["EXACT_SYNC_LOCK_WAIT_SECONDS"] if wait is None else wait)
    locked = lock.acquire()
    try:
        yield locked
    finally:
        if locked:
            try:
                lock.release()
            except Exception:  # expired meanwhile (a very slow push): nothing to release
                pass
