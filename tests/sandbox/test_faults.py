"""Fault injection (docs/sandbox.md §Faults)."""
import pytest
import requests

from .conftest import first_customer


def test_error503_share_one_answers_503_before_doing_anything(sandbox, api, url):
    sandbox.set_faults("error503=1")
    response = api.post(url("crm/Accounts"), json={"Name": "Nooit B.V."})
    sandbox.set_faults()
    assert response.status_code == 503
    assert not [row for row in sandbox.records(100001, "Accounts") if row["Name"] == "Nooit B.V."]


def test_dropped_response_is_committed_but_the_client_sees_a_connection_error(sandbox, api, url):
    sandbox.set_faults(drop=1)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        api.post(url("crm/Accounts"), json={"Name": "Half B.V."})
    sandbox.set_faults()
    assert [row for row in sandbox.records(100001, "Accounts") if row["Name"] == "Half B.V."]


def test_revoke_fault_makes_a_valid_token_answer_401(sandbox, api, url):
    sandbox.set_faults("revoke=1")
    assert api.get(url("vat/VATCodes")).status_code == 401


def test_faults_do_not_touch_oauth_or_control_endpoints(sandbox):
    sandbox.set_faults("error503=1")
    assert sandbox.get_token()["expires_in"] == "600"
    assert "error503" not in sandbox.stats()["faults"]


def test_faults_are_deterministic_for_a_seed(sandbox, api, url):
    def run():
        sandbox.set_faults("error503=0.5,seed=7")
        return [api.get(url("vat/VATCodes")).status_code for _ in range(8)]
    sandbox.set_limits(error_block=False)
    assert run() == run() and 503 in run()


def test_latency_is_added_to_api_calls(sandbox, api, url):
    sandbox.set_faults(latency=0.2)
    response = api.get(url("vat/VATCodes"))
    assert response.elapsed.total_seconds() >= 0.2
    sandbox.set_faults()
    first_customer(api, url)


def test_fault_spec_with_an_unknown_fault_is_rejected():
    from exact_sandbox.faults import parse_spec
    assert parse_spec("latency=0.05,error503=0.05,drop=0.05,revoke=0")["drop"] == 0.05
    with pytest.raises(ValueError):
        parse_spec("explode=1")


@pytest.mark.parametrize("fault, check", [
    ("empty200", lambda response: response.content == b""),
    ("null200", lambda response: response.json() == {"d": None}),
    ("html200", lambda response: response.text.startswith("<!DOCTYPE html>")),
    ("noid", lambda response: all("ID" not in row for row in response.json()["d"]["results"])),
    ("loopnext", lambda response: response.json()["d"]["__next"].endswith(
        "vat/VATCodes?%24select=Code")),
])
def test_malformed_200_faults_answer_gets_with_what_exact_never_sends(sandbox, api, url, fault,
                                                                       check):
    sandbox.set_faults(**{fault: 1})
    response = api.get(url("vat/VATCodes"), params={"$select": "Code"} if fault == "loopnext"
                       else {"$select": "ID,Code"})
    assert response.status_code == 200 and check(response)
    assert sandbox.stats()["faults"][fault] == 1
    # Writes are never answered by these faults.
    assert api.post(url("crm/Accounts"), json={"Name": "Echt B.V."}).status_code == 201


def test_a_moved_division_regenerates_its_timestamps_from_the_start(sandbox, api, url):
    def timestamps():
        rows = api.get(url("sync/CRM/Accounts"), params={
            "$select": "ID,Timestamp", "$filter": "Timestamp gt 1L"}).json()["d"]["results"]
        return {row["ID"]: row["Timestamp"] for row in rows}
    account = next(iter(timestamps()))
    sandbox.update_record(100001, "Accounts", account, {"City": "Zwolle"})
    before = timestamps()[account]
    sandbox.move_division(100001)
    [division] = api.get(url("system/Divisions"), params={
        "$select": "Code,DivisionMoveDate", "$filter": "Code eq 100001"}).json()["d"]["results"]
    assert timestamps()[account] < before   # below a cursor taken before the move
    assert division["DivisionMoveDate"] is not None
