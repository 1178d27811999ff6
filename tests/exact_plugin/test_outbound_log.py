"""The outbound request log: bodies kept for every call with credentials redacted, retention and
its purge job, search and the details page."""
import json
from datetime import timedelta

import pytest

from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import outbound
from exact_plugin.models import OutboundRequest
from jobs.schedule import periodic_jobs


def rows():
    db.session.expire_all()
    return db.session.execute(db.select(OutboundRequest).order_by(OutboundRequest.id)
                              ).scalars().all()


def test_bodies_are_kept_for_a_successful_call_with_secrets_and_tokens_redacted(app):
    outbound.record(connection_id=None, method="POST", url="https://x.test/api/v1/1/crm/Accounts",
                    entity="crm/Accounts", status=201,
                    request_body=json.dumps({"Name": "Acme", "client_secret": "s3cr3t"}),
                    response_body=json.dumps({"d": {"access_token": "tok-123", "Name": "Acme",
                                                    "nested": [{"refresh_token": "r-9"}]}}))
    (row,) = rows()
    assert "Acme" in row.request_body and "s3cr3t" not in row.request_body
    assert "tok-123" not in row.response_body and "r-9" not in row.response_body
    assert "[redacted]" in row.response_body and "Acme" in row.response_body


def test_a_form_encoded_body_has_its_credentials_redacted(app):
    text = "grant_type=refresh_token&refresh_token=abc&client_secret=xyz&client_id=id-1"
    redacted = outbound.redact(text)
    assert "abc" not in redacted and "xyz" not in redacted and "client_id=id-1" in redacted


def test_a_body_that_is_not_json_nor_form_is_kept_as_it_is(app):
    assert outbound.redact("<html>Bad gateway</html>") == "<html>Bad gateway</html>"
    assert outbound.redact(None) is None


def test_the_purge_removes_only_rows_older_than_the_retention(app):
    app.config["EXACT_OUTBOUND_RETENTION_DAYS"] = 90
    for age in (91, 89, 0):
        outbound.record(connection_id=None, method="GET", url="https://x.test/a", entity="a",
                        status=200)
        row = rows()[-1]
        row.created_at = utcnow() - timedelta(days=age)
        db.session.commit()
    assert "removed 1" in outbound.purge_job()
    assert len(rows()) == 2


def test_the_purge_is_a_declared_periodic_job(app):
    assert outbound.PURGE_JOB_ID in {job.id for job in periodic_jobs(app)}


def test_the_log_is_searchable_and_a_details_page_pretty_prints_the_body(admin_client):
    from exact_plugin.connection import set_enabled
    set_enabled(True)
    outbound.record(connection_id=None, method="POST", url="https://x.test/api/v1/1/crm/Accounts",
                    entity="crm/Accounts", status=400, error="Mandatory: Name",
                    request_body=json.dumps({"City": "Nowhere"}))
    outbound.record(connection_id=None, method="GET", url="https://x.test/api/v1/1/logistics/Items",
                    entity="logistics/Items", status=200)
    found = admin_client.get("/admin/exact/outbound/?search=Mandatory").get_data(as_text=True)
    assert "crm/Accounts" in found and "logistics/Items" not in found
    nothing = admin_client.get("/admin/exact/outbound/?search=%25%27%22zz").get_data(as_text=True)
    assert "logistics/Items" not in nothing
    row = rows()[0]
    details = admin_client.get(f"/admin/exact/outbound/details/?id={row.id}").get_data(as_text=True)
    assert "https://x.test/api/v1/1/crm/Accounts" in details
    assert '{\n  &#34;City&#34;: &#34;Nowhere&#34;\n}' in details
