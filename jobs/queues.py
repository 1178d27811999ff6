"""Queue factory: real Redis when REDIS_URL is set, otherwise an embedded in-process Redis."""
from flask import current_app
from rq import Queue


def init_app(app):
    app.extensions["jobs"] = {"redis": None}


def get_redis(app=None):
    app = app or current_app
    state = app.extensions["jobs"]
    if state["redis"] is None:
        url = app.config.get("REDIS_URL")
        if url:
            import redis
            state["redis"] = redis.Redis.from_url(url)
        else:
            import fakeredis
            state["redis"] = fakeredis.FakeRedis()
    return state["redis"]


def get_queue(name="default", app=None):
    app = app or current_app
    return Queue(name, connection=get_redis(app),
                 is_async=app.config.get("JOBS_ASYNC", bool(app.config.get("REDIS_URL"))))


def enqueue(func, *args, job_id=None, unique=False, queue="default", **options):
    return get_queue(queue).enqueue(func, *args, job_id=job_id, unique=unique, **options)
