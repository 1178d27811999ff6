"""The webhook receiver: Exact's validation POST, signature checks, refusals and their log
rows, and what an accepted notification leads to (issue 15)."""
import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer
from exact_plugin.importing import runs
from exact_plugin.importing.models import OPEN_STATES, READY, ImportRun, StagedRecord
from exact_plugin.models import Binding
from exact_plugin.realtime.models import EVENT_DONE, EVENT_OWN
from tests.factories import assign, binding_of, make_customer
from tests.exact_plugin.realtime.helpers import (event_time, events, inbound, notification, post,
                                                 record_gets, with_webhook_secret)


@pytest.fixture
def company(connected_company, sandbox):
    return with_webhook_secret(connected_company, sandbox)


@pytest.fixture
def imported(company):
    """The sandbox's customers imported, so they are bound."""
    runs.import_now(company.id, "customers")
    return company


def a_bound_customer(company):
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, host_model="Customer").order_by(Binding.id)).scalars().first()
    return binding, db.session.get(Customer, binding.host_id)


def test_the_receiver_url_is_a_random_token_not_the_company_id(company):
    assert str(company.id) != company.webhook_token and len(company.webhook_token) >= 24


def test_exacts_empty_validation_post_is_answered_200_and_logged(client, company):
    answer = client.post(f"/exact/webhooks/{company.webhook_token}", data=b"")
    assert answer.status_code == 200
    [row] = inbound()
    assert (row.outcome, row.connection_id, row.status) == ("validation", company.id, 200)


def test_a_good_signature_is_accepted_and_the_bound_customer_updated(client, imported, sandbox):
    binding, customer = a_bound_customer(imported)
    sandbox.update_record(imported.division, "Accounts", binding.exact_id,
                          {"Name": "Renamed by a webhook"})
    answer = post(client, imported, notification(imported, binding.exact_id))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Renamed by a webhook"
    assert [row.outcome for row in inbound()] == ["accepted"]
    assert events(EVENT_DONE) == 1 and record_gets(imported) == 1


@pytest.mark.parametrize("tamper, status, says", [
    (lambda body: body.replace('"HashCode":"', '"HashCode":"0'), 401, "HashCode does not match"),
    (lambda body: body.split(',"HashCode"')[0] + ',"HashCode":""}', 401, "no HashCode"),
    (lambda body: body.split(',"HashCode"')[0] + "}", 400, "not an Exact notification"),
    (lambda body: body.replace('"Action":"Update"', '"Action":"Delete"'), 401,
     "HashCode does not match"),
    (lambda body: "not json at all", 400, "not an Exact notification"),
])
def test_bad_or_missing_signatures_are_refused_and_logged(client, imported, tamper, status,
                                                          says):
    binding, customer = a_bound_customer(imported)
    answer = post(client, imported, tamper(notification(imported, binding.exact_id)))
    assert answer.status_code == status
    [row] = inbound()
    assert row.outcome == "refused" and says in row.message and row.body
    assert events() == 0 and record_gets(imported) == 0


def test_a_notification_signed_with_another_secret_is_refused(client, imported):
    binding, _customer = a_bound_customer(imported)
    answer = post(client, imported, notification(imported, binding.exact_id,
                                                 secret="someone-elses-secret"))
    assert answer.status_code == 401 and events() == 0


def test_a_replayed_notification_is_refused_and_logged(client, imported):
    binding, _customer = a_bound_customer(imported)
    body = notification(imported, binding.exact_id)
    assert post(client, imported, body).status_code == 200
    answer = post(client, imported, body)
    assert answer.status_code == 409
    assert [row.outcome for row in inbound()] == ["accepted", "refused"]
    assert "replay" in inbound()[-1].message and events() == 1


def test_an_event_older_than_one_already_received_for_the_record_is_refused(client, imported):
    binding, _customer = a_bound_customer(imported)
    assert post(client, imported, notification(imported, binding.exact_id,
                                                created_on=event_time())).status_code == 200
    answer = post(client, imported, notification(imported, binding.exact_id,
                                                 created_on=event_time(-60)))
    assert answer.status_code == 409 and "older than one already received" in \
        inbound()[-1].message


