"""A burst of notifications for one record, handled by a real RQ worker process: one job,
one fetch (issue 15)."""
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer
from exact_plugin.importing import runs
from exact_plugin.models import Binding
from exact_plugin.realtime.models import EVENT_DONE
from tests.exact_plugin.realtime.helpers import (events, notification, post, record_gets,
                                                 with_webhook_secret)


def test_a_burst_of_100_events_for_one_record_costs_one_fetch(
        redis_app, rq_worker_process, connected_company, sandbox, monkeypatch):
    company = with_webhook_secret(connected_company, sandbox)
    runs.import_now(company.id, "customers")
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, host_model="Customer").order_by(Binding.id)).scalars().first()
    for number in range(100):
        sandbox.update_record(company.division, "Accounts", binding.exact_id,
                              {"Name": f"Renamed {number + 1} times"})
    client = redis_app.test_client()
    answers = [post(client, company, notification(company, binding.exact_id)).status_code
               for _ in range(100)]
    assert answers == [200] * 100
    # The worker process reaches the same sandbox and rate budget as this test's app.
    monkeypatch.setenv("EXACT_SANDBOX_URL", sandbox.base_url)
    monkeypatch.setenv("EXACT_REDIS_PREFIX", redis_app.config["EXACT_REDIS_PREFIX"])
    monkeypatch.setenv("EXACT_WEBHOOK_COALESCE_SECONDS", "0.2")
    worker = rq_worker_process()
    assert worker.returncode == 0, worker.output
    db.session.expire_all()
    assert events(EVENT_DONE) == 100
    assert record_gets(company) == 1, worker.output
    assert db.session.get(Customer, binding.host_id).name == "Renamed 100 times"
