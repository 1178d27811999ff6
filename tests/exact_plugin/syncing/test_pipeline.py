"""The push pipeline (syncing/pipeline.py): per-company drain jobs in batches, against the
sandbox over HTTP with the job queue on the real Redis (jobs are queued, and run here by
calling the job function as a worker would)."""
import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry

from backoffice.db import db
from exact_plugin.models import OutboundRequest
from exact_plugin.syncing import pipeline
from exact_plugin.syncing.models import OutboxEntry
from jobs import get_redis
from tests.factories import (FAST_RETRIES, binding_of, enable_integration, make_customer,
                             make_invoice, make_product)
from tests.fixtures.exact import connect_company


@pytest.fixture
def company(app_config, redis_app, sandbox):
    app_config.update(FAST_RETRIES)
    company = connect_company(redis_app, sandbox, "Sandbox company", sandbox.divisions[0])
    enable_integration(default_company=company)
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()
    get_redis().delete(pipeline.queued_key(company.id))
    return company


def queued_jobs():
    """Drain jobs in the order a worker takes them: "high" first, then "default"."""
    return [(queue, job) for queue in (Queue("high", connection=get_redis()),
                                       Queue("default", connection=get_redis()))
            for job in queue.get_jobs() if job.func_name.endswith("drain_company_job")]


def queued_drains():
    return [job.args[0] for _, job in queued_jobs()]


def run_queued_drains():
    """What a worker does: run the queued drain jobs, in queue order, until none is left."""
    rounds = []
    while True:
        jobs = queued_jobs()
        if not jobs:
            return rounds
        queue, job = jobs[0]
        queue.remove(job)
        rounds.append(pipeline.drain_company_job(*job.args))


def sent(entity):
    db.session.expire_all()
    return [(row.method, row.request_body) for row in db.session.execute(
        db.select(OutboundRequest).filter(OutboundRequest.entity.startswith(entity))
        .order_by(OutboundRequest.id)).scalars()]


def test_a_backlog_is_drained_a_batch_per_job_and_each_record_once(redis_app, company, sandbox):
    redis_app.config["EXACT_SYNC_BATCH_SIZE"] = 3
    customers = [make_customer(name=f"Customer {n}", accounting_id=f"50{n:02d}")
                 for n in range(7)]
    assert queued_drains() == [company.id]   # seven changes, one job
    rounds = run_queued_drains()
    assert rounds == [f"company {company.id}: pushed 3 record(s); the rest waits for the next job",
                      f"company {company.id}: pushed 3 record(s); the rest waits for the next job",
                      f"company {company.id}: pushed 1 record(s)"]
    assert all(binding_of(company, customer).sync_state == "synced" for customer in customers)
    assert len(sent("crm/Accounts")) == 7   # one POST each, nothing twice
    assert db.session.execute(db.select(OutboxEntry)).first() is None


def test_order_per_record_under_batching(redis_app, company, sandbox):
    """Edits of one record reach Exact in order, the last one last, whatever the batches."""
    redis_app.config["EXACT_SYNC_BATCH_SIZE"] = 1
    customer = make_customer()
    others = [make_customer(name=f"Other {n}", accounting_id=f"60{n:02d}") for n in range(2)]
    run_queued_drains()
    for city in ("Amersfoort", "Zwolle"):       # two edits before the next job: one push
        customer.main_site.city = city
        db.session.commit()
    others[0].email = "other@example.com"       # another record in between
    db.session.commit()
    customer.main_site.city = "Delft"           # and a third edit after it
    db.session.commit()
    run_queued_drains()
    methods = [method for method, _ in sent("crm/Accounts")]
    assert methods == ["POST", "POST", "POST", "PUT", "PUT"]
    [account] = [row for row in sandbox.records(100001, "Accounts")
                 if row["Code"].strip() == customer.accounting_id]
    assert account["City"] == "Delft"           # the last edit is what Exact holds
    assert binding_of(company, customer).sync_state == "synced"


def test_dependencies_go_first_within_a_batch(app_config, company, sandbox):
    customer, product = make_customer(), make_product()
    # Queue the invoice's row before its customer's: the batch still sends the customer first.
    db.session.execute(db.delete(OutboxEntry))
    db.session.commit()
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000300")
    from exact_plugin.syncing import outbox
    outbox.mark_for_export("Customer", customer.id)
    outbox.mark_for_export("Product", product.id)
    db.session.commit()
    run_queued_drains()
    db.session.expire_all()
    order = [row.entity for row in db.session.execute(
        db.select(OutboundRequest).filter(OutboundRequest.method == "POST")
        .order_by(OutboundRequest.id)).scalars()]
    assert order.index("crm/Accounts") < order.index("salesinvoice/SalesInvoices")
    assert binding_of(company, invoice).sync_state == "synced"


def test_a_spent_minute_hands_the_worker_back_and_schedules_the_company_for_the_reset(
        app_config, company, sandbox):
    sandbox.set_limits(minutely_limit=2, window_seconds=3600)
    for n in range(4):
        make_customer(name=f"Customer {n}", accounting_id=f"70{n:02d}")
    [(queue, job)] = queued_jobs()
    queue.remove(job)
    summary = pipeline.drain_company_job(company.id)
    assert summary.startswith(f"company {company.id}: pushed 2 record(s)")
    scheduled = ScheduledJobRegistry("default", connection=get_redis()).get_job_ids()
    assert len(scheduled) == 1 and scheduled[0].startswith(f"exact-drain-{company.id}-")
    assert sandbox.stats()["by_status"].get("429", 0) == 0
    assert len(db.session.execute(db.select(OutboxEntry)).scalars().all()) == 2


def test_one_queued_drain_per_company(company):
    assert pipeline.enqueue_drain(company.id) is not None
    assert pipeline.enqueue_drain(company.id) is None   # one is waiting: it will see the rows
    assert queued_drains() == [company.id]


def test_a_drain_of_an_unknown_company_pushes_nothing(company):
    assert pipeline.drain_company_job(9999) == "company 9999: pushed 0 record(s)"


def test_a_single_new_invoice_goes_before_the_next_batch_of_another_companys_backlog(
        redis_app, company, sandbox):
    other = connect_company(redis_app, sandbox, "Backlog company", sandbox.divisions[1])
    redis_app.config["EXACT_SYNC_BATCH_SIZE"] = 2
    from exact_plugin.syncing import companies
    backlog = [make_customer(name=f"Backlog {n}", accounting_id=f"80{n:02d}", commit=False)
               for n in range(5)]
    db.session.flush()
    for customer in backlog:
        companies.set_company("Customer", customer.id, other.id)
    db.session.commit()
    queue, job = queued_jobs()[0]
    queue.remove(job)
    pipeline.drain_company_job(other.id)         # the backlog's first batch: the rest queued
    single = make_customer(name="Single", accounting_id="8100")   # the other company's change
    order = [connection_id for _, job in queued_jobs() for connection_id in job.args]
    assert order == [company.id, other.id]       # the fresh change first
    run_queued_drains()
    assert binding_of(company, single).sync_state == "synced"
