"""Background jobs on RQ: the queue factory, enqueueing, periodic jobs and the worker entry.

Public API used by the host and plugins:
- `get_redis()`: the Redis connection (real Redis when REDIS_URL is set, else the embedded one)
- `get_queue(name="default")`
- `enqueue(func, *args, job_id=None, unique=False, queue="default", **rq_options)`
- `register_periodic_job(app, job_id, func, interval=None, cron=None, kwargs=None)`

Modes, workers and the dashboard: jobs/queues.py, jobs/worker.py, jobs/dashboard.py and
docs/operations.md.
"""
from jobs.queues import enqueue, get_queue, get_redis  # noqa: F401
from jobs.schedule import register_periodic_job  # noqa: F401


def init_app(app):
    from backoffice import hooks
    from jobs import dashboard, health, logs, queues, schedule, worker
    logs.install_job_id_stamp()
    queues.init_app(app)
    schedule.init_app(app)
    dashboard.init_app(app)
    hooks.register_banner_source(app, health.redis_banner)
    app.cli.add_command(worker.worker_command)
    worker.start_embedded_worker_with_web_app(app)
