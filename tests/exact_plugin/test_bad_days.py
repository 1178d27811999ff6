"""Issue 10, the API's bad days, against the sandbox's faults: one bounded retry policy, the
rolling-hour error budget, 200 answers that are not what Exact sends, division moves and old
cursors, and no token renewal inside Exact's 570 s."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer, utcnow
from exact_plugin import clock
from exact_plugin.client import ExactClient
from exact_plugin.errors import ExactErrorBudgetExhausted, ExactTransientError
from exact_plugin.importing import runs
from exact_plugin.importing.models import DONE, STOPPED, SyncCursor
from exact_plugin.models import Binding, OutboundRequest
from tests.factories import binding_of, enable_integration, make_customer

DIVISION = 100001


@pytest.fixture
def company(app, connected_company):
    app.config.update(EXACT_RETRY_WAIT_INITIAL=0.01, EXACT_RETRY_WAIT_MAX=0.02)
    enable_integration(default_company=connected_company)
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()
    return connected_company


def logged(**filters):
    db.session.expire_all()
    return db.session.execute(db.select(OutboundRequest).filter_by(**filters)
                              .order_by(OutboundRequest.id)).scalars().all()


# -- one retry policy ------------------------------------------------------------------------

def test_a_saved_customer_under_a_503_storm_costs_at_most_four_requests(company, sandbox):
    sandbox.set_faults(error503=1)
    sandbox.reset_stats()
    customer = make_customer()
    binding = binding_of(company, customer)
    assert binding.sync_state == "queued"
    assert "retried automatically" in binding.last_error
    assert len(logged(method="POST", entity="crm/Accounts")) == 4
    assert sandbox.stats()["faults"]["error503"] == 4


def test_retries_stop_in_time_for_the_record_lock(app, company, sandbox):
    # A 3 s budget under the lock (8 s lock - 5 s margin), answers within 1 s, waits 1, 2, 4 s.
    app.config.update(EXACT_SYNC_LOCK_SECONDS=8, EXACT_HTTP_TIMEOUT=(1, 1),
                      EXACT_RETRY_WAIT_INITIAL=1, EXACT_RETRY_WAIT_MAX=30,
                      EXACT_RETRY_ATTEMPTS=10)
    sandbox.set_faults(error503=1)
    started = time.monotonic()
    customer = make_customer()
    elapsed = time.monotonic() - started
    assert elapsed < 8
    assert binding_of(company, customer).sync_state == "queued"
    assert len(logged(method="POST", entity="crm/Accounts")) == 2


# -- the error budget ------------------------------------------------------------------------

def test_the_error_budget_counts_a_rolling_hour_not_the_clock_hour(app, company, sandbox,
                                                                    clocks):
    app.config.update(EXACT_ERROR_BUDGET=4)
    client = ExactClient.for_connection(company, context="bad days")
    missing = "00000000-0000-0000-0000-000000000000"
    for _ in range(2):
        assert client.get_by_key("crm/Accounts", missing) is None
    clocks.advance(40 * 60)          # across a clock hour or not: the hour is rolling
    for _ in range(2):
        assert client.get_by_key("crm/Accounts", missing) is None
    with pytest.raises(ExactErrorBudgetExhausted) as raised:
        client.get_by_key("crm/Accounts", missing)
    assert "paused until" in raised.value.message and "outbound request log" in raised.value.message
    clocks.advance(21 * 60)          # the first two errors leave the hour: two more fit
    for _ in range(2):
        assert client.get_by_key("crm/Accounts", missing) is None
    with pytest.raises(ExactErrorBudgetExhausted):
        client.get_by_key("crm/Accounts", missing)


def test_the_plugin_stops_before_exacts_block_and_exact_never_blocks(company, sandbox):
    client = ExactClient.for_connection(company, context="bad days")
    missing = "00000000-0000-0000-0000-000000000000"
    for _ in range(20):
        try:
            client.get_by_key("crm/Accounts", missing)
        except ExactErrorBudgetExhausted:
            pass
    assert sandbox.stats()["by_status"].get("403", 0) == 0
    assert len(logged(entity="crm/Accounts", status=404)) == 8


# -- 200 answers that are not what Exact sends -------------------------------------------------

@pytest.mark.parametrize("fault, words", [
    ("empty200", "an empty body"), ("null200", '{"d": null}'), ("html200", "not JSON"),
    ("noid", "rows without their ID"), ("loopnext", "a __next link to a page it already gave")])
def test_a_malformed_200_stops_the_import_with_a_message_and_deletes_nothing(
        company, sandbox, fault, words):
    first = runs.import_now(company.id, "customers")
    assert first.state == DONE
    customers = db.session.execute(select(Customer.id)).scalars().all()
    sandbox.set_faults(**{fault: 1})
    run = runs.import_now(company.id, "customers", full=True)
    assert run.state == STOPPED
    assert words in run.message and "Nothing of this answer was used" in run.message
    sandbox.set_faults()
    [bad] = [row for row in logged() if row.error and words in row.error]
    assert bad.status == 200
    assert db.session.execute(select(Binding).filter_by(deleted_in_exact=True)).first() is None
    assert db.session.execute(select(Customer.id)).scalars().all() == customers


def test_a_malformed_answer_on_the_import_page_is_shown_not_done_zero_records(
        admin_client, company, sandbox):
    sandbox.set_faults(null200=1)
    run = runs.import_now(company.id, "customers")
    page = admin_client.get(f"/admin/exact-import/run/{run.id}").get_data(as_text=True)
    assert "is not what Exact sends" in page


# -- division moves and old cursors --------------------------------------------------------

def test_a_division_move_makes_the_next_incremental_run_a_full_read_said_on_the_page(
        admin_client, company, sandbox):
    runs.import_now(company.id, "customers")
    second = runs.import_now(company.id, "customers")
    assert second.fetched == 0 and second.full_read_reason is None
    sandbox.move_division(DIVISION)
    # After the move the Timestamps start again low: an edit gets one below our cursor.
    account = [row for row in sandbox.records(DIVISION, "Accounts") if row["Status"] == "C"][0]
    sandbox.update_record(DIVISION, "Accounts", account["ID"], {"City": "Moved City"})
    run = runs.import_now(company.id, "customers")
    assert run.state == DONE and "moved this company" in run.full_read_reason
    db.session.expire_all()
    binding = db.session.execute(select(Binding).filter_by(exact_id=account["ID"])).scalar_one()
    assert db.session.get(Customer, binding.host_id).main_site.city == "Moved City"
    page = admin_client.get("/admin/exact-import/").get_data(as_text=True)
    assert "moved this company" in page
    # The next run is incremental again.
    assert runs.import_now(company.id, "customers").full_read_reason is None


def test_a_cursor_older_than_exacts_deleted_log_reads_everything_again(company, sandbox):
    runs.import_now(company.id, "customers")
    cursor = db.session.execute(select(SyncCursor).filter_by(
        connection_id=company.id, entity="customers")).scalar_one()
    cursor.read_at = utcnow() - timedelta(days=61)
    db.session.commit()
    run = runs.import_now(company.id, "customers")
    assert run.state == DONE and "two months" in run.full_read_reason
    [last_read] = logged(entity="sync/CRM/Accounts")[-1:]
    assert "Timestamp+gt+0L" in last_read.url or "Timestamp%20gt%200L" in last_read.url


# -- tokens ----------------------------------------------------------------------------------

def test_no_forced_token_renewal_is_tried_inside_exacts_570_seconds(company, sandbox, clocks):
    client = ExactClient.for_connection(company)
    sandbox.revoke(client.tokens.access_token)
    clocks.advance(100)
    sandbox.reset_stats()
    with pytest.raises(ExactTransientError) as raised:
        client.me()
    assert "570 seconds" in raised.value.message
    assert sandbox.stats()["token_calls"] == {}
