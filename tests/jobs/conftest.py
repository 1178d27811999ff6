"""Fixtures for the job tests: the embedded (in-process) queue and a sample invoice."""
import time

import pytest
import sqlalchemy as sa

from backoffice.db import db
from backoffice.models import Invoice
from tests import factories


@pytest.fixture
def embedded_app(app_config, request):
    """The test app in `make run` mode: no REDIS_URL, jobs run by the embedded worker thread."""
    import fakeredis

    from jobs.queues import embedded_server
    from jobs.worker import stop_embedded_worker

    app_config["REDIS_URL"] = None
    app_config["JOBS_ASYNC"] = True
    fakeredis.FakeRedis(server=embedded_server()).flushall()
    application = request.getfixturevalue("app")
    yield application
    stop_embedded_worker(application)
    fakeredis.FakeRedis(server=embedded_server()).flushall()


@pytest.fixture
def invoice_with_stale_totals(app):
    """An invoice of 2 x 50.00 at 21 % whose stored totals were zeroed behind the model's back."""
    rate = factories.tax_rate(rate="21")
    invoice = factories.invoice(lines=[
        factories.invoice_line(quantity="2", unit_price="50", tax_rate_record=rate)])
    db.session.execute(sa.update(Invoice).where(Invoice.id == invoice.id)
                       .values(total_net=0, total_tax=0, total_gross=0))
    db.session.commit()
    return invoice.id


def stored_gross_total(invoice_id):
    db.session.expire_all()
    return str(db.session.get(Invoice, invoice_id).total_gross)


def wait_for_job(job, timeout=20):
    """Wait until `job` finished or failed; returns its status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.get_status(refresh=True)
        if status in ("finished", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job.id} still {job.get_status()} after {timeout} s")
