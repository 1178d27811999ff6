"""Shared helpers for the sandbox's own tests (the ``sandbox`` fixture comes from tests.fixtures.sandbox)."""
import pytest

DIVISION, OTHER_DIVISION = 100001, 100002


@pytest.fixture
def tokens(sandbox):
    """Tokens of a demo user who allowed both divisions."""
    return sandbox.get_token()


@pytest.fixture
def api(sandbox, tokens):
    """A requests session with the bearer token and Accept: application/json."""
    return sandbox.api(tokens["access_token"])


@pytest.fixture
def url(sandbox):
    """``url("crm/Accounts")`` → the REST URL in the default division."""
    return lambda path, division=DIVISION: sandbox.url(f"{division}/{path}")


def error_text(response) -> str:
    return response.json()["error"]["message"]["value"]


def first_customer(api, url) -> dict:
    return api.get(url("crm/Accounts"), params={"$filter": "Status eq 'C'", "$top": "1"}).json()["d"]["results"][0]


def first_item(api, url) -> dict:
    return api.get(url("logistics/Items"), params={"$filter": "IsSalesItem eq true", "$top": "1"}).json()["d"]["results"][0]
