"""Login and logout of the back office."""
import pytest

from backoffice.auth import safe_next_url
from backoffice.db import db
from backoffice.models import User
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.fixtures.browser import login_in_browser


def test_home_page_redirects_to_the_admin(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")


def test_admin_pages_send_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_login_with_the_right_password_opens_the_admin(client, auth, admin_user):
    response = auth.login()

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_password_is_stored_hashed(admin_user):
    assert TEST_PASSWORD not in admin_user.password_hash
    assert admin_user.check_password(TEST_PASSWORD)


def test_login_with_a_wrong_password_is_refused_with_a_message(client, auth, admin_user):
    response = auth.login(password="wrong password")

    assert response.status_code == 200
    assert "Unknown login or wrong password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_with_an_unknown_login_gets_the_same_message(client, auth, admin_user):
    response = auth.login(login="nobody")

    assert "Unknown login or wrong password." in response.get_data(as_text=True)


def test_login_with_an_empty_form_asks_for_login_and_password(client, auth):
    token = auth.csrf_token("/login")

    response = client.post("/login", data={"login": "", "password": "", "csrf_token": token})

    page = response.get_data(as_text=True)
    assert "Enter your login." in page
    assert "Enter your password." in page


def test_a_deactivated_user_cannot_log_in(client, auth, admin_user):
    admin_user.active = False
    db.session.commit()

    response = auth.login()

    assert "This account is deactivated" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_a_user_deactivated_while_logged_in_is_logged_out_at_the_next_request(admin_client):
    user = db.session.execute(db.select(User).filter_by(login="admin")).scalar_one()
    user.active = False
    db.session.commit()

    assert admin_client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused_and_says_why(client, admin_user):
    response = client.post("/login", data={"login": "admin", "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_returns_to_the_page_asked_for(client, admin_user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))

    response = client.post("/login?next=/admin/customer/",
                           data={"login": "admin", "password": TEST_PASSWORD, "csrf_token": token})

    assert response.headers["Location"] == "/admin/customer/"


def test_login_refuses_to_redirect_to_another_site(client, admin_user):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))

    response = client.post("/login", query_string={"next": "//evil.example/"},
                           data={"login": "admin", "password": TEST_PASSWORD, "csrf_token": token})

    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\\evil.example", "/\tevil", "javascript:alert(1)",
                                    "admin/", "", None])
def test_safe_next_url_refuses_anything_but_a_path_on_this_site(target):
    assert safe_next_url(target) is None


def test_safe_next_url_keeps_paths_with_query_strings():
    assert safe_next_url("/admin/invoice/?page=2") == "/admin/invoice/?page=2"


def test_logout_with_get_is_not_allowed(admin_client):
    assert admin_client.get("/logout").status_code == 405
    assert admin_client.get("/admin/").status_code == 200


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(admin_client):
    response = admin_client.post("/logout")

    assert response.status_code == 400
    assert admin_client.get("/admin/").status_code == 200


def test_logout_with_csrf_token_ends_the_session(admin_client, auth):
    token = auth.csrf_token("/admin/")

    response = admin_client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 302


@pytest.mark.browser
def test_admin_logs_in_and_out_in_the_browser(admin_user, live_server, page):
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    assert page.url.startswith(f"{live_server.url}/admin")

    page.click("#logout-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/login")
    assert "You are logged out." in page.content()
