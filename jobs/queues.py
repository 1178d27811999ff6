"""The queue factory: real Redis when REDIS_URL is set, otherwise an embedded in-process Redis.

Three modes, decided per application:

- **Redis** (REDIS_URL set): jobs go to the Redis server; `flask --app app worker` processes run
  them, on any number of machines.
- **Embedded** (no REDIS_URL, the `make run` default): one fake Redis server per process
  (fakeredis, every connection of the process shares it) and a worker thread started with the web
  app (jobs/worker.py). No service to install; jobs live only as long as the process.
- **Inline** (JOBS_ASYNC=False, the default under TESTING, and any process without a worker
  thread in embedded mode, such as a CLI command): `enqueue` runs the job at once, in the
  caller's app context, and returns the finished (or failed) job.
"""
import logging
import re
import threading

from flask import current_app
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

# Queues a worker listens to by default, in priority order. `enqueue` refuses other names,
# so a job can never wait forever on a queue no worker reads.
DEFAULT_QUEUES = ("high", "default", "low")
# RQ >= 2.8 accepts only these characters in a job id (shared ecosystem-notes.md §3.1).
JOB_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
# A job with one of these statuses still has to run: a unique enqueue is then a duplicate.
PENDING_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# Seconds to wait for a connection to Redis (no read timeout: workers block on the queue).
REDIS_CONNECT_TIMEOUT = 2

log = logging.getLogger(__name__)
_embedded_server = None
_embedded_server_lock = threading.Lock()


def init_app(app):
    app.extensions["jobs"] = {"redis": None, "embedded_worker": None}


def embedded_server():
    """The process-wide fake Redis server shared by every embedded connection of the process."""
    global _embedded_server
    with _embedded_server_lock:
        if _embedded_server is None:
            try:
                import fakeredis
            except ImportError as error:
                raise RuntimeError("REDIS_URL is not set and the embedded queue is not installed: "
                                   "set REDIS_URL (production) or install '.[embedded]'.") from error
            _embedded_server = fakeredis.FakeServer()
        return _embedded_server


def is_embedded(app=None):
    return not (app or current_app).config.get("REDIS_URL")


def get_redis(app=None):
    """The Redis connection of `app`: the real server, or the process's embedded one."""
    app = app or current_app
    state = app.extensions["jobs"]
    if state["redis"] is None:
        if is_embedded(app):
            import fakeredis
            state["redis"] = fakeredis.FakeRedis(server=embedded_server())
        else:
            import redis
            # A Redis that is down must fail fast, not hang the page or the save asking it.
            state["redis"] = redis.Redis.from_url(app.config["REDIS_URL"],
                                                  health_check_interval=30,
                                                  socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
    return state["redis"]


def queue_names(app=None):
    """The queues workers listen to, highest priority first (JOBS_QUEUES overrides)."""
    return list((app or current_app).config.get("JOBS_QUEUES") or DEFAULT_QUEUES)


def jobs_async(app):
    """The JOBS_ASYNC setting: background jobs unless False; by default off under TESTING."""
    run_async = app.config.get("JOBS_ASYNC")
    return not app.testing if run_async is None else bool(run_async)


def jobs_run_inline(app=None):
    """True when `enqueue` should run jobs at once instead of handing them to a worker."""
    app = app or current_app
    if not jobs_async(app):
        return True
    # Embedded mode: only the web process runs a worker thread; elsewhere (a CLI command)
    # nobody would ever pick the job up, so it runs inline.
    return is_embedded(app) and app.extensions["jobs"]["embedded_worker"] is None


class AppQueue(Queue):
    """A queue whose inline jobs run like a worker's: in their own app context and session.

    So an inline job sees only committed data and commits on its own, exactly as it would in a
    worker, and it may be enqueued from an `after_commit` hook (where the caller's session can
    no longer run SQL). Enqueue after committing: with PostgreSQL, an inline job waits for row
    locks its caller still holds.
    """

    app = None

    def run_job(self, job):
        with self.app.app_context():
            return super().run_job(job)

    def run_sync(self, job):
        job = super().run_sync(job)
        if job.get_status(refresh=False) == "failed":
            result = job.latest_result()
            log.error("Job %s failed: %s", job.id,
                      result.exc_string if result is not None else "no error recorded")
        return job


def get_queue(name="default", app=None):
    app = app or current_app._get_current_object()
    if name not in queue_names(app):
        raise ValueError(f"No worker listens to the queue {name!r}; "
                         f"use one of {', '.join(queue_names(app))}.")
    queue = AppQueue(name, connection=get_redis(app), is_async=not jobs_run_inline(app))
    queue.app = app
    return queue


def check_job_id(job_id):
    if job_id is not None and not JOB_ID_PATTERN.match(job_id):
        raise ValueError(f"Job id {job_id!r} may only contain letters, digits, '_' and '-'.")


def enqueue(func, *args, job_id=None, unique=False, queue="default", app=None, **rq_options):
    """Queue `func(*args, **kwargs)` and return the RQ job.

    `func` is a module-level function (or its dotted path) taking ids, never ORM objects.
    `job_id`: letters, digits, '_' and '-' only. With `unique=True` (needs `job_id`) a job with
    that id that is still queued, scheduled or running is not queued again: `None` is returned.
    A finished or failed job with that id is replaced. Other keyword arguments go to RQ
    (`kwargs=`, `job_timeout=`, `retry=`, `result_ttl=`, ...); a keyword argument of `func`
    itself must be passed in `kwargs={...}`.
    """
    check_job_id(job_id)
    if unique and job_id is None:
        raise ValueError("unique=True needs a job_id to recognise the duplicate by.")
    target = get_queue(queue, app)
    if unique and not _clear_finished_job(target, job_id):
        return None
    try:
        return target.enqueue(func, *args, job_id=job_id, unique=unique, **rq_options)
    except DuplicateJobError:
        # Another process queued the same job between our check and our enqueue.
        return None


def _clear_finished_job(queue, job_id):
    """Delete a finished job with this id so it can run again; False when one is pending.

    RQ's `unique` also refuses ids of finished jobs still kept for their result (result_ttl),
    which would silently drop a legitimate new run (shared ecosystem-notes.md §3.1).
    """
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return True
    if job.get_status(refresh=False) == JobStatus.STARTED:
        # A worker killed mid-job leaves it "started" for good; once its heartbeat has
        # expired, RQ's cleanup marks it failed (or retries it), so it no longer blocks a rerun.
        Queue(job.origin, connection=queue.connection).started_job_registry.cleanup()
    if job.get_status(refresh=True) in PENDING_STATUSES:
        return False
    job.delete()
    return True
