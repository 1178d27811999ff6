"""Workers that run jobs inside the application: the `worker` command and the embedded thread.

- `flask --app app worker [--burst] [--queues NAME ...]`: an RQ worker process on the Redis of
  REDIS_URL. It forks a work horse per job (RQ's default), runs each job inside
  `app.app_context()`, runs RQ's scheduler (`with_scheduler=True`: retries with intervals,
  `enqueue_in`/`enqueue_at`) and, unless `--burst`, the periodic jobs (jobs/schedule.py).
- The embedded worker (no REDIS_URL, `make run`): the same worker as a thread of the web
  process, on the process's fake Redis, started by the first request. It moves due scheduled
  jobs itself, because RQ's scheduler runs in a forked process that cannot see an in-process
  fake Redis (shared ecosystem-notes.md §3.1).

Both tick the clock from RQ's heartbeat, which the work loop calls every `clock_seconds` while
idle and between jobs, so no extra thread runs in a process that forks.
"""
import logging
import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty

from backoffice.db import db
from jobs.logs import configure_worker_logging
from jobs.queues import get_redis, is_embedded, jobs_async, queue_names
from jobs.schedule import enqueue_due_periodic_jobs

log = logging.getLogger(__name__)
_embedded_start_lock = threading.Lock()


class Clock:
    """Once a second at most: enqueue due periodic jobs (and, embedded, due scheduled jobs)."""

    def __init__(self, app, queues, move_scheduled_jobs=False, run_periodic_jobs=True):
        self.app = app
        self.run_periodic_jobs = run_periodic_jobs
        self.scheduler = None
        if move_scheduled_jobs:
            self.scheduler = RQScheduler(queues, connection=get_redis(app))
            # Use our connection: RQ would build a new one from its parameters.
            self.scheduler._connection = get_redis(app)
        self._last_tick = 0.0

    def tick(self):
        now = time.time()
        if now - self._last_tick < 1:
            return
        self._last_tick = now
        try:
            with self.app.app_context():
                self._move_scheduled_jobs()
                if self.run_periodic_jobs:
                    enqueue_due_periodic_jobs(self.app, now)
        except Exception:  # the clock must survive a Redis hiccup or a bad periodic job
            log.exception("The job clock failed; it will try again in a second.")

    def _move_scheduled_jobs(self):
        if self.scheduler is None:
            return
        # The scheduler's lock makes a single mover per queue, as with RQ's own process.
        if self.scheduler.acquire_locks():
            self.scheduler.enqueue_scheduled_jobs()


class AppWorkerMixin:
    """Runs each job inside the app context and ticks the clock between jobs."""

    clock_seconds = 5
    # RQ cleans its registries every 10 minutes by default; a job whose worker was killed
    # stays "started" until then. Once a minute gets it failed or retried sooner.
    maintenance_seconds = 60

    def __init__(self, *args, app, clock=None, **kwargs):
        kwargs.setdefault("maintenance_interval", self.maintenance_seconds)
        super().__init__(*args, **kwargs)
        self.app = app
        self.clock = clock
        self._stop_event = threading.Event()

    @property
    def dequeue_timeout(self):
        # RQ waits worker_ttl - 15 s (405 s) on an idle queue; the clock needs a shorter beat.
        return self.clock_seconds

    def heartbeat(self, *args, **kwargs):
        super().heartbeat(*args, **kwargs)
        if self._stop_event.is_set() and self.get_state() != "busy":
            raise StopRequested()
        if self.clock is not None and not self.is_horse:
            self.clock.tick()

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)

    def stop_soon(self):
        """Ask the work loop to stop at its next beat (used for the embedded thread)."""
        self._stop_event.set()


class AppWorker(AppWorkerMixin, Worker):
    """The worker process: forks a work horse per job."""

    def main_work_horse(self, job, queue):
        # Pooled database connections must not be shared with the parent after fork()
        # (SQLAlchemy "Using Connection Pools with Multiprocessing or os.fork()").
        with self.app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        super().main_work_horse(job, queue)


class EmbeddedWorker(AppWorkerMixin, SimpleWorker):
    """The worker thread of the web process in embedded mode."""

    clock_seconds = 1
    # RQ's default job timeout uses SIGALRM, which only the main thread may set.
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        # Signal handlers can only be installed in the main thread; the web server owns them.
        pass

    def procline(self, message):
        # Do not rename the web server's process after the worker's state.
        pass


def start_embedded_worker(app):
    """Start the worker thread of this process (embedded mode), once; returns the worker."""
    state = app.extensions["jobs"]
    with _embedded_start_lock:
        running = state["embedded_worker"]
        if running is not None and running.thread.is_alive():
            return running
        if running is not None:
            log.warning("The embedded job worker had stopped; starting a new one.")
        # Before RQ's objects exist: they add their own log handlers when they find none.
        configure_worker_logging()
        names = queue_names(app)
        clock = Clock(app, names, move_scheduled_jobs=True)
        worker = EmbeddedWorker(names, connection=get_redis(app), app=app, clock=clock)
        thread = threading.Thread(target=worker.work, daemon=True, name="embedded-job-worker",
                                  kwargs={"with_scheduler": False, "logging_level": "INFO"})
        worker.thread = thread
        state["embedded_worker"] = worker
        thread.start()
        return worker


def stop_embedded_worker(app, timeout=10):
    """Stop this process's worker thread after its current job (tests, shutdown)."""
    worker = app.extensions["jobs"].get("embedded_worker")
    if worker is None:
        return
    worker.stop_soon()
    worker.thread.join(timeout)
    app.extensions["jobs"]["embedded_worker"] = None


def start_embedded_worker_with_web_app(app):
    """Start the embedded worker with the first request (and again should its thread die)."""
    if not is_embedded(app) or not jobs_async(app):
        return

    @app.before_request
    def _keep_embedded_worker_running():
        worker = app.extensions["jobs"]["embedded_worker"]
        if worker is None or not worker.thread.is_alive():
            start_embedded_worker(app)


def _parse_queue_names(values, app):
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    known = queue_names(app)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.UsageError(f"Unknown queue(s): {', '.join(unknown)}. "
                               f"Known queues: {', '.join(known)}.")
    return names or known


def _redis_location(app):
    """REDIS_URL without its password, for messages."""
    from urllib.parse import urlsplit
    parts = urlsplit(app.config["REDIS_URL"])
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


@click.command("worker")
@click.option("--burst", is_flag=True,
              help="Run the jobs that are queued, then exit (no periodic jobs).")
@click.option("--queues", "-q", multiple=True, metavar="NAME",
              help="Queue(s) to listen to, highest priority first (repeat or comma-separate). "
                   "Default: all queues.")
@with_appcontext
def worker_command(burst, queues):
    """Run background jobs from Redis (REDIS_URL), with the scheduler and periodic jobs."""
    app = current_app._get_current_object()
    if is_embedded(app):
        raise click.ClickException(
            "REDIS_URL is not set. Without Redis, jobs run inside the web process (make run) and "
            "need no worker; to run separate workers, set REDIS_URL=redis://host:6379/0.")
    names = _parse_queue_names(queues, app)
    connection = get_redis(app)
    try:
        connection.ping()
    except Exception as error:
        raise click.ClickException(f"Redis does not answer at {_redis_location(app)}: {error}. "
                                   "Start Redis or correct REDIS_URL.")
    configure_worker_logging()
    clock = None if burst else Clock(app, names)
    worker = AppWorker(names, connection=connection, app=app, clock=clock)
    # The parent's pooled connections must not leak into the forked work horses.
    for engine in db.engines.values():
        engine.dispose()
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
