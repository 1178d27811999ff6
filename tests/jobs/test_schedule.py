"""Periodic jobs declared as data: registration rules and the once-per-run-time claim."""
from datetime import datetime, timezone

import pytest

from jobs import get_queue, register_periodic_job
from jobs.schedule import enqueue_due_periodic_jobs, periodic_jobs
from jobs.tasks import recompute_all_invoice_totals

# 2026-03-02 10:00:30 UTC, a Monday.
NOW = datetime(2026, 3, 2, 10, 0, 30, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def bare_app():
    """An app object with only the periodic-job registry: registration needs no database."""
    from flask import Flask

    from jobs import schedule

    application = Flask(__name__)
    schedule.init_app(application)
    return application


@pytest.fixture
def app_config(app_config):
    """Without plugins, so only the periodic jobs these tests declare exist."""
    app_config["PLUGINS"] = []
    return app_config


def test_registered_periodic_job_is_listed_with_its_schedule(bare_app):
    register_periodic_job(bare_app, "recompute-totals", recompute_all_invoice_totals, interval=3600)

    [periodic] = [job for job in periodic_jobs(bare_app) if job.id == "recompute-totals"]
    assert (periodic.interval, periodic.cron, periodic.queue) == (3600, None, "default")


def test_a_periodic_job_runs_once_per_interval_however_many_workers_tick(redis_app):
    register_periodic_job(redis_app, "recompute-totals", recompute_all_invoice_totals,
                          interval=60)

    first = enqueue_due_periodic_jobs(redis_app, NOW)
    second_worker = enqueue_due_periodic_jobs(redis_app, NOW + 5)
    next_minute = enqueue_due_periodic_jobs(redis_app, NOW + 60)

    assert [job.id for job in first] == [f"recompute-totals-{int(NOW) // 60 * 60}"]
    assert second_worker == []
    assert len(next_minute) == 1
    assert get_queue("default").count == 2


def test_a_cron_job_runs_at_its_fire_time_in_utc(redis_app):
    register_periodic_job(redis_app, "nightly", recompute_all_invoice_totals, cron="0 3 * * *")

    [job] = enqueue_due_periodic_jobs(redis_app, NOW)
    later_that_day = enqueue_due_periodic_jobs(redis_app, NOW + 3600)

    run_time = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc).timestamp()
    assert job.id == f"nightly-{int(run_time)}"
    assert later_that_day == []


def test_periodic_job_without_schedule_is_refused(bare_app):
    with pytest.raises(ValueError, match="give either interval= .* or cron="):
        register_periodic_job(bare_app, "no-schedule", recompute_all_invoice_totals)


def test_periodic_job_with_both_interval_and_cron_is_refused(bare_app):
    with pytest.raises(ValueError, match="give either interval="):
        register_periodic_job(bare_app, "both", recompute_all_invoice_totals, interval=60,
                              cron="* * * * *")


@pytest.mark.parametrize("interval", [0, -5, 1.5, "60"])
def test_periodic_job_with_a_bad_interval_is_refused(bare_app, interval):
    with pytest.raises(ValueError, match="interval must be a whole number of seconds"):
        register_periodic_job(bare_app, "bad-interval", recompute_all_invoice_totals,
                              interval=interval)


def test_periodic_job_with_a_bad_cron_expression_is_refused(bare_app):
    with pytest.raises(ValueError, match="is not a valid cron expression"):
        register_periodic_job(bare_app, "bad-cron", recompute_all_invoice_totals, cron="daily at 3")


def test_periodic_job_with_a_colon_in_its_id_is_refused(bare_app):
    with pytest.raises(ValueError, match="may only contain letters, digits"):
        register_periodic_job(bare_app, "exact:import", recompute_all_invoice_totals, interval=60)


def test_periodic_job_of_a_local_function_is_refused(bare_app):
    def local_function():
        return None

    with pytest.raises(ValueError, match="defined at module level"):
        register_periodic_job(bare_app, "local", local_function, interval=60)
