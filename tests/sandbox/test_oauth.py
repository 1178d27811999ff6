"""OAuth 2 as Exact does it (docs/sandbox.md §OAuth, reference §1)."""
import html
from urllib.parse import parse_qs, urlsplit

import requests

from .conftest import DIVISION


def token_call(sandbox, **form):
    return requests.post(f"{sandbox.base_url}/api/oauth2/token", data=form, timeout=10)


def code_grant(sandbox, code, **overrides):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": sandbox.redirect_uri,
            "client_id": sandbox.client_id, "client_secret": sandbox.client_secret, **overrides}
    return token_call(sandbox, **form)


def test_consent_page_has_username_password_divisions_authorize_and_deny(sandbox):
    page = requests.get(f"{sandbox.base_url}/api/oauth2/auth", params={
        "client_id": sandbox.client_id, "redirect_uri": sandbox.redirect_uri, "response_type": "code"})
    assert page.status_code == 200
    for text in ("Username", "Password", "Authorize", "Deny", 'name="divisions" value="100001"',
                 'name="divisions" value="100002"'):
        assert text in page.text


def test_unknown_client_id_shows_client_not_found_message(sandbox):
    page = requests.get(f"{sandbox.base_url}/api/oauth2/auth", params={
        "client_id": "00000000-0000-0000-0000-000000000000", "redirect_uri": sandbox.redirect_uri})
    assert "Client with identifier '00000000-0000-0000-0000-000000000000' not found." in html.unescape(page.text)


def test_mismatching_redirect_uri_is_refused_on_the_page(sandbox):
    page = requests.get(f"{sandbox.base_url}/api/oauth2/auth", params={
        "client_id": sandbox.client_id, "redirect_uri": sandbox.redirect_uri + "/other"})
    assert page.status_code == 400 and "redirect URI does not match" in page.text


def test_authorize_redirects_with_code_containing_bang_and_state(sandbox):
    answer = requests.post(f"{sandbox.base_url}/api/oauth2/auth", allow_redirects=False, data={
        "client_id": sandbox.client_id, "redirect_uri": sandbox.redirect_uri, "response_type": "code",
        "state": "xyz 1", "username": "demo", "password": "demo", "divisions": ["100001"], "action": "authorize"})
    location = answer.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert answer.status_code == 302 and location.startswith(sandbox.redirect_uri)
    assert "!" in query["code"][0] and query["state"] == ["xyz 1"]


def test_deny_redirects_with_access_denied_and_state(sandbox):
    answer = requests.post(f"{sandbox.base_url}/api/oauth2/auth", allow_redirects=False, data={
        "client_id": sandbox.client_id, "redirect_uri": sandbox.redirect_uri, "state": "s1", "action": "deny"})
    assert parse_qs(urlsplit(answer.headers["Location"]).query) == {"error": ["access_denied"], "state": ["s1"]}


def test_wrong_password_stays_on_the_login_page(sandbox):
    answer = requests.post(f"{sandbox.base_url}/api/oauth2/auth", allow_redirects=False, data={
        "client_id": sandbox.client_id, "redirect_uri": sandbox.redirect_uri, "username": "demo",
        "password": "wrong", "divisions": ["100001"], "action": "authorize"})
    assert answer.status_code == 401 and "Invalid username or password" in answer.text


def test_code_exchange_returns_exact_token_shape_with_string_expires_in(sandbox):
    body = code_grant(sandbox, sandbox.authorize()).json()
    assert body["token_type"] == "bearer" and body["expires_in"] == "600"
    assert body["access_token"] and "!" in body["refresh_token"]


def test_client_credentials_are_accepted_as_http_basic(sandbox):
    code = sandbox.authorize()
    response = requests.post(f"{sandbox.base_url}/api/oauth2/token", auth=(sandbox.client_id, sandbox.client_secret),
                             data={"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": sandbox.redirect_uri})
    assert response.status_code == 200 and response.json()["expires_in"] == "600"


def test_reused_code_is_a_plain_bad_request(sandbox):
    code = sandbox.authorize()
    assert code_grant(sandbox, code).status_code == 200
    again = code_grant(sandbox, code)
    assert again.status_code == 400 and again.text == "Bad Request"


