"""Subscriptions managed per company, against the sandbox calling the app served over HTTP:
Re-subscribe creates them, Exact's validation POST reaches the receiver, a change in Exact
arrives, Disconnect deletes them (issue 15)."""
import time

import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer
from exact_plugin.importing import runs
from exact_plugin.models import Binding
from exact_plugin.realtime import subscriptions
from tests.conftest import csrf_token_from
from tests.exact_plugin.realtime.helpers import inbound, with_webhook_secret
from tests.fixtures.exact import connect_company


def sandbox_subscriptions(sandbox):
    return sandbox.control("GET", "webhooks/subscriptions")


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def company_page(client, company):
    return client.get(f"/admin/exact/companies/edit/?id={company.id}").get_data(as_text=True)


def press(client, company, action):
    token = csrf_token_from(company_page(client, company))
    return client.post(f"/admin/exact/companies/{company.id}/{action}",
                       data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)


@pytest.fixture
def live_company(app, live_server, sandbox):
    """A company connected with the app's external URL = the live server, so the sandbox's
    redirect URI and the receiver are on the same host (reference §8)."""
    app.config["EXTERNAL_URL"] = live_server.url
    return connect_company(app, sandbox, "Live company", sandbox.divisions[0])


@pytest.mark.sandbox(webhook_validation_delay=0.05)
def test_resubscribe_validates_receives_changes_and_disconnect_unsubscribes(
        admin_client, live_company, live_server, sandbox):
    company = with_webhook_secret(live_company, sandbox)
    runs.import_now(company.id, "customers")
    said = press(admin_client, company, "resubscribe")
    assert "Subscribed to Accounts, Items, SalesInvoices" in said
    listed = sandbox_subscriptions(sandbox)
    assert sorted(row["Topic"] for row in listed) == ["Accounts", "Items", "SalesInvoices"]
    # The address carries the company's random token, not its id.
    assert {row["CallbackURL"] for row in listed} == {
        f"{live_server.url}/exact/webhooks/{company.webhook_token}"}
    assert wait_for(lambda: len(inbound("validation")) == 3)
    assert all(row["validation_validated"] for row in sandbox_subscriptions(sandbox))
    page = company_page(admin_client, company)
    assert 'id="webhooks-health">Healthy' in page and company.webhook_token in page

    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, host_model="Customer").order_by(Binding.id)).scalars().first()
    sandbox.update_record(company.division, "Accounts", binding.exact_id,
                          {"Name": "Changed in Exact just now"})
    assert wait_for(lambda: db.session.get(Customer, binding.host_id).name ==
                    "Changed in Exact just now")

    # Exact allows no update: a second Re-subscribe deletes and creates again (still 3).
    press(admin_client, company, "resubscribe")
    assert len(sandbox_subscriptions(sandbox)) == 3

    said = press(admin_client, company, "disconnect")
    assert "webhook subscriptions were deleted" in said
    assert sandbox_subscriptions(sandbox) == []
    assert subscriptions.rows_of(company) == []


def test_resubscribe_without_a_webhook_secret_says_what_to_do(admin_client, live_company,
                                                             sandbox):
    said = press(admin_client, live_company, "resubscribe")
    assert "Enter the app&#39;s webhook secret" in said or "Enter the app's webhook secret" in said
    assert sandbox_subscriptions(sandbox) == []


def test_a_callback_exact_refuses_is_listed_with_the_reason(admin_client, app, live_company,
                                                            sandbox):
    company = with_webhook_secret(live_company, sandbox)
    # Another host than the app's redirect URI: Exact refuses the callback (reference §8).
    app.config["EXTERNAL_URL"] = "https://elsewhere.example"
    said = press(admin_client, company, "resubscribe")
    assert "refused" in said and "domain of the app" in said
    page = company_page(admin_client, company)
    assert "Not healthy" in page and "must be on the domain" in page


def test_the_webhook_secret_is_entered_on_the_company_form_and_never_shown(admin_client,
                                                                           live_company):
    page = company_page(admin_client, live_company)
    assert 'name="new_webhook_secret"' in page and "not entered" in page
    form = {"csrf_token": csrf_token_from(page), "name": live_company.name,
            "client_id": live_company.client_id, "location": "sandbox",
            "new_webhook_secret": "s3cret-from-app-centre", "default_invoice_status": "20"}
    admin_client.post(f"/admin/exact/companies/edit/?id={live_company.id}", data=form)
    db.session.expire_all()
    assert live_company.webhook_secret == "s3cret-from-app-centre"
    assert "s3cret-from-app-centre" not in company_page(admin_client, live_company)
