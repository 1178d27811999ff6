"""Issue 12: the OAuth callback and redirect URI cannot be steered by another site."""
import os
import threading

from backoffice.db import db
from exact_plugin.models import ExactConnection
from exact_plugin.oauth import CONNECTING_KEY
from tests.conftest import csrf_token_from
from tests.exact_plugin.test_connection import (COMPANIES, enable_module, flashed, new_company,
                                         saved_company, start_connect)


def test_a_forged_error_callback_is_refused_on_the_state_before_it_is_read(
        admin_client, app, sandbox):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    enable_module(admin_client)
    new_company(admin_client, sandbox)
    company = saved_company()
    start_connect(admin_client, company)

    page = admin_client.get("/authcallback", follow_redirects=True, query_string={
        "error": "access_denied", "state": f"{company.id}.forged"})

    text = flashed(page.get_data(as_text=True))
    assert "state did not match" in text
    assert "consent was denied" not in text


def test_without_external_url_a_forged_host_gets_no_redirect_uri(admin_client, app, sandbox):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    enable_module(admin_client)
    new_company(admin_client, sandbox)
    company = saved_company()
    with admin_client.session_transaction() as session:
        session[CONNECTING_KEY] = company.id

    # The same browser session, sent to this server under a forged Host header.
    admin_client.set_cookie("session", admin_client.get_cookie("session").value,
                            domain="evil.example")
    answer = admin_client.get("/exact/connect", headers={"Host": "evil.example"})

    assert answer.status_code == 302
    assert "/login" not in answer.headers["Location"]
    assert "evil.example" not in answer.headers["Location"]
    assert sandbox.base_url not in answer.headers["Location"]      # not sent to Exact at all
    page = admin_client.get(answer.headers["Location"], headers={"Host": "evil.example"})
    assert "Set EXTERNAL_URL" in flashed(page.get_data(as_text=True))


def test_with_external_url_an_untrusted_host_is_refused(app_config):
    from app import create_app
    app_config["EXTERNAL_URL"] = "https://backoffice.example.com"
    client = create_app(app_config).test_client()

    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", base_url="https://backoffice.example.com").status_code == 200


def test_a_plain_http_custom_base_url_is_refused_unless_local(admin_client, app, sandbox):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    enable_module(admin_client)

    remote = new_company(admin_client, sandbox, name="Remote", location="custom",
                         custom_base_url="http://exact.example.com")
    local = new_company(admin_client, sandbox, name="Local", location="custom",
                        custom_base_url="http://127.0.0.1:9")

    assert remote.status_code == 200
    assert "Plain http:// is only allowed" in flashed(remote.get_data(as_text=True))
    names = set(db.session.execute(db.select(ExactConnection.name)).scalars())
    assert names == {"Local"} and local.status_code == 302


def test_insecure_transport_is_allowed_per_request_never_process_wide(admin_client, app,
                                                                      sandbox):
    from oauthlib.oauth2.rfc6749.utils import is_secure_transport
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    enable_module(admin_client)
    new_company(admin_client, sandbox)
    company = saved_company()
    seen_by_other_thread = []
    connecting = threading.Event()
    done = threading.Event()

    def other_thread():
        connecting.wait(10)
        while not done.is_set():
            seen_by_other_thread.append(is_secure_transport("http://attacker.example/token"))
            seen_by_other_thread.append(bool(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")))

    watcher = threading.Thread(target=other_thread)
    watcher.start()
    connecting.set()
    try:
        query, location = start_connect(admin_client, company)   # http:// sandbox on loopback
    finally:
        done.set()
        watcher.join()

    assert location.startswith(sandbox.base_url)
    assert seen_by_other_thread and not any(seen_by_other_thread)
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
