"""The periodic import stays as the safety net and runs less often while webhooks are healthy
(issue 15)."""
from datetime import timedelta

from sqlalchemy import select

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin.entities import entity
from exact_plugin.importing import runs
from exact_plugin.importing.models import ImportRun
from exact_plugin.realtime import subscriptions
from exact_plugin.realtime.models import SUB_ACTIVE, InboundRequest, WebhookSubscription
from tests.exact_plugin.realtime.helpers import with_webhook_secret


def make_healthy(company):
    started = utcnow() - timedelta(minutes=1)
    for topic in subscriptions.topics():
        db.session.add(WebhookSubscription(connection_id=company.id, topic=topic,
                                           state=SUB_ACTIVE, updated_at=started))
        db.session.add(InboundRequest(connection_id=company.id, status=200,
                                      outcome="validation"))
    db.session.commit()


def keep_customers_in_step(company):
    """The admin's per-company setting that lets the periodic job run at all (issue 11)."""
    runs.schedule_for(company.id, "customers", create=True).enabled = True
    db.session.commit()


def customer_runs(company):
    return db.session.execute(select(ImportRun).filter_by(
        connection_id=company.id, entity="customers")).scalars().all()


def test_while_webhooks_are_healthy_the_periodic_import_waits_hours_not_minutes(
        connected_company, sandbox):
    company = with_webhook_secret(connected_company, sandbox)
    runs.import_now(company.id, "customers")
    keep_customers_in_step(company)
    make_healthy(company)
    assert subscriptions.status(company)["healthy"]
    runs.periodic_import()
    assert len(customer_runs(company)) == 1   # skipped: the webhooks bring the changes
    last = customer_runs(company)[0]
    last.finished_at = utcnow() - timedelta(seconds=subscriptions.SAFETY_NET_WHEN_HEALTHY + 1)
    db.session.commit()
    runs.periodic_import()
    assert len(customer_runs(company)) == 2   # the safety net still runs now and then


def test_without_healthy_webhooks_the_periodic_import_runs_every_time(connected_company):
    runs.import_now(connected_company.id, "customers")
    keep_customers_in_step(connected_company)
    runs.periodic_import()
    assert len(customer_runs(connected_company)) == 2


def test_an_entity_without_a_webhook_topic_is_always_imported():
    spec = entity("gl_accounts")
    assert spec.webhook_topic is None
    assert subscriptions.import_due(None, spec, utcnow())