def test_code_older_than_three_minutes_is_refused(sandbox):
    code = sandbox.authorize()
    sandbox.advance(181)
    assert code_grant(sandbox, code).status_code == 400


def test_wrong_client_secret_is_invalid_request(sandbox):
    response = code_grant(sandbox, sandbox.authorize(), client_secret="nope")
    assert response.status_code == 400 and response.json() == {"error": "invalid_request"}


def test_refresh_before_570_seconds_is_refused_with_reason_header(sandbox, tokens):
    sandbox.advance(569)
    response = sandbox.refresh(tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {"error": "access_denied",
                               "error_description": "Rate limit exceeded: access_token not expired"}
    assert response.headers["Reason"] == "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired"


def test_refresh_after_570_seconds_rotates_the_refresh_token(sandbox, tokens):
    sandbox.advance(570)
    renewed = sandbox.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]


def test_reusing_a_refresh_token_is_old_refresh_token_used(sandbox, tokens):
    sandbox.advance(580)
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200
    again = sandbox.refresh(tokens["refresh_token"])
    assert again.status_code == 401
    assert again.json() == {"error": "unauthorized_client", "error_description": "Old refresh token used."}


def test_refresh_token_unused_for_30_days_has_expired(sandbox, tokens):
    sandbox.advance(30 * 86400 + 1)
    response = sandbox.refresh(tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert response.json()["error_description"].startswith("The refresh token expired at ")


def test_access_token_expires_after_600_seconds(sandbox, tokens, url):
    api = sandbox.api(tokens["access_token"])
    assert api.get(url("system/Divisions")).status_code == 200
    sandbox.advance(600)
    expired = api.get(url("system/Divisions"))
    assert expired.status_code == 401 and expired.content == b""
    assert expired.headers["WWW-Authenticate"] == "Bearer"


def test_token_endpoint_allows_200_calls_per_user_per_app_per_day(sandbox):
    sandbox.set_limits(token_daily_limit=3)
    for _ in range(3):
        sandbox.get_token()
    refused = code_grant(sandbox, sandbox.authorize())
    assert refused.status_code == 400 and "Rate limit exceeded" in refused.json()["error_description"]


def test_registered_redirect_uri_can_be_replaced_through_control(sandbox):
    sandbox.set_redirect_uri("http://127.0.0.1:1234/authcallback")
    code = sandbox.authorize()
    assert code_grant(sandbox, code, redirect_uri="http://127.0.0.1:1234/authcallback").status_code == 200


def test_extra_app_can_be_registered_with_its_own_redirect_uri(sandbox):
    app = sandbox.register_app("http://127.0.0.1:4321/authcallback")
    code = sandbox.authorize(client_id=app["client_id"], redirect_uri=app["redirect_uri"])
    response = token_call(sandbox, grant_type="authorization_code", code=code, redirect_uri=app["redirect_uri"],
                          client_id=app["client_id"], client_secret=app["client_secret"])
    assert response.status_code == 200


def test_revoked_access_token_answers_401(sandbox, tokens, url):
    sandbox.revoke(tokens["access_token"])
    assert sandbox.api(tokens["access_token"]).get(url("system/Divisions")).status_code == 401


def test_division_not_granted_is_403_no_division_access(sandbox, url):
    api = sandbox.api(sandbox.get_token(divisions=[DIVISION])["access_token"])
    response = api.get(url("system/Divisions", division=100002))
    assert response.status_code == 403 and response.headers["Reason"] == "NoDivisionAccess"


def test_unknown_access_token_is_401_with_empty_body_and_www_authenticate_bearer(sandbox, url):
    response = sandbox.api("not-a-token").get(url("vat/VATCodes"))
    assert (response.status_code, response.content, response.headers["WWW-Authenticate"]) == (401, b"", "Bearer")


def test_ten_token_endpoint_errors_block_the_token_endpoint_for_the_hour(sandbox):
    tokens = sandbox.get_token()
    for _ in range(10):  # Exact: too-early refreshes count toward the error limit (picqer#475)
        assert sandbox.refresh(tokens["refresh_token"]).status_code == 400
    sandbox.advance(600)
    blocked = sandbox.refresh(tokens["refresh_token"])
    assert blocked.status_code == 400 and blocked.headers["Reason"] == "TooManyErrors"
    sandbox.advance(3600)
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200
