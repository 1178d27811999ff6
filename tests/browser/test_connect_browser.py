"""The whole "Connecting Exact Online" flow of the guide, in headless Chromium, as a new admin
would do it: log in, enable the module, New company, copy the redirect URI (and register it in
the sandbox's "App Centre"), fill Client ID / Client secret / Location, Connect Now, log in and
authorize on the sandbox, pick the company; then a second company on another division with
the same client ID."""
import pytest

from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser, open_menu

pytestmark = pytest.mark.browser


def connect_new_company(page, sandbox, name, division, taken_division=None):
    open_menu(page, "Exact Online", "Exact Online companies")
    page.click("a:has-text('Create')")
    redirect_uri = page.input_value("#redirect-uri")
    page.click("#copy-redirect-uri")
    page.wait_for_selector("#copy-redirect-uri-status:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == redirect_uri
    # What the admin does in Exact's App Centre: register the redirect URI for the app.
    sandbox.set_redirect_uri(redirect_uri)
    page.fill("#name", name)
    page.fill("#client_id", sandbox.client_id)
    page.fill("#new_client_secret", sandbox.client_secret)
    page.select_option("#location", label="Local sandbox")
    page.click("#save-and-connect")
    # Exact Online's (the sandbox's) login and consent page.
    page.wait_for_selector("#authorize")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("#authorize")
    page.wait_for_selector("#division-form")
    assert "Connected to Exact Online as Demo User" in page.content()
    if taken_division is not None:
        page.check(f"#division-{taken_division}")
        page.click("#choose-division")
        page.wait_for_selector(".alert:has-text('already connected as')")
    page.check(f"#division-{division}")
    page.click("#choose-division")
    page.wait_for_selector("#chosen-division")
    assert page.inner_text("#chosen-division") == str(division)
    assert page.inner_text("#connection-state") == "Connected"
    return redirect_uri


def test_an_admin_connects_two_exact_companies_with_one_app(
        app, live_server, page, sandbox, admin_user):
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    open_menu(page, "Configuration", "Integrations")
    page.click("#enable-exact")
    page.wait_for_selector("#exact-module-state:has-text('Enabled')")

    first, second = sandbox.divisions
    redirect_uri = connect_new_company(page, sandbox, "Acme Netherlands", first)
    assert redirect_uri == f"{live_server.url}/authcallback"
    connect_new_company(page, sandbox, "Acme Belgium", second, taken_division=first)

    open_menu(page, "Exact Online", "Exact Online companies")
    rows = page.inner_text("table.model-list")
    assert "Acme Netherlands" in rows and str(first) in rows
    assert "Acme Belgium" in rows and str(second) in rows
    assert rows.count("Connected") >= 2
