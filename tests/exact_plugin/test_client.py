"""ExactClient against the sandbox over HTTP: paging, $select, writes, typed errors, the
outbound request log, transient errors, rate limits and the hourly error budget."""
import time

import pytest

from backoffice.db import db
from exact_plugin.client import ExactClient
from exact_plugin.errors import (ExactErrorBudgetExhausted, ExactForbidden, ExactNotFound,
                                 ExactOutcomeUnknown, ExactRateLimited, ExactUnavailable,
                                 ExactValidationError, NotConnected)
from exact_plugin.models import OutboundRequest

ACCOUNT_FIELDS = ["ID", "Code", "Name", "City"]


@pytest.fixture
def client(app, connected_company):
    # Fast backoff for the tests; the defaults (1 s doubling to 30 s) are for Exact.
    app.config.update(EXACT_RETRY_WAIT_INITIAL=0.01, EXACT_RETRY_WAIT_MAX=0.05)
    return ExactClient.for_connection(connected_company, context="client test")


def logged(**filters):
    db.session.expire_all()
    return db.session.execute(db.select(OutboundRequest).filter_by(**filters)
                              .order_by(OutboundRequest.id)).scalars().all()


def api_calls(sandbox, method="GET", endpoint="crm/Accounts"):
    return sandbox.stats()["calls"].get(f"{method} {endpoint}", 0)


# -- reading -----------------------------------------------------------------------------------

def test_iter_rows_fetches_the_next_page_only_when_the_caller_gets_there(client, sandbox):
    sandbox.control("POST", "reseed", {"accounts": 130})
    sandbox.reset_stats()
    rows = client.iter_rows("crm/Accounts", ACCOUNT_FIELDS, filter="Blocked eq false")
    first_five = [next(rows) for _ in range(5)]
    assert len(first_five) == 5 and api_calls(sandbox) == 1
    remaining = list(rows)
    assert len(first_five) + len(remaining) == 130
    assert api_calls(sandbox) == 3   # 60 + 60 + 10 (Exact's page size, §3.3)


def test_iter_pages_gives_one_list_per_answer(client, sandbox):
    sandbox.control("POST", "reseed", {"accounts": 130})
    sizes = [len(page) for page in client.iter_pages("crm/Accounts", ACCOUNT_FIELDS,
                                                     filter="Blocked eq false")]
    assert sizes == [60, 60, 10]


def test_every_collection_request_names_its_fields(client):
    list(client.iter_rows("crm/Accounts", ACCOUNT_FIELDS, filter="Blocked eq false", top=3))
    (entry,) = logged(entity="crm/Accounts")
    assert "%24select=ID%2CCode%2CName%2CCity" in entry.url


def test_a_collection_request_without_select_is_refused_before_calling_exact(client, sandbox):
    sandbox.reset_stats()
    with pytest.raises(ValueError, match=r"\$select"):
        list(client.iter_rows("crm/Accounts", [], filter="Blocked eq false"))
    assert sandbox.stats()["total_calls"] == 0


def test_find_one_returns_the_match_or_none(client, sandbox):
    known = sandbox.records(sandbox.divisions[0], "Accounts")[0]
    found = client.find_one("crm/Accounts", f"Code eq '{known['Code']}'", ACCOUNT_FIELDS)
    assert found["ID"] == known["ID"]
    assert client.find_one("crm/Accounts", "Code eq 'no such code'", ACCOUNT_FIELDS) is None
    assert "%24top=1" in logged(entity="crm/Accounts")[-1].url


def test_get_by_key_returns_the_record_or_none_when_exact_has_no_such_key(client, sandbox):
    known = sandbox.records(sandbox.divisions[0], "Accounts")[0]
    assert client.get_by_key("crm/Accounts", known["ID"], ACCOUNT_FIELDS)["Name"] == known["Name"]
    assert client.get_by_key("crm/Accounts", "00000000-0000-0000-0000-000000000000") is None


def test_me_and_divisions_describe_the_connected_user(client, sandbox):
    assert client.me()["CurrentDivision"] in sandbox.divisions
    assert [row["Code"] for row in client.divisions()] == sandbox.divisions


# -- writing -----------------------------------------------------------------------------------

def test_create_returns_the_whole_new_record(client, sandbox):
    created = client.create("crm/Accounts", {"Name": "Acme Ltd", "Code": "4711", "Status": "C",
                                             "City": "Utrecht"})
    assert created["ID"] and created["Name"] == "Acme Ltd"
    assert "Created" in created   # Prefer: return=representation fills every property
    stored = [row for row in sandbox.records(sandbox.divisions[0], "Accounts")
              if row["ID"] == created["ID"]]
    assert stored and stored[0]["City"] == "Utrecht"


