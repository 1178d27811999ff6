"""The issue's fault run in the suite: invoices through 4 real worker processes on PostgreSQL
and a private Redis, against a sandbox that drops 5 % of responses after committing and answers
5 % with 503, while a worker is killed and restarted and Redis is restarted once.

The suite pushes FAULT_INVOICES (100) to stay within CI time; bench/bench_sync.py runs the
same scenario (same code) with the full 1,000.
"""
import pytest

from tests.fixtures.sync_faults import fault_run, make_customer_and_products
from tests.factories import enable_integration

FAULT_INVOICES = 100




@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("backend", ["postgresql"])
def test_invoices_reach_exact_exactly_once_through_dropped_answers_503s_a_killed_worker_and_a_redis_restart(  # noqa: E501
        private_redis, connected_company, sandbox, app, backend):
    enable_integration(default_company=connected_company)
    customer_id, product_ids = make_customer_and_products(connected_company)
    problems, figures = fault_run(app, sandbox, connected_company, private_redis,
                                  FAULT_INVOICES, customer_id, product_ids, timeout=240,
                                  report=lambda text: None)
    assert problems == []
    faults = figures["stats"].get("faults") or {}
    assert faults.get("drop", 0) > 0 and faults.get("error503", 0) > 0, figures["stats"]
