"""REST and OData behaviour (docs/sandbox.md §REST, reference §2, §3, §6)."""
import re

from .conftest import DIVISION, error_text, first_customer, first_item


def test_current_me_is_a_collection_of_one_with_current_division(api, sandbox):
    body = api.get(sandbox.url("current/Me")).json()
    assert list(body["d"]) == ["results"] and body["d"]["results"][0]["CurrentDivision"] == DIVISION


def test_current_me_does_not_count_toward_the_rate_limit(api, sandbox):
    response = api.get(sandbox.url("current/Me"))
    assert "X-RateLimit-Remaining" not in response.headers


def test_system_divisions_lists_only_granted_divisions(sandbox, url):
    api = sandbox.api(sandbox.get_token(divisions=[DIVISION])["access_token"])
    codes = [row["Code"] for row in api.get(url("system/Divisions")).json()["d"]["results"]]
    assert codes == [DIVISION]


def test_hrm_divisions_uses_capital_hid(api, url):
    row = api.get(url("hrm/Divisions"), params={"$select": "Code,Description,HID"}).json()["d"]["results"][0]
    assert set(row) == {"__metadata", "Code", "Description", "HID"}


def test_accounts_list_without_filter_is_refused_by_mandatory_filtering(api, url):
    response = api.get(url("crm/Accounts"))
    assert response.status_code == 400
    assert error_text(response).startswith("This endpoint has mandatory filtering applied.")


def test_items_list_without_filter_is_refused_by_mandatory_filtering(api, url):
    assert api.get(url("logistics/Items")).status_code == 400


def test_normal_endpoints_page_at_60_with_absolute_next_keeping_select_and_filter(sandbox, url):
    sandbox.reset(accounts=130)
    api = sandbox.api(sandbox.get_token()["access_token"])
    params = {"$filter": "Blocked eq false", "$select": "ID,Name"}
    first = api.get(url("crm/Accounts"), params=params).json()["d"]
    assert len(first["results"]) == 60
    assert first["__next"].startswith(url("crm/Accounts") + "?")
    assert "$select=ID,Name" in first["__next"] and "$filter=Blocked" in first["__next"]
    assert f"$skiptoken=guid'{first['results'][-1]['ID']}'" in first["__next"]
    seen = [row["ID"] for row in first["results"]]
    page = first
    while "__next" in page:
        page = api.get(page["__next"]).json()["d"]
        seen += [row["ID"] for row in page["results"]]
    assert len(seen) == len(set(seen)) == 130


def test_select_projects_fields_and_always_adds_metadata(api, url):
    row = api.get(url("vat/VATCodes"), params={"$select": "Code,Percentage"}).json()["d"]["results"][0]
    assert set(row) == {"__metadata", "Code", "Percentage"}
    assert row["__metadata"]["type"] == "Exact.Web.Api.Models.VATCode"


def test_without_select_all_fields_and_deferred_navigation_are_returned(api, url):
    row = first_customer(api, url)
    assert row["BankAccounts"] == {"__deferred": {"uri": row["__metadata"]["uri"] + "/BankAccounts"}}
    assert "AddressLine1" in row and re.fullmatch(r"/Date\(\d+\)/", row["Created"])


def test_account_code_is_right_aligned_to_18_and_country_padded_to_3(api, url):
    row = api.get(url("crm/Accounts"), params={"$filter": "Code eq '                 7'"}).json()["d"]["results"][0]
    assert row["Code"] == " " * 17 + "7" and len(row["Country"]) == 3


def test_unpadded_code_filter_finds_nothing_but_trim_does(api, url):
    unpadded = api.get(url("crm/Accounts"), params={"$filter": "Code eq '7'"}).json()["d"]["results"]
    trimmed = api.get(url("crm/Accounts"), params={"$filter": "trim(Code) eq '7'"}).json()["d"]["results"]
    assert unpadded == [] and len(trimmed) == 1


def test_vat_codes_are_padded_to_3_and_percentage_is_a_fraction(api, url):
    codes = {row["Code"]: row["Percentage"] for row in api.get(url("vat/VATCodes")).json()["d"]["results"]}
    assert codes["2  "] == 0.21 and codes["1  "] == 0.09 and codes["0  "] == 0.0


def test_filter_supports_and_or_parentheses_substringof_startswith_and_escaped_quotes(sandbox, api, url):
    sandbox.create_record(DIVISION, "Accounts", {"Name": "O'Brien & Co Ltd", "Status": "C", "City": "Leeds"})
    query = ("(substringof('brien',Name) eq true or startswith(Name,'Zzz')) and Name eq 'O''Brien & Co Ltd' "
             "and Blocked eq false and City ne null")
    rows = api.get(url("crm/Accounts"), params={"$filter": query}).json()["d"]["results"]
    assert [row["Name"] for row in rows] == ["O'Brien & Co Ltd"]


