"""The embedded queue of `make run`: a fake Redis in the process and a worker thread."""
import time
from datetime import timedelta

import pytest
from rq import Retry

from jobs import enqueue, get_queue, get_redis
from jobs.queues import jobs_run_inline
from jobs.tasks import recompute_invoice_totals
from jobs.worker import start_embedded_worker
from tests.jobs.conftest import stored_gross_total, wait_for_job
from tests.jobs.periodic_plugin import RUNS_KEY

attempts = {"count": 0}


def fail_the_first_time():
    attempts["count"] += 1
    if attempts["count"] == 1:
        raise RuntimeError("the first attempt fails")
    return attempts["count"]


def test_embedded_worker_thread_runs_a_queued_job(embedded_app, invoice_with_stale_totals):
    start_embedded_worker(embedded_app)

    job = enqueue(recompute_invoice_totals, invoice_with_stale_totals)

    assert wait_for_job(job) == "finished"
    assert stored_gross_total(invoice_with_stale_totals) == "121.00"


def test_embedded_worker_starts_with_the_first_web_request(embedded_app):
    assert jobs_run_inline(embedded_app)

    embedded_app.test_client().get("/login")

    assert embedded_app.extensions["jobs"]["embedded_worker"].thread.is_alive()
    assert not jobs_run_inline(embedded_app)


def test_without_a_worker_thread_embedded_jobs_run_inline(embedded_app, invoice_with_stale_totals):
    # A CLI command in `make run` mode has no worker thread: nobody else would run the job.
    job = enqueue(recompute_invoice_totals, invoice_with_stale_totals)

    assert job.get_status() == "finished"


def test_embedded_worker_runs_a_job_scheduled_for_later(embedded_app, invoice_with_stale_totals):
    start_embedded_worker(embedded_app)

    job = get_queue().enqueue_in(timedelta(seconds=1), recompute_invoice_totals,
                                 invoice_with_stale_totals)

    assert job.get_status() == "scheduled"
    assert wait_for_job(job) == "finished"


def test_embedded_worker_retries_a_failed_job_after_its_interval(embedded_app):
    attempts["count"] = 0
    start_embedded_worker(embedded_app)

    job = enqueue(fail_the_first_time, retry=Retry(max=2, interval=1))

    assert wait_for_job(job) == "finished"
    assert job.return_value() == 2


def test_embedded_worker_records_a_failing_job_as_failed(embedded_app):
    start_embedded_worker(embedded_app)

    job = enqueue("tests.jobs.test_enqueue.fail_on_purpose", "no paper")

    assert wait_for_job(job) == "failed"
    assert "no paper" in job.latest_result().exc_string


@pytest.fixture
def app_config_with_periodic_plugin(app_config):
    app_config["PLUGINS"] = ["tests.jobs.periodic_plugin"]
    return app_config


def test_embedded_worker_runs_the_periodic_jobs_of_plugins(app_config_with_periodic_plugin,
                                                           embedded_app):
    start_embedded_worker(embedded_app)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not get_redis().get(RUNS_KEY):
        time.sleep(0.1)

    assert int(get_redis().get(RUNS_KEY) or 0) >= 1


def test_a_stopped_embedded_worker_is_started_again_by_the_next_request(embedded_app):
    first = start_embedded_worker(embedded_app)
    first.stop_soon()
    first.thread.join(10)

    embedded_app.test_client().get("/login")

    again = embedded_app.extensions["jobs"]["embedded_worker"]
    assert again is not first and again.thread.is_alive()
