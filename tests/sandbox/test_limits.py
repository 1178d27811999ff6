"""Rate limits and the hourly error budget (docs/sandbox.md §Limits, reference §4)."""
import math

from .conftest import DIVISION, OTHER_DIVISION

RATE_HEADERS = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                "X-RateLimit-Minutely-Limit", "X-RateLimit-Minutely-Remaining", "X-RateLimit-Minutely-Reset"}


def move_to_start_of_window(sandbox, window=60):
    now = sandbox.now()
    sandbox.advance(math.floor(now / window) * window + window - now + 0.01)


def test_every_division_response_carries_the_six_rate_limit_headers(api, url):
    response = api.get(url("vat/VATCodes"))
    assert RATE_HEADERS <= set(response.headers)
    assert response.headers["X-RateLimit-Minutely-Limit"] == "60" and response.headers["X-RateLimit-Limit"] == "5000"


def test_daily_reset_is_next_utc_midnight_in_epoch_ms(sandbox, api, url):
    reset = int(api.get(url("vat/VATCodes")).headers["X-RateLimit-Reset"])
    assert reset % 86_400_000 == 0 and 0 < reset / 1000 - sandbox.now() <= 86400


def test_minutely_reset_is_the_next_window_boundary(sandbox, api, url):
    reset = int(api.get(url("vat/VATCodes")).headers["X-RateLimit-Minutely-Reset"])
    assert reset % 60_000 == 0 and 0 < reset / 1000 - sandbox.now() <= 60


def test_minute_spent_gives_429_with_only_minutely_headers(sandbox, api, url):
    sandbox.set_limits(minutely_limit=3)
    move_to_start_of_window(sandbox)
    remaining = [api.get(url("vat/VATCodes")).headers["X-RateLimit-Minutely-Remaining"] for _ in range(3)]
    refused = api.get(url("vat/VATCodes"))
    assert remaining == ["2", "1", "0"]
    assert refused.status_code == 429 and refused.content == b""
    assert {name for name in refused.headers if name.startswith("X-RateLimit")} == {
        "X-RateLimit-Minutely-Limit", "X-RateLimit-Minutely-Remaining", "X-RateLimit-Minutely-Reset"}


def test_next_window_restores_the_minutely_budget(sandbox, api, url):
    sandbox.set_limits(minutely_limit=1)
    move_to_start_of_window(sandbox)
    api.get(url("vat/VATCodes"))
    assert api.get(url("vat/VATCodes")).status_code == 429
    sandbox.advance(60)
    assert api.get(url("vat/VATCodes")).status_code == 200


def test_window_length_is_configurable(sandbox, api, url):
    sandbox.set_limits(minutely_limit=1, window_seconds=5)
    move_to_start_of_window(sandbox, 5)
    api.get(url("vat/VATCodes"))
    sandbox.advance(5)
    assert api.get(url("vat/VATCodes")).status_code == 200


def test_day_spent_gives_429_with_only_daily_headers(sandbox, api, url):
    sandbox.set_limits(daily_limit=2)
    api.get(url("vat/VATCodes"))
    api.get(url("vat/VATCodes"))
    refused = api.get(url("vat/VATCodes"))
    assert refused.status_code == 429
    assert {name for name in refused.headers if name.startswith("X-RateLimit")} == {
        "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def test_limits_are_counted_per_division(sandbox, api, url):
    sandbox.set_limits(minutely_limit=1)
    move_to_start_of_window(sandbox)
    api.get(url("vat/VATCodes"))
    assert api.get(url("vat/VATCodes", division=OTHER_DIVISION)).status_code == 200


def test_ten_errors_on_an_endpoint_block_it_with_403_for_the_hour(sandbox, api, url):
    sandbox.advance(3600 - sandbox.now() % 3600 + 1)
    api = sandbox.api(sandbox.get_token()["access_token"])
    missing = url("logistics/Items(guid'00000000-0000-0000-0000-000000000000')")
    statuses = [api.get(missing).status_code for _ in range(10)]
    blocked = api.get(url("logistics/Items"), params={"$filter": "Code eq 'x'"})
    other_endpoint = api.get(url("vat/VATCodes"))
    assert statuses == [404] * 10
    assert blocked.status_code == 403 and blocked.headers["Reason"] == "TooManyErrors"
    assert other_endpoint.status_code == 200
    sandbox.advance(3600)
    api = sandbox.api(sandbox.get_token()["access_token"])
    assert api.get(url("logistics/Items"), params={"$filter": "Code eq 'x'"}).status_code == 200


def test_error_block_can_be_turned_off(sandbox, api, url):
    sandbox.set_limits(error_block=False)
    for _ in range(12):
        api.get(url("crm/Accounts"))
    assert api.get(url("crm/Accounts"), params={"$filter": "Code eq 'x'"}).status_code == 200


def test_stats_count_calls_by_endpoint_template_division_and_status(sandbox, api, url):
    sandbox.reset_stats()
    api.get(url("vat/VATCodes"))
    api.get(url("crm/Accounts"))
    stats = sandbox.stats()
    assert stats["calls"] == {"GET vat/VATCodes": 1, "GET crm/Accounts": 1}
    assert stats["by_division"] == {str(DIVISION): 2} and stats["by_status"] == {"200": 1, "400": 1}
    assert stats["entities"][str(DIVISION)]["Accounts"] == 30