def test_update_and_delete_change_the_record_in_exact(client, sandbox):
    created = client.create("crm/Accounts", {"Name": "Before", "Status": "C"})
    client.update("crm/Accounts", created["ID"], {"Name": "After"})
    assert client.get_by_key("crm/Accounts", created["ID"], ["Name"])["Name"] == "After"
    client.delete("crm/Accounts", created["ID"])
    assert client.get_by_key("crm/Accounts", created["ID"], ["Name"]) is None


def test_a_refused_record_raises_a_validation_error_with_exacts_message(client):
    with pytest.raises(ExactValidationError) as raised:
        client.create("crm/Accounts", {"City": "Nowhere"})
    assert "Mandatory: Name" in raised.value.message
    assert raised.value.status == 500


def test_an_unknown_endpoint_raises_not_found(client):
    with pytest.raises(ExactNotFound):
        list(client.iter_rows("crm/NoSuchThing", ["ID"]))


def test_a_division_the_user_did_not_consent_to_raises_forbidden_with_advice(
        app, sandbox, connected_company):
    from tests.fixtures.exact import connect_company
    narrow = connect_company(app, sandbox, "Narrow consent", sandbox.divisions[1],
                             consent_divisions=[sandbox.divisions[0]])
    client = ExactClient.for_connection(narrow)
    with pytest.raises(ExactForbidden) as raised:
        client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    assert raised.value.reason == "NoDivisionAccess"
    assert "consent" in raised.value.message


# -- the outbound request log ----------------------------------------------------------------------

def test_every_request_is_logged_with_company_status_duration_and_calls_left(
        client, connected_company):
    client.find_one("crm/Accounts", "Blocked eq false", ACCOUNT_FIELDS)
    (entry,) = logged(entity="crm/Accounts")
    assert entry.connection_id == connected_company.id
    assert (entry.method, entry.status, entry.context) == ("GET", 200, "client test")
    assert entry.duration_ms is not None and entry.duration_ms >= 0
    assert entry.minutely_remaining is not None and entry.daily_remaining is not None
    # Bodies are kept for every call (issue 13), not only for failures.
    assert entry.error is None and entry.request_body is None
    assert entry.response_body and '"d"' in entry.response_body


def test_a_failed_request_keeps_both_bodies_and_the_error_text(client):
    with pytest.raises(ExactValidationError):
        client.create("crm/Accounts", {"City": "Nowhere"})
    (entry,) = logged(method="POST", entity="crm/Accounts")
    assert entry.status == 500
    assert "Mandatory: Name" in entry.error
    assert "Nowhere" in entry.request_body and "Mandatory" in entry.response_body


def test_the_log_never_holds_the_access_token(client):
    client.me()
    client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    token = client.tokens.access_token
    for entry in logged():
        assert token not in " ".join(str(value) for value in (
            entry.url, entry.error, entry.request_body, entry.response_body))


# -- transient errors ------------------------------------------------------------------------------

def test_a_503_storm_is_ridden_out_with_retries(client, sandbox):
    sandbox.set_faults(error503=0.4, seed=11)
    rows = [client.find_one("crm/Accounts", "Blocked eq false", ["ID"]) for _ in range(12)]
    assert all(rows)
    statuses = [entry.status for entry in logged(entity="crm/Accounts")]
    assert 503 in statuses and statuses.count(200) == 12


def test_a_web_request_tries_twice_without_waiting_then_says_to_try_again(app, client,
                                                                          sandbox):
    app.config.update(EXACT_RETRY_WAIT_INITIAL=5, EXACT_RETRY_WAIT_MAX=5)
    sandbox.set_faults(error503=1)
    sandbox.reset_stats()
    started = time.monotonic()
    with app.test_request_context("/admin/"):
        with pytest.raises(ExactUnavailable) as raised:
            client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    assert time.monotonic() - started < 2
    assert "try again in a moment" in raised.value.message
    assert sandbox.stats()["faults"] == {"error503": 2}


def test_a_dropped_connection_on_a_read_is_retried(client, sandbox):
    sandbox.set_faults(drop=0.5, seed=3)
    assert all(client.find_one("crm/Accounts", "Blocked eq false", ["ID"]) for _ in range(6))
    assert any(entry.status is None for entry in logged(entity="crm/Accounts"))


