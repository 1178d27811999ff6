"""The shorter fault soak of issue 11 in the suite: 2 companies, 100 invoices plus customer and
product edits, 2 real workers on PostgreSQL and a private Redis; a worker killed, Redis
restarted, the app's database connections terminated, the module disabled (edits wait) and
enabled, the sandbox dropping answers and answering 503. Then every record is compared with
the sandbox: nothing lost or duplicated, every badge agrees with Exact, no error block.
bench/soak_faults.py runs the same scenario (tests/fixtures/soak.py) at full size."""
import pytest

from tests.factories import enable_integration
from tests.fixtures.soak import soak

SOAK_INVOICES = 100




@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("backend", ["postgresql"])
def test_soak_loses_nothing_duplicates_nothing_and_every_badge_tells_the_truth(
        private_redis, connected_company, second_connected_company, sandbox, app, backend):
    enable_integration(default_company=connected_company)
    problems, figures = soak(app, sandbox, [connected_company, second_connected_company],
                             private_redis, SOAK_INVOICES, workers=2, timeout=180,
                             report=lambda text: None)
    assert problems == []
    assert figures["edits_while_off"] > 0
    faults = figures["stats"].get("faults") or {}
    assert faults.get("drop", 0) > 0 and faults.get("error503", 0) > 0, figures["stats"]
