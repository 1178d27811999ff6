"""Fixtures shared by the syncing tests."""
import pytest

from backoffice.db import db
from tests.factories import FAST_RETRIES, enable_integration
from tests.fixtures.sync_faults import PrivateRedis


@pytest.fixture
def fast_retries(app_config):
    """Retries without the real waits (use with pytest.mark.usefixtures)."""
    app_config.update(FAST_RETRIES)


@pytest.fixture
def company(connected_company):
    """The connected company with the module on, and an empty outbound log: tests count only
    the calls the sync makes, not those of connecting the company."""
    from exact_plugin.models import OutboundRequest
    enable_integration(default_company=connected_company)
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()
    return connected_company


@pytest.fixture
def private_redis(app_config):
    """Our own redis-server (the shared one on 6379 must never be restarted)."""
    redis = PrivateRedis()
    app_config["REDIS_URL"] = redis.url
    app_config["JOBS_ASYNC"] = True
    yield redis
    redis.stop()