def test_a_dropped_connection_on_a_create_is_not_sent_again(client, sandbox):
    sandbox.set_faults(drop=1)
    sandbox.reset_stats()
    with pytest.raises(ExactOutcomeUnknown) as raised:
        client.create("crm/Accounts", {"Name": "Dropped Ltd", "Code": "9090", "Status": "C"})
    assert "natural key" in raised.value.message
    assert api_calls(sandbox, "POST") == 1
    sandbox.set_faults()
    # Exact did create it: the exporter finds it by its code instead of creating it twice.
    assert client.find_one("crm/Accounts", f"Code eq '{9090:>18}'", ["ID", "Name"])["Name"] == \
        "Dropped Ltd"


# -- rate limits -------------------------------------------------------------------------------------

def spend_minute_elsewhere(sandbox, client, calls):
    """Another app user spends the division's minute (calls our budget does not know of)."""
    api = sandbox.api(client.tokens.access_token)
    url = sandbox.url(f"{client.division}/crm/Accounts?$select=ID&$top=1")
    return [api.get(url).status_code for _ in range(calls)]


def early_in_a_window(sandbox, window):
    """Wait for the start of the sandbox's next rate window unless this one just began."""
    left = window - sandbox.now() % window
    if left < window * 0.8:
        time.sleep(left + 0.02)


def test_a_job_waits_for_the_reset_after_a_429_and_then_succeeds(client, sandbox):
    sandbox.set_limits(minutely_limit=3, window_seconds=2)
    early_in_a_window(sandbox, 2)
    spend_minute_elsewhere(sandbox, client, 3)
    assert client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    statuses = [entry.status for entry in logged(entity="crm/Accounts")]
    assert statuses[0] == 429 and statuses[-1] == 200


def test_a_429_storm_is_ridden_out_by_a_job(client, sandbox):
    sandbox.set_limits(minutely_limit=4, window_seconds=1)
    results = [client.find_one("crm/Accounts", "Blocked eq false", ["ID"]) for _ in range(10)]
    assert all(results)
    assert sandbox.stats()["by_status"].get("429", 0) <= 1


def test_a_web_request_refuses_at_once_when_the_minute_is_used_up(app, client, sandbox):
    sandbox.set_limits(minutely_limit=2, window_seconds=3600)
    for _ in range(2):
        client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    started = time.monotonic()
    with app.test_request_context("/admin/"):
        with pytest.raises(ExactRateLimited) as raised:
            client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    assert time.monotonic() - started < 1
    assert "try again in" in raised.value.message
    assert sandbox.stats()["by_status"].get("429", 0) == 0


def test_the_budget_is_shared_by_every_client_of_the_division(app, client, connected_company,
                                                              sandbox):
    sandbox.set_limits(minutely_limit=3, window_seconds=3600)
    other = ExactClient.for_connection(connected_company)
    for _ in range(3):
        client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
    with app.test_request_context("/admin/"):
        with pytest.raises(ExactRateLimited):
            other.find_one("crm/Accounts", "Blocked eq false", ["ID"])


def test_calls_stop_before_exacts_ten_errors_per_hour_block(client, sandbox):
    missing = "00000000-0000-0000-0000-000000000000"
    for _ in range(8):
        assert client.get_by_key("crm/Accounts", missing) is None
    sandbox.reset_stats()
    with pytest.raises(ExactErrorBudgetExhausted) as raised:
        client.get_by_key("crm/Accounts", missing)
    assert "outbound request log" in raised.value.message
    assert sandbox.stats()["total_calls"] == 0
    # Other endpoints are not affected.
    assert client.find_one("logistics/Items", "IsSalesItem eq true", ["ID"]) is not None


# -- bad input ---------------------------------------------------------------------------------------

def test_a_client_for_an_unknown_company_says_so(app, connected_company):
    with pytest.raises(NotConnected, match="does not exist"):
        ExactClient.for_connection(9999)


def test_no_client_while_the_module_is_disabled(connected_company):
    from exact_plugin.connection import set_enabled
    set_enabled(False)
    with pytest.raises(NotConnected, match="module is disabled"):
        ExactClient.for_connection(connected_company)


def test_a_company_never_connected_has_no_client(app, connected_company):
    from exact_plugin.models import ExactConnection
    company = ExactConnection(name="Not yet", location="sandbox", client_id="x",
                              client_secret="y")
    db.session.add(company)
    db.session.commit()
    with pytest.raises(NotConnected, match="Connect Now"):
        ExactClient.for_connection(company)


def test_division_calls_need_a_chosen_division(connected_company):
    connected_company.division = None
    db.session.commit()
    client = ExactClient.for_connection(connected_company)
    assert client.me()   # no division needed
    with pytest.raises(NotConnected, match="Company section of its page"):
        client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
