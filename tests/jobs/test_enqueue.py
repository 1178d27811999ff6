"""Enqueueing jobs: inline in tests, ids, uniqueness, failures."""
import logging
import time

import pytest
from rq.registry import FailedJobRegistry

from jobs import enqueue, get_queue, get_redis
from jobs.queues import check_job_id
from jobs.tasks import recompute_all_invoice_totals, recompute_invoice_totals
from tests.jobs.conftest import stored_gross_total


def fail_on_purpose(message):
    raise RuntimeError(message)


def test_enqueue_runs_the_job_inline_when_jobs_are_not_async(app, invoice_with_stale_totals):
    job = enqueue(recompute_invoice_totals, invoice_with_stale_totals)

    assert job.get_status() == "finished"
    assert job.return_value() == "121.00"
    assert stored_gross_total(invoice_with_stale_totals) == "121.00"


def test_recomputing_twice_gives_the_same_totals(app, invoice_with_stale_totals):
    enqueue(recompute_invoice_totals, invoice_with_stale_totals)
    enqueue(recompute_invoice_totals, invoice_with_stale_totals)

    assert stored_gross_total(invoice_with_stale_totals) == "121.00"


def test_recomputing_a_deleted_invoice_does_nothing(app, caplog):
    caplog.set_level(logging.INFO)

    job = enqueue(recompute_invoice_totals, 999999)

    assert job.get_status() == "finished"
    assert "Invoice 999999 no longer exists" in caplog.text


def test_recompute_all_invoices_fixes_every_invoice(app, invoice_with_stale_totals):
    job = enqueue(recompute_all_invoice_totals)

    assert job.return_value() == 1
    assert stored_gross_total(invoice_with_stale_totals) == "121.00"


def test_job_logs_are_stamped_with_the_job_id(app, invoice_with_stale_totals, caplog):
    caplog.set_level(logging.INFO, logger="jobs.tasks")

    job = enqueue(recompute_invoice_totals, invoice_with_stale_totals, job_id="recompute-7")

    stamped = [record.job for record in caplog.records if record.name == "jobs.tasks"]
    assert stamped == [job.id] == ["recompute-7"]


def test_log_records_outside_jobs_carry_a_dash_as_job_id(app, caplog):
    caplog.set_level(logging.INFO)

    logging.getLogger("jobs.test").info("not in a job")

    assert caplog.records[-1].job == "-"


def test_enqueue_refuses_a_job_id_with_a_colon(app):
    with pytest.raises(ValueError, match="may only contain letters, digits"):
        enqueue(recompute_invoice_totals, 1, job_id="company:7")


@pytest.mark.parametrize("job_id", ["company:7", "import 7", "", "über", "a/b"])
def test_a_job_id_with_other_characters_than_letters_digits_dash_underscore_is_refused(job_id):
    with pytest.raises(ValueError, match="may only contain letters, digits"):
        check_job_id(job_id)


def test_a_job_id_of_letters_digits_dashes_and_underscores_is_accepted():
    check_job_id("exact-import_company-7")


def test_unique_without_a_job_id_is_refused(app):
    with pytest.raises(ValueError, match="unique=True needs a job_id"):
        enqueue(recompute_invoice_totals, 1, unique=True)


def test_enqueue_to_a_queue_no_worker_listens_to_is_refused(app):
    with pytest.raises(ValueError, match="No worker listens to the queue 'exact'"):
        enqueue(recompute_invoice_totals, 1, queue="exact")


def test_a_failing_job_is_recorded_as_failed_with_its_error(app, caplog):
    job = enqueue(fail_on_purpose, "the printer is on fire", job_id="doomed-job")

    assert job.get_status() == "failed"
    assert "the printer is on fire" in job.latest_result().exc_string
    assert "doomed-job" in FailedJobRegistry("default", connection=get_redis()).get_job_ids()
    assert "Job doomed-job failed" in caplog.text


def test_unique_job_runs_again_once_the_previous_run_finished(app, invoice_with_stale_totals):
    first = enqueue(recompute_invoice_totals, invoice_with_stale_totals, job_id="recompute-1",
                    unique=True)
    second = enqueue(recompute_invoice_totals, invoice_with_stale_totals, job_id="recompute-1",
                     unique=True)

    assert first.get_status() == second.get_status() == "finished"


def test_unique_job_is_not_queued_twice_while_it_waits(redis_app):
    first = enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True)
    second = enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True)

    assert first.get_status() == "queued"
    assert second is None
    assert get_queue("default").count == 1


def _mark_started_by_a_worker(job, heartbeat_expires_at):
    """What a worker leaves in Redis while it runs `job` (and after it is killed)."""
    get_queue("default").remove(job)
    job.set_status("started")
    registry = get_queue("default").started_job_registry
    get_redis().zadd(registry.key, {f"{job.id}:execution-1": heartbeat_expires_at})


def test_unique_job_is_not_queued_again_while_a_live_worker_runs_it(redis_app):
    job = enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True)
    _mark_started_by_a_worker(job, heartbeat_expires_at=time.time() + 60)

    assert enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True) is None


def test_unique_job_is_queued_again_when_the_worker_running_it_died(redis_app):
    job = enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True)
    _mark_started_by_a_worker(job, heartbeat_expires_at=time.time() - 1)

    again = enqueue(recompute_invoice_totals, 1, job_id="recompute-1", unique=True)

    assert again is not None and again.get_status() == "queued"
    assert get_queue("default").job_ids == ["recompute-1"]