def test_a_notification_for_another_company_is_refused_at_this_companys_address(
        client, imported, second_connected_company, sandbox):
    other = with_webhook_secret(second_connected_company, sandbox)
    binding, _customer = a_bound_customer(imported)
    # Signed correctly (same app, same secret) but for the second company's division.
    answer = post(client, imported, notification(imported, binding.exact_id,
                                                 division=other.division))
    assert answer.status_code == 403
    assert "not this company's" in inbound()[-1].message and events() == 0


def test_an_unknown_address_is_refused_and_logged(client, company):
    answer = post(client, company, b"", token="made-up-token")
    assert answer.status_code == 403
    assert inbound()[-1].connection_id is None and inbound()[-1].outcome == "refused"


def test_without_a_saved_webhook_secret_nothing_is_accepted(client, imported):
    binding, _customer = a_bound_customer(imported)
    body = notification(imported, binding.exact_id)
    imported.webhook_secret = None
    db.session.commit()
    answer = post(client, imported, body)
    assert answer.status_code == 403 and "no webhook secret" in inbound()[-1].message


def pushed_customer(company):
    """A customer made in the back office and sent to Exact (a POST), then changed (a PUT)."""
    customer = make_customer(name="Made here", accounting_id="8800")
    assign(company, customer)   # the outbox pushes it at once under test: a POST
    customer = db.session.get(Customer, customer.id)
    customer.phone = "+31 30 123 4567"
    db.session.commit()         # and a PUT
    binding = binding_of(company, customer)
    assert binding.sync_state == "synced", binding.last_error
    return binding, customer


def test_events_for_changes_we_pushed_cost_no_fetch(client, company):
    binding, _customer = pushed_customer(company)
    for action in ("Create", "Update"):
        answer = post(client, company, notification(company, binding.exact_id, action=action))
        assert answer.status_code == 200
    assert events(EVENT_OWN) == 2 and record_gets(company) == 0


def test_an_event_beyond_our_pushes_is_someone_elses_change_and_is_fetched(
        client, company, sandbox):
    binding, customer = pushed_customer(company)
    sandbox.update_record(company.division, "Accounts", binding.exact_id, {"Name": "Theirs"})
    for action in ("Create", "Update", "Update"):
        post(client, company, notification(company, binding.exact_id, action=action))
    db.session.expire_all()
    assert events(EVENT_OWN) == 2 and record_gets(company) == 1
    assert db.session.get(Customer, customer.id).name == "Theirs"


def test_a_new_exact_customer_arrives_in_the_preview_not_in_the_customers_list(
        admin_client, imported, sandbox):
    client = admin_client
    customers_before = db.session.execute(select(db.func.count(Customer.id))).scalar()
    created = sandbox.create_record(imported.division, "Accounts", {
        "Code": "9100", "Name": "Brand new in Exact", "Status": "C"})
    answer = post(client, imported, notification(imported, created["ID"], action="Create"))
    assert answer.status_code == 200
    assert db.session.execute(select(db.func.count(Customer.id))).scalar() == customers_before
    row = db.session.execute(select(StagedRecord).filter_by(exact_id=created["ID"])).scalar_one()
    assert row.status in OPEN_STATES and row.plan_action == "create"
    run = db.session.execute(select(ImportRun).filter_by(state=READY)).scalar_one()
    assert run.total >= 1
    preview = client.get(f"/admin/exact-import/run/{run.id}").get_data(as_text=True)
    assert "Brand new in Exact" in preview and "Start" in preview
    assert "Brand new in Exact" not in client.get("/admin/customer/").get_data(as_text=True)


def test_a_delete_flags_the_binding_and_keeps_the_customer(client, imported, sandbox):
    binding, customer = a_bound_customer(imported)
    sandbox.delete_record(imported.division, "Accounts", binding.exact_id)
    post(client, imported, notification(imported, binding.exact_id, action="Delete"))
    db.session.expire_all()
    assert db.session.get(Binding, binding.id).deleted_in_exact
    assert db.session.get(Customer, customer.id) is not None and record_gets(imported) == 0


def test_a_topic_we_do_not_import_is_ignored_without_a_call(client, imported):
    post(client, imported, notification(imported, "0c1a6b1e-0000-4000-8000-000000000001",
                                        topic="SalesInvoices"))
    assert events("ignored") == 1 and record_gets(imported) == 0


def test_a_caller_over_the_rate_limit_is_refused_and_logged(app, client, company):
    app.config["EXACT_WEBHOOK_RATE_PER_MINUTE"] = 3
    statuses = [post(client, company, b"").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "more than 3 requests a minute" in inbound()[-1].message
