"""The daily budget as a plan (budget.py): call classes, the reserve, the forecast, the page.

Against the sandbox over HTTP with a small daily limit (40 calls, reserve 20 % = 8): imports
stop at 8 calls left, keep-alive calls at 12, admin actions and pushes use the rest, and nobody
goes past the limit.
"""
import time

import pytest

from backoffice.db import db
from exact_plugin import budget
from exact_plugin.client import ExactClient
from exact_plugin.errors import ExactBudgetReserved, ExactRateLimited
from exact_plugin.models import OutboundRequest
from tests.factories import (binding_of, enable_integration, make_customer, make_invoice,
                             make_product)

DAILY_LIMIT = 40


@pytest.fixture
def company(app, connected_company, sandbox):
    sandbox.set_limits(daily_limit=DAILY_LIMIT)
    enable_integration(default_company=connected_company)
    return connected_company


def spend_day_elsewhere(sandbox, company, calls):
    """Calls another app user of the division makes (our budget learns of them from the next
    answer's headers)."""
    client = ExactClient.for_connection(company)
    api = sandbox.api(client.tokens.access_token)
    url = sandbox.url(f"{company.division}/crm/Accounts?$select=ID&$filter=Blocked eq false&$top=1")
    statuses = [api.get(url).status_code for _ in range(calls)]
    assert set(statuses) <= {200}, statuses


def read_one(company):
    return ExactClient.for_connection(company).find_one("crm/Accounts", "Blocked eq false",
                                                        ["ID"])


def leave(company, sandbox, calls):
    """Spend the division's day until `calls` are left (and our budget knows it)."""
    read_one(company)
    left = calls_left_today(company)
    spend_day_elsewhere(sandbox, company, left - calls - 1)
    read_one(company)
    assert calls_left_today(company) == calls


def calls_left_today(company):
    from exact_plugin.connection import calls_left
    return calls_left(company)["daily_remaining"]


def test_a_division_near_its_daily_limit_still_sends_an_admins_invoice_and_defers_the_keep_alive(
        company, sandbox):
    customer, product = make_customer(), make_product()
    assert binding_of(company, product).sync_state == "synced"
    leave(company, sandbox, 11)
    sandbox.reset_stats()

    with budget.call_class(budget.KEEPALIVE), pytest.raises(ExactBudgetReserved) as deferred:
        read_one(company)   # keep-alive calls stop at 12 left
    assert "keep-alive calls" in deferred.value.message
    assert "kept for admin actions and pushed changes" in deferred.value.message
    assert deferred.value.retryable and deferred.value.reset_at > time.time()
    assert sandbox.stats()["total_calls"] == 0   # refused before anything was sent

    with budget.call_class(budget.IMPORT):
        for _ in range(3):
            read_one(company)   # imports stop at 8 left: 11 -> 8
        with pytest.raises(ExactBudgetReserved, match="imports"):
            read_one(company)
    assert calls_left_today(company) == 8

    # The admin's invoice (a push, in the reserve) still goes.
    invoice = make_invoice(customer, [(product, 1, 95, None)], number="INV-000099")
    binding = binding_of(company, invoice)
    assert binding.sync_state == "synced", binding.last_error
    assert calls_left_today(company) == 7
    assert sandbox.stats()["by_status"].get("429", 0) == 0


def test_the_days_limit_is_never_exceeded_even_by_an_admin(company, sandbox):
    leave(company, sandbox, 0)   # the last call of the day was ours
    sandbox.reset_stats()
    with pytest.raises(ExactRateLimited) as refused:
        read_one(company)
    assert refused.value.daily and "daily call limit" in refused.value.message
    assert sandbox.stats()["total_calls"] == 0


def test_the_company_page_says_when_background_work_is_paused(company, sandbox, admin_client):
    leave(company, sandbox, 5)   # below the imports' floor of 8
    status = budget.status(company)
    assert status["background_paused"] and status["daily_remaining"] == 5
    page = admin_client.get(f"/admin/exact/companies/edit/?id={company.id}").get_data(as_text=True)
    assert 'id="daily-budget"' in page
    assert "Imports and other background work for" in page and "are paused until" in page
    assert "kept for admin actions and pushed changes" in page


def test_the_forecast_says_when_background_work_will_stop_at_this_pace(company, sandbox):
    for _ in range(4):
        read_one(company)
    status = budget.status(company)
    assert status["calls_last_hour"] == 4 and not status["background_paused"]
    # 36 left, background work stops at 8: 28 calls at 4 an hour = 7 hours (or the day ends).
    assert status["daily_remaining"] == DAILY_LIMIT - 4
    expected = time.time() + 28 / 4 * 3600
    if expected < status["resets_at"]:
        assert abs(status["runs_out_at"] - expected) < 60
        assert "At this rate (4 calls in the last hour) the budget for background work runs " \
               "out at" in status["message"]
    else:
        assert status["runs_out_at"] is None and "they last until the daily reset" in \
            status["message"]


def test_forecast_arithmetic():
    now = 1_000_000.0
    assert budget.forecast(1000, 200, 400, now + 86400, now=now) == now + 2 * 3600
    assert budget.forecast(1000, 200, 400, now + 3600, now=now) is None   # lasts the day
    assert budget.forecast(150, 200, 400, None, now=now) == now            # already there
    assert budget.forecast(None, 200, 400, None, now=now) is None          # unknown
    assert budget.forecast(1000, 200, 0, None, now=now) is None            # nothing spent


def test_an_unknown_call_class_is_refused(app):
    with pytest.raises(ValueError, match="Unknown call class 'urgent'"):
        with budget.call_class("urgent"):
            pass


def test_calls_are_classed_admin_on_a_page_push_in_a_job(app):
    assert budget.current_class() == budget.PUSH
    with app.test_request_context("/admin/"):
        assert budget.current_class() == budget.ADMIN
        with budget.call_class(budget.IMPORT):
            assert budget.current_class() == budget.IMPORT


def test_outbound_log_counts_only_sent_calls(company, sandbox):
    """A deferred call writes nothing to the outbound log (it never left)."""
    leave(company, sandbox, 10)
    before = db.session.execute(db.select(db.func.count(OutboundRequest.id))).scalar()
    with budget.call_class(budget.KEEPALIVE), pytest.raises(ExactBudgetReserved):
        read_one(company)
    assert db.session.execute(db.select(db.func.count(OutboundRequest.id))).scalar() == before