def test_filter_on_guid_and_datetime_literals(api, url):
    row = first_customer(api, url)
    query = f"ID eq guid'{row['ID']}' and Created ge datetime'2024-01-01T00:00:00' and Created lt datetime'2030-01-01'"
    assert [r["ID"] for r in api.get(url("crm/Accounts"), params={"$filter": query}).json()["d"]["results"]] == [row["ID"]]


def test_filter_syntax_error_is_400(api, url):
    assert api.get(url("crm/Accounts"), params={"$filter": "Name eq 'unterminated"}).status_code == 400


def test_filter_on_unknown_property_is_400(api, url):
    assert api.get(url("crm/Accounts"), params={"$filter": "Nope eq 1"}).status_code == 400


def test_top_orderby_and_inlinecount(api, url):
    body = api.get(url("crm/Accounts"), params={"$filter": "Status eq 'C'", "$top": "3", "$orderby": "Name desc",
                                                "$inlinecount": "allpages", "$select": "Name"}).json()["d"]
    names = [row["Name"] for row in body["results"]]
    assert len(names) == 3 and names == sorted(names, reverse=True)
    assert isinstance(body["__count"], str) and int(body["__count"]) > 3 and "__next" not in body


def test_count_returns_a_bare_integer(sandbox, tokens, url):
    response = sandbox.api(tokens["access_token"]).get(url("vat/VATCodes/$count"), headers={"Accept": "*/*"})
    assert response.text == "5"


def test_without_accept_json_the_answer_is_406(sandbox, tokens, url):
    response = sandbox.api(tokens["access_token"]).get(url("vat/VATCodes"), headers={"Accept": "*/*"})
    assert response.status_code == 406


def test_key_addressing_returns_the_single_entity(api, url):
    row = first_item(api, url)
    body = api.get(url(f"logistics/Items(guid'{row['ID']}')")).json()
    assert body["d"]["ID"] == row["ID"] and body["d"]["__metadata"]["type"] == "Exact.Web.Api.Models.Item"


def test_unknown_key_is_404(api, url):
    assert api.get(url("logistics/Items(guid'00000000-0000-0000-0000-000000000000')")).status_code == 404


def test_item_groups_and_units_are_get_only(api, url):
    groups = api.get(url("logistics/ItemGroups")).json()["d"]["results"]
    assert sum(group["IsDefault"] for group in groups) == 1
    assert api.get(url("logistics/Units")).status_code == 200
    assert api.post(url("logistics/ItemGroups"), json={"Code": "X", "Description": "X"}).status_code == 405


def test_gl_accounts_and_sales_journal_exist(api, url):
    revenue = api.get(url("financial/GLAccounts"), params={"$filter": "Code eq '8000'"}).json()["d"]["results"][0]
    journal = api.get(url("financial/Journals"), params={"$filter": "Code eq '70'"}).json()["d"]["results"][0]
    assert revenue["Type"] == 110 and journal["Type"] == 20


def test_post_returns_201_with_key_and_posted_fields_only(api, url):
    response = api.post(url("crm/Accounts"), json={"Name": "Nieuwe Klant B.V.", "Status": "C"})
    assert response.status_code == 201
    assert set(response.json()["d"]) == {"__metadata", "ID", "Name", "Status"}


def test_post_with_prefer_return_representation_returns_all_fields(api, url):
    response = api.post(url("crm/Accounts"), json={"Name": "Volledig B.V."},
                        headers={"Prefer": "return=representation"})
    body = response.json()["d"]
    assert response.status_code == 201 and body["Code"].strip() == "31" and len(body["Code"]) == 18


def test_read_only_fields_are_silently_ignored_on_post_and_put(api, url):
    created = api.post(url("crm/Accounts"), json={"Name": "RO B.V.", "IsSales": True, "Created": "2001-01-01"},
                       headers={"Prefer": "return=representation"}).json()["d"]
    assert created["IsSales"] is False and created["Created"] != "/Date(978307200000)/"
    key = created["ID"]
    assert api.put(url(f"crm/Accounts(guid'{key}')"), json={"Type": "D", "City": "Delft"}).status_code == 204
    again = api.get(url(f"crm/Accounts(guid'{key}')")).json()["d"]
    assert again["Type"] == "A" and again["City"] == "Delft"


def test_put_and_delete_answer_204_with_empty_body(api, url):
    key = api.post(url("crm/Accounts"), json={"Name": "Weg B.V."}).json()["d"]["ID"]
    updated = api.put(url(f"crm/Accounts(guid'{key}')"), json={"Name": "Weg Ermee B.V."})
    deleted = api.delete(url(f"crm/Accounts(guid'{key}')"))
    assert (updated.status_code, updated.content, deleted.status_code, deleted.content) == (204, b"", 204, b"")
    assert api.get(url(f"crm/Accounts(guid'{key}')")).status_code == 404
