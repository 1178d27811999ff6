"""Change capture: an outbox row in the saving transaction, a queued push, the relay.

These tests use the real Redis queue (`redis_app`: jobs are queued, not run), so what is
checked is exactly what a worker would receive.
"""
from datetime import timedelta

import pytest
from rq import Queue

from backoffice.db import db
from backoffice.models import Site, utcnow
from exact_plugin import binder, origin
from exact_plugin.syncing import jobs as sync_jobs
from exact_plugin.syncing import outbox
from exact_plugin.syncing.models import OutboxEntry
from jobs import get_redis
from tests.factories import (assign, enable_integration, make_company, make_customer,
                             make_invoice, make_product)


def outbox_rows():
    db.session.expire_all()
    return [(row.host_model, row.host_id) for row in
            db.session.execute(db.select(OutboxEntry).order_by(OutboxEntry.id)).scalars()]


def queued_drains():
    """The companies whose drain job (syncing/pipeline.py) is queued, once per job."""
    return sorted(job.args[0] for name in ("high", "default")
                  for job in Queue(name, connection=get_redis()).get_jobs()
                  if job.func_name.endswith("drain_company_job"))


def age_outbox(seconds=60):
    """Make the outbox rows older than the relay's grace period for after_commit's own job."""
    db.session.execute(db.update(OutboxEntry).values(
        created_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def test_relay_leaves_rows_younger_than_its_grace_period_to_after_commits_job(company):
    make_customer()
    get_redis().flushdb()
    sync_jobs.relay_outbox()
    assert queued_drains() == []


@pytest.fixture
def company(redis_app):
    company = make_company()
    enable_integration(default_company=company)
    return company


def test_saving_a_new_customer_writes_one_outbox_row_and_queues_its_push(company):
    customer = make_customer()
    assert outbox_rows() == [("Customer", customer.id)]
    assert queued_drains() == [company.id]
    assert binder.binding_for_host(company.id, "Customer", customer.id).sync_state == "queued"


def test_new_records_get_the_integrations_default_company(company):
    product = make_product()
    binding = binder.binding_for_host(company.id, "Product", product.id)
    assert binding is not None and binding.exact_id is None


def test_several_edits_before_the_push_runs_leave_one_outbox_row(company):
    customer = make_customer()
    for city in ("Amersfoort", "Zwolle", "Delft"):
        customer.main_site.city = city
        db.session.commit()
    customer.email = "new@jansen.example"
    db.session.commit()
    assert outbox_rows() == [("Customer", customer.id)]
    assert queued_drains() == [company.id]  # one job per company, however many edits


def test_an_edit_while_the_push_runs_gets_its_own_row(company):
    customer = make_customer()
    # a worker took the first row
    outbox.claim_entries("Customer", customer.id, lease_seconds=300)
    customer.name = "Bakery Jansen & Sons"
    db.session.commit()
    assert outbox_rows() == [("Customer", customer.id), ("Customer", customer.id)]


def test_changes_written_by_an_import_are_not_exported(company):
    db.session.info[origin.ORIGIN_KEY] = "import"
    try:
        customer = make_customer()
    finally:
        db.session.info.pop(origin.ORIGIN_KEY)
    assert binder.bindings_of_host("Customer", customer.id) == []
    assert outbox_rows() == [] and queued_drains() == []


def test_the_exporters_own_write_backs_are_not_exported_again(company):
    customer = make_customer()
    outbox.claim_entries("Customer", customer.id, lease_seconds=300)
    db.session.execute(db.delete(OutboxEntry))
    db.session.commit()
    db.session.info[origin.ORIGIN_KEY] = "export"
    try:
        customer.accounts_code = "written back"
        db.session.commit()
    finally:
        db.session.info.pop(origin.ORIGIN_KEY)
    assert outbox_rows() == []


def test_a_rolled_back_save_leaves_no_outbox_row_and_nothing_queued(company):
    customer = make_customer(commit=False)
    db.session.flush()
    db.session.rollback()
    make_product()  # a later commit must not pick up the rolled-back customer
    assert [model for model, _ in outbox_rows()] == ["Product"]


def test_a_company_that_does_not_sync_customers_gets_no_customer_rows(company):
    company.sync_customers = False
    db.session.commit()
    make_customer()
    assert outbox_rows() == []


def test_a_record_without_an_exact_company_is_not_queued(redis_app):
    enable_integration(default_company=None)
    make_customer()
    assert outbox_rows() == []


def test_changes_are_captured_and_held_while_the_integration_is_disabled(company):
    from exact_plugin.connection import set_enabled
    from exact_plugin.syncing import outbox
    set_enabled(False)
    customer = make_customer()
    assert outbox_rows() == [("Customer", customer.id)]
    assert outbox.due_records() == []  # held: neither the relay nor the CLI sends it
    set_enabled(True)
    assert outbox.due_records() == [("Customer", customer.id)]


def test_an_invoice_line_or_a_main_site_change_queues_its_invoice_or_customer(company):
    customer = make_customer()
    product = make_product()
    invoice = make_invoice(customer, [(product, 1, 95, None)])
    db.session.execute(db.delete(OutboxEntry))
    db.session.commit()
    invoice.lines[0].quantity = 2
    db.session.add(Site(customer=customer, name="Depot", city="Ede"))
    db.session.commit()
    assert sorted(outbox_rows()) == [("Customer", customer.id), ("Invoice", invoice.id)]


def test_setting_a_company_on_an_unchanged_record_queues_it(redis_app):
    enable_integration(default_company=None)
    customer = make_customer()
    company = make_company()
    db.session.commit()
    assign(company, customer)
    assert outbox_rows() == [("Customer", customer.id)]


def test_relay_queues_rows_whose_job_was_lost_and_rows_left_by_a_killed_worker(company):
    first, second = make_customer(), make_customer(name="Florist", accounting_id="4712")
    get_redis().flushdb()  # the queued jobs are lost (Redis restarted without persistence)
    # ...and a worker died holding this one
    outbox.claim_entries("Customer", second.id, lease_seconds=300)
    row = db.session.execute(db.select(OutboxEntry).filter_by(host_id=second.id)).scalar_one()
    row.claimed_at = utcnow() - timedelta(hours=1)
    age_outbox()
    sync_jobs.relay_outbox()
    assert queued_drains() == [company.id]  # one drain of the company pushes both


def test_relay_leaves_rows_that_wait_for_a_retry(company):
    customer = make_customer()
    get_redis().flushdb()
    row = db.session.execute(db.select(OutboxEntry)).scalar_one()
    age_outbox()
    row.available_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    sync_jobs.relay_outbox()
    assert queued_drains() == []
    assert outbox_rows() == [("Customer", customer.id)]


@pytest.fixture
def dead_redis_app(app_config, request):
    """The app with a REDIS_URL nobody answers on (Redis down at commit time)."""
    app_config["REDIS_URL"] = "redis://127.0.0.1:9/0"
    app_config["JOBS_ASYNC"] = True
    return request.getfixturevalue("app")


def test_saving_succeeds_and_the_change_waits_in_the_outbox_when_redis_is_down(dead_redis_app):
    company = make_company()
    enable_integration(default_company=company)
    customer = make_customer()
    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).name == "Bakery Jansen"
    assert outbox_rows() == [("Customer", customer.id)]


def test_relay_settles_rows_of_records_no_company_syncs_any_more(company):
    make_customer()
    get_redis().flushdb()
    company.sync_customers = False   # the admin stopped syncing customers meanwhile
    db.session.commit()
    age_outbox()
    sync_jobs.relay_outbox()
    assert queued_drains() == []
    assert outbox_rows() == []   # no drain job would ever take it: it does not wait forever
