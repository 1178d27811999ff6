"""`flask --app app worker`: a real RQ worker process on the real Redis."""
import time

import pytest
from rq.job import Job

from jobs import enqueue, get_redis
from jobs.tasks import recompute_invoice_totals
from tests.jobs.conftest import stored_gross_total
from tests.jobs.periodic_plugin import RUNS_KEY


def test_worker_process_runs_the_sample_job_from_redis(redis_app, invoice_with_stale_totals,
                                                       rq_worker_process):
    job = enqueue(recompute_invoice_totals, invoice_with_stale_totals, job_id="recompute-sample")
    assert job.get_status() == "queued"

    worker = rq_worker_process()

    assert worker.returncode == 0, worker.output
    assert job.get_status(refresh=True) == "finished", worker.output
    assert stored_gross_total(invoice_with_stale_totals) == "121.00"
    assert "[job recompute-sample] jobs.tasks: Invoice INV-000001 totals" in worker.output


def test_worker_process_records_a_failing_job_as_failed(redis_app, rq_worker_process):
    job = enqueue("tests.jobs.test_enqueue.fail_on_purpose", "out of toner")

    rq_worker_process()

    assert job.get_status(refresh=True) == "failed"
    assert "out of toner" in Job.fetch(job.id, connection=get_redis()).latest_result().exc_string


def test_worker_process_only_reads_the_queues_it_is_given(redis_app, rq_worker_process):
    low = enqueue(recompute_invoice_totals, 1, queue="low")

    rq_worker_process(queues=["high,default"])

    assert low.get_status(refresh=True) == "queued"


@pytest.fixture
def app_config_with_periodic_plugin(app_config):
    app_config["PLUGINS"] = ["tests.jobs.periodic_plugin"]
    return app_config


def test_worker_process_runs_the_periodic_jobs_of_plugins(app_config_with_periodic_plugin,
                                                         redis_app, rq_worker_process):
    worker = rq_worker_process(burst=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not get_redis().get(RUNS_KEY):
        time.sleep(0.2)
    worker.stop()

    assert int(get_redis().get(RUNS_KEY) or 0) >= 1, worker.output
    assert "Enqueueing periodic job tests-count-runs" in worker.output


def test_worker_refuses_to_start_without_redis_url(runner):
    result = runner.invoke(args=["worker", "--burst"])

    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


def test_worker_refuses_an_unknown_queue(redis_app):
    result = redis_app.test_cli_runner().invoke(args=["worker", "--burst", "--queues", "exact"])

    assert result.exit_code == 2
    assert "Unknown queue(s): exact" in result.output


def test_worker_says_when_redis_does_not_answer(app_config, request):
    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app = request.getfixturevalue("app")

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code == 1
    assert "Redis does not answer at 127.0.0.1:1/0" in result.output
