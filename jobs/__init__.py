"""Background jobs on RQ: the queue factory, enqueueing, periodic jobs and the worker entry.

Public API used by the host and plugins:
- `get_redis()`: the Redis connection (real Redis when REDIS_URL is set, else the embedded one)
- `get_queue(name="default")`
- `enqueue(func, *args, job_id=None, unique=False, queue="default", **rq_options)`
- `register_periodic_job(app, job_id, func, interval=None, cron=None, kwargs=None)`
"""
from jobs.queues import enqueue, get_queue, get_redis  # noqa: F401
from jobs.schedule import register_periodic_job  # noqa: F401


def init_app(app):
    from jobs import queues, schedule
    queues.init_app(app)
    schedule.init_app(app)
