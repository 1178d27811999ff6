"""Twenty throttled divisions in one sandbox (docs/sandbox.md §Rate limits, issue 16)."""
import pytest

from .conftest import DIVISION

TWENTY = [DIVISION + index for index in range(20)]


@pytest.fixture
def twenty_divisions(sandbox):
    sandbox.reset(divisions=20, accounts=3, items=2)
    sandbox.divisions = TWENTY
    return sandbox


@pytest.fixture
def twenty_api(twenty_divisions):
    return twenty_divisions.api(twenty_divisions.get_token(divisions=TWENTY)["access_token"])


def accounts_url(sandbox, division):
    return sandbox.url(f"{division}/crm/Accounts")


def test_twenty_divisions_are_seeded_with_distinct_names_and_served(twenty_divisions, twenty_api):
    rows = twenty_api.get(twenty_divisions.url(f"{DIVISION}/system/Divisions")).json()["d"]["results"]
    assert sorted(row["Code"] for row in rows) == TWENTY
    assert len({row["Description"] for row in rows}) == 20
    for division in TWENTY:
        response = twenty_api.get(accounts_url(twenty_divisions, division), params={"$filter": "Blocked eq false"})
        assert len(response.json()["d"]["results"]) == 3


def test_each_division_has_its_own_shortened_window(twenty_divisions, twenty_api):
    twenty_divisions.set_limits(minutely_limit=2, window_seconds=5)
    twenty_divisions.advance(5 - twenty_divisions.now() % 5 + 0.01)  # start of a window: no boundary mid-test
    statuses = {division: [twenty_api.get(accounts_url(twenty_divisions, division),
                                          params={"$filter": "Blocked eq false"}).status_code for _ in range(3)]
                for division in TWENTY}
    assert all(codes == [200, 200, 429] for codes in statuses.values())
    twenty_divisions.advance(5)
    response = twenty_api.get(accounts_url(twenty_divisions, DIVISION), params={"$filter": "Blocked eq false"})
    assert response.status_code == 200
    assert int(response.headers["X-RateLimit-Minutely-Reset"]) % 5000 == 0


def test_the_command_line_seeds_twenty_divisions(sandbox_process):
    process = sandbox_process("--divisions", "20", "--accounts", "2", "--items", "1", "--window-seconds", "5")
    assert ", ".join(str(division) for division in TWENTY) in process.output
