"""Connecting Exact Online companies: the module switch, the companies screen, Connect Now and
its failures, the Company tab, the settings, the outbound log screen and the CLI."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from backoffice.db import db
from exact_plugin import connection as exact
from exact_plugin.models import ExactConnection, IntegrationSettings, OutboundRequest
from exact_plugin.oauth import CONNECTING_KEY
from tests.conftest import csrf_token_from
from tests.fixtures.exact import authorize_in_sandbox

COMPANIES = "/admin/exact/companies/"
INTEGRATIONS = "/admin/integrations/"


def flashed(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def enable_module(admin_client):
    token = csrf_token_from(admin_client.get(INTEGRATIONS).get_data(as_text=True))
    return admin_client.post(INTEGRATIONS + "exact/enable", data={"enabled": "1",
                                                                  "csrf_token": token})


def new_company(admin_client, sandbox, **fields):
    form = {"name": "Acme NL", "client_id": sandbox.client_id,
            "new_client_secret": sandbox.client_secret, "location": "sandbox",
            "custom_base_url": "", "default_invoice_status": "20", "sync_customers": "y"}
    form.update(fields)
    form["csrf_token"] = csrf_token_from(admin_client.get(COMPANIES + "new/").get_data(as_text=True))
    return admin_client.post(COMPANIES + "new/", data=form)


@pytest.fixture
def enabled(app, admin_client, sandbox):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    enable_module(admin_client)
    return admin_client


def start_connect(admin_client, company):
    page = admin_client.get(f"{COMPANIES}edit/?id={company.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    answer = admin_client.post(f"{COMPANIES}{company.id}/connect", data={"csrf_token": token})
    assert answer.status_code == 302
    login = admin_client.get(answer.headers["Location"])
    assert login.status_code == 302
    return parse_qs(urlsplit(login.headers["Location"]).query), login.headers["Location"]


def saved_company(name="Acme NL"):
    db.session.expire_all()
    return db.session.execute(db.select(ExactConnection).filter_by(name=name)).scalar_one()


# -- the module switch -----------------------------------------------------------------------------

def test_integrations_lists_exact_online_with_an_enable_switch(admin_client):
    page = admin_client.get(INTEGRATIONS).get_data(as_text=True)
    assert "Exact Online" in page and 'id="enable-exact"' in page
    assert "Exact Online companies" not in page


def test_enabling_the_module_shows_the_exact_menu(admin_client):
    enable_module(admin_client)
    assert exact.is_enabled()
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Exact Online companies" in page and "Outbound requests" in page


def test_while_disabled_the_exact_screens_redirect_with_a_message(admin_client):
    answer = admin_client.get(COMPANIES, follow_redirects=True)
    assert "module is disabled" in answer.get_data(as_text=True)
    assert "Exact Online companies" not in admin_client.get("/admin/").get_data(as_text=True)


def test_the_enable_switch_refuses_a_post_without_csrf_token(admin_client):
    answer = admin_client.post(INTEGRATIONS + "exact/enable", data={"enabled": "1"})
    assert answer.status_code in (302, 400)
    assert not exact.is_enabled()


def test_integration_pages_need_login(client):
    for url in (INTEGRATIONS, COMPANIES, "/admin/exact/outbound/", "/exact/connect",
                "/authcallback?code=x&state=y"):
        answer = client.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url


def test_default_tenant_is_saved_integration_wide(enabled, connected_company):
    token = csrf_token_from(enabled.get(INTEGRATIONS).get_data(as_text=True))
    enabled.post(INTEGRATIONS + "exact/settings",
                 data={"default_connection_id": str(connected_company.id), "csrf_token": token})
    assert exact.default_connection().id == connected_company.id


def test_a_default_tenant_that_does_not_exist_is_refused_and_nothing_changes(
        enabled, connected_company):
    token = csrf_token_from(enabled.get(INTEGRATIONS).get_data(as_text=True))
    answer = enabled.post(INTEGRATIONS + "exact/settings", follow_redirects=True,
                          data={"default_connection_id": "999", "csrf_token": token})
    assert "no longer exists" in answer.get_data(as_text=True)
    assert exact.default_connection() is None


# -- the companies screen --------------------------------------------------------------------------

def test_new_company_shows_the_redirect_uri_from_the_request(enabled):
    page = enabled.get(COMPANIES + "new/").get_data(as_text=True)
    assert 'value="http://localhost/authcallback"' in page and 'id="copy-redirect-uri"' in page
    for label in ("Client ID", "Client secret", "Location", "Local sandbox", "Netherlands",
                  "United Kingdom", "Custom base URL"):
        assert label in page


def test_redirect_uri_uses_the_external_url_setting(app, enabled):
    app.config["EXTERNAL_URL"] = "https://backoffice.example.com/"
    page = enabled.get(COMPANIES + "new/").get_data(as_text=True)
    assert 'value="https://backoffice.example.com/authcallback"' in page


def test_a_new_company_is_saved_with_its_secret_encrypted_and_opens_its_page(enabled, sandbox):
    answer = new_company(enabled, sandbox)
    company = saved_company()
    assert answer.headers["Location"].endswith(f"edit/?id={company.id}")
    assert company.client_secret == sandbox.client_secret and company.state == "new"
    raw = db.session.execute(db.text("SELECT client_secret FROM exact_connection")).scalar()
    assert sandbox.client_secret not in raw


def test_the_client_secret_is_never_shown_again(enabled, sandbox):
    new_company(enabled, sandbox)
    page = enabled.get(f"{COMPANIES}edit/?id={saved_company().id}").get_data(as_text=True)
    assert sandbox.client_secret not in page


def test_saving_without_a_new_secret_keeps_the_old_one(enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    url = f"{COMPANIES}edit/?id={company.id}"
    token = csrf_token_from(enabled.get(url).get_data(as_text=True))
    enabled.post(url, data={"name": "Acme Renamed", "client_id": company.client_id,
                            "new_client_secret": "", "location": "sandbox",
                            "default_invoice_status": "10", "csrf_token": token})
    company = saved_company("Acme Renamed")
    assert company.client_secret == sandbox.client_secret
    assert company.default_invoice_status == 10


@pytest.mark.parametrize("fields, message", [
    ({"new_client_secret": ""}, "Enter the client secret"),
    ({"client_id": ""}, "This field is required"),
    ({"name": ""}, "This field is required"),
    ({"location": "custom", "custom_base_url": ""}, "Enter the base URL"),
    ({"location": "custom", "custom_base_url": "not a url"}, "Invalid URL"),
    ({"location": "moon"}, "Not a valid choice"),
    ({"default_invoice_status": "30"}, "Not a valid choice"),
])
def test_a_new_company_with_bad_input_is_refused_with_a_message(enabled, sandbox, fields,
                                                                 message):
    answer = new_company(enabled, sandbox, **fields)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert db.session.execute(db.select(ExactConnection)).first() is None


def test_changing_the_client_id_of_a_connected_company_asks_to_connect_again(
        admin_client, connected_company):
    url = f"{COMPANIES}edit/?id={connected_company.id}"
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    admin_client.post(url, data={"name": connected_company.name, "client_id": "another-app",
                                 "location": "sandbox", "default_invoice_status": "20",
                                 "csrf_token": token})
    company = saved_company(connected_company.name)
    assert (company.state, company.refresh_token) == ("disconnected", None)
    assert company.division == connected_company.division


# -- Connect Now ---------------------------------------------------------------------------------

def test_connect_now_sends_the_admin_to_the_companys_exact_site_with_a_state(enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    query, location = start_connect(enabled, company)
    assert location.startswith(f"{sandbox.base_url}/api/oauth2/auth?")
    assert query["client_id"] == [sandbox.client_id]
    assert query["redirect_uri"] == ["http://localhost/authcallback"]
    assert query["response_type"] == ["code"]
    assert query["state"][0].startswith(f"{company.id}.")


def test_save_and_connect_now_goes_straight_to_exact(enabled, sandbox):
    answer = new_company(enabled, sandbox, _connect_now="1")
    assert answer.headers["Location"].endswith("/exact/connect")


def test_connecting_stores_the_token_on_the_company_and_lists_its_divisions(
        app, enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    answer = authorize_in_sandbox(app, sandbox, company)
    assert answer.headers["Location"].endswith(f"edit/?id={company.id}")
    company = saved_company()
    assert company.state == "connected" and company.refresh_token
    assert company.exact_user_name == "Demo User"
    page = enabled.get(f"{COMPANIES}edit/?id={company.id}").get_data(as_text=True)
    for division in sandbox.divisions:
        assert f'id="division-{division}"' in page


def test_picking_the_company_on_the_company_tab(app, enabled, sandbox):
    new_company(enabled, sandbox)
    authorize_in_sandbox(app, sandbox, saved_company())
    company = saved_company()
    page = enabled.get(f"{COMPANIES}edit/?id={company.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    enabled.post(f"{COMPANIES}{company.id}/division",
                 data={"division": str(sandbox.divisions[1]), "csrf_token": token})
    company = saved_company()
    assert company.division == sandbox.divisions[1] and company.division_name
    assert exact.connected_connections() == [company]


def test_two_companies_on_the_same_division_are_refused(admin_client, connected_company,
                                                        second_connected_company, sandbox):
    url = f"{COMPANIES}edit/?id={second_connected_company.id}&choose=1"
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    answer = admin_client.post(f"{COMPANIES}{second_connected_company.id}/division",
                               data={"division": str(connected_company.division),
                                     "csrf_token": token}, follow_redirects=True)
    assert "already connected as" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExactConnection, second_connected_company.id).division == \
        sandbox.divisions[1]


@pytest.mark.parametrize("division, message", [
    ("", "Choose an Exact company from the list"),
    ("abc", "Choose an Exact company from the list"),
    ("424242", "is not one this connection may access"),
])
def test_a_division_not_offered_is_refused_and_nothing_changes(admin_client, connected_company,
                                                               division, message):
    url = f"{COMPANIES}edit/?id={connected_company.id}&choose=1"
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    answer = admin_client.post(f"{COMPANIES}{connected_company.id}/division",
                               data={"division": division, "csrf_token": token},
                               follow_redirects=True)
    assert message in flashed(answer.get_data(as_text=True))
    assert saved_company(connected_company.name).division == connected_company.division


def test_connect_now_for_a_company_that_was_deleted_says_so(admin_client, connected_company):
    token = csrf_token_from(admin_client.get(COMPANIES).get_data(as_text=True))
    answer = admin_client.post(f"{COMPANIES}999/connect", data={"csrf_token": token},
                               follow_redirects=True)
    assert "no longer exists" in answer.get_data(as_text=True)


def test_a_callback_without_a_code_says_to_connect_again(enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    query, _location = start_connect(enabled, company)
    page = callback_page(enabled, company, state=query["state"][0])
    assert "without an authorization code" in flashed(page.get_data(as_text=True))


def test_one_client_id_serves_two_companies_on_two_divisions(connected_company,
                                                             second_connected_company):
    assert connected_company.client_id == second_connected_company.client_id
    assert {connected_company.division, second_connected_company.division} == {100001, 100002}
    assert len(exact.connected_connections()) == 2


def callback_page(admin_client, company, **params):
    with admin_client.session_transaction() as session:
        session[CONNECTING_KEY] = company.id
    return admin_client.get("/authcallback", query_string=params, follow_redirects=True)


def test_denied_consent_ends_on_the_company_page_with_what_to_do(enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    query, _location = start_connect(enabled, company)
    page = callback_page(enabled, company, error="access_denied", state=query["state"][0])
    text = flashed(page.get_data(as_text=True))
    assert "consent was denied" in text and "Connect Now" in text
    assert saved_company().state == "new"


def test_connecting_with_debug_logging_never_logs_the_secret_or_tokens(
        app, sandbox, caplog):
    import logging
    from exact_plugin.tokens import load_tokens
    from tests.fixtures.exact import connect_company
    caplog.set_level(logging.DEBUG)
    company = connect_company(app, sandbox, "Logged company", sandbox.divisions[0])
    stored = load_tokens(company.id)
    for secret in (sandbox.client_secret, stored.access_token, stored.refresh_token):
        assert secret not in caplog.text


def test_a_wrong_client_secret_says_to_check_the_secret(app, enabled, sandbox):
    new_company(enabled, sandbox, new_client_secret="not-the-secret")
    company = saved_company()
    answer = authorize_in_sandbox(app, sandbox, company, browser=enabled)
    page = enabled.get(answer.headers["Location"]).get_data(as_text=True)
    assert "did not accept the Client ID and Client secret" in flashed(page)
    assert saved_company().refresh_token is None
    (entry,) = db.session.execute(db.select(OutboundRequest)).scalars().all()
    assert entry.status == 400 and "not-the-secret" not in (entry.response_body or "")


def test_a_reused_code_says_to_connect_again(app, enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    query, _location = start_connect(enabled, company)
    sandbox.set_redirect_uri(query["redirect_uri"][0])
    code = sandbox.authorize(redirect_uri=query["redirect_uri"][0])
    sandbox.get_token(code=code, redirect_uri=query["redirect_uri"][0])  # the code is used up
    page = callback_page(enabled, company, code=code, state=query["state"][0])
    assert "already used or is older than 3 minutes" in flashed(page.get_data(as_text=True))


def test_a_state_that_does_not_match_is_refused(enabled, sandbox):
    new_company(enabled, sandbox)
    company = saved_company()
    start_connect(enabled, company)
    page = callback_page(enabled, company, code="abc", state=f"{company.id}.forged")
    assert "state did not match" in flashed(page.get_data(as_text=True))
    assert saved_company().refresh_token is None


def test_a_callback_without_a_company_being_connected_says_what_to_do(enabled):
    page = enabled.get("/authcallback?code=x&state=y", follow_redirects=True)
    assert "No Exact Online company is waiting" in flashed(page.get_data(as_text=True))


def test_disconnect_keeps_the_company_and_offers_to_connect_again(admin_client,
                                                                  connected_company):
    url = f"{COMPANIES}edit/?id={connected_company.id}"
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    page = admin_client.post(f"{COMPANIES}{connected_company.id}/disconnect",
                             data={"csrf_token": token}, follow_redirects=True)
    text = flashed(page.get_data(as_text=True))
    assert "mappings are kept" in text and "Connect Now" in text
    company = saved_company(connected_company.name)
    assert company.state == "disconnected" and company.division == connected_company.division


def test_the_company_page_shows_calls_left_this_minute_and_today(admin_client,
                                                                 connected_company):
    from exact_plugin.client import ExactClient
    ExactClient.for_connection(connected_company).find_one("crm/Accounts", "Blocked eq false",
                                                           ["ID"])
    page = admin_client.get(f"{COMPANIES}edit/?id={connected_company.id}").get_data(as_text=True)
    assert '<span id="calls-left-minute">59</span>' in page
    assert '<span id="calls-left-day">4999</span>' in page


# -- the outbound request log --------------------------------------------------------------------

def test_outbound_requests_can_be_filtered_by_company_status_and_entity(
        admin_client, connected_company, second_connected_company):
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import ExactNotFound
    ExactClient.for_connection(connected_company).find_one("crm/Accounts", "Blocked eq false",
                                                           ["ID"])
    second = ExactClient.for_connection(second_connected_company)
    second.find_one("logistics/Items", "IsSalesItem eq true", ["ID"])
    with pytest.raises(ExactNotFound):
        list(second.iter_rows("crm/Nothing", ["ID"]))
    everything = admin_client.get("/admin/exact/outbound/").get_data(as_text=True)
    assert "crm/Accounts" in everything and "logistics/Items" in everything
    by_name = admin_client.get("/admin/exact/outbound/?flt0_company_equals=Second+sandbox+company")
    by_id = admin_client.get(
        f"/admin/exact/outbound/?flt0_company_id_equals={second_connected_company.id}")
    for page in (by_name.get_data(as_text=True), by_id.get_data(as_text=True)):
        assert "logistics/Items" in page and "crm/Nothing" in page
        assert "crm/Accounts" not in page
    failed = admin_client.get("/admin/exact/outbound/?flt0_status_equals=404")
    assert "crm/Nothing" in failed.get_data(as_text=True)
    assert "logistics/Items" not in failed.get_data(as_text=True)
    by_entity = admin_client.get("/admin/exact/outbound/?flt0_entity_equals=logistics%2FItems")
    assert "logistics/Items" in by_entity.get_data(as_text=True)
    assert "crm/Accounts" not in by_entity.get_data(as_text=True)


def test_the_company_page_links_to_its_outbound_requests(admin_client, connected_company):
    page = admin_client.get(f"{COMPANIES}edit/?id={connected_company.id}").get_data(as_text=True)
    assert f"/admin/exact/outbound/?flt0_company_id_equals={connected_company.id}" in page


def test_the_outbound_log_cannot_be_edited(admin_client, connected_company):
    assert admin_client.get("/admin/exact/outbound/new/").status_code in (302, 403)


# -- CLI ---------------------------------------------------------------------------------------------

def test_cli_lists_companies_with_division_state_and_calls_left(runner, connected_company):
    from exact_plugin.client import ExactClient
    ExactClient.for_connection(connected_company).find_one("crm/Accounts", "Blocked eq false",
                                                           ["ID"])
    result = runner.invoke(args=["exact", "companies"])
    assert result.exit_code == 0
    line = [row for row in result.output.splitlines() if "Sandbox company" in row][0]
    assert "100001" in line and "connected" in line and "59/4999" in line


def test_cli_check_prints_the_exact_user_and_division(runner, connected_company):
    result = runner.invoke(args=["exact", "check", "--company", str(connected_company.id)])
    assert result.exit_code == 0, result.output
    assert "Demo User" in result.output and "100001" in result.output


def test_cli_check_of_an_unknown_company_says_so(runner, connected_company):
    result = runner.invoke(args=["exact", "check", "--company", "999"])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_cli_check_of_a_company_that_needs_reconnect_says_what_to_do(runner, connected_company):
    from exact_plugin.tokens import mark_needs_reconnect
    mark_needs_reconnect(connected_company.id, "Reconnect the company (Connect Now).")
    result = runner.invoke(args=["exact", "check", "--company", str(connected_company.id)])
    assert result.exit_code != 0 and "Reconnect the company" in result.output


def test_a_company_that_needs_reconnect_is_told_to_press_the_button_its_page_shows(
        admin_client, connected_company):
    from exact_plugin.tokens import RECONNECT, mark_needs_reconnect
    mark_needs_reconnect(connected_company.id, RECONNECT)
    db.session.expire_all()   # written on its own connection

    page = admin_client.get(f"{COMPANIES}edit/?id={connected_company.id}").get_data(as_text=True)

    button = re.search(r'id="connect-now">\s*([^<]*?)\s*</button>', page).group(1)
    reason = re.search(r'id="connection-reason">([^<]*)<', page).group(1)
    assert button == "Reconnect"
    assert "the Reconnect button on its page" in reason


def test_integration_settings_row_is_created_once(app):
    first = IntegrationSettings.get()
    db.session.commit()
    assert IntegrationSettings.get() is first
