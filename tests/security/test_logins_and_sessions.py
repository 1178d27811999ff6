"""Issue 12: login throttling, constant-time answers, sessions that can be ended, cookies."""
import time

import pytest

from backoffice.db import db
from backoffice.models import User
from tests.conftest import TEST_PASSWORD, csrf_token_from


def make_user(login, role="administrator", password=TEST_PASSWORD):
    user = User(login=login, active=True, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def post_login(client, login, password, address="203.0.113.7"):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def throttled_app_config(app_config):
    app_config["LOGIN_LIMIT_PER_LOGIN"] = "5 per 15 minutes"
    app_config["LOGIN_LIMIT_PER_ADDRESS"] = "8 per 15 minutes"
    return app_config


def test_guessing_a_password_is_stopped_even_when_the_right_one_comes(
        throttled_app_config, app, client, admin_user):
    wrong = [post_login(client, "admin", f"guess {number}").status_code for number in range(5)]

    right = post_login(client, "admin", TEST_PASSWORD)

    assert wrong == [200] * 5
    assert right.status_code == 429
    assert "Too many failed logins" in right.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302          # not logged in


def test_guessing_many_logins_from_one_address_is_stopped(
        throttled_app_config, app, client, admin_user):
    answers = [post_login(client, f"user{number}", "guess").status_code for number in range(8)]

    refused = post_login(client, "admin", TEST_PASSWORD)

    assert answers == [200] * 8
    assert refused.status_code == 429


def test_another_address_can_still_log_in_to_another_account(
        throttled_app_config, app, client, admin_user):
    make_user("bookkeeper")
    for number in range(8):
        post_login(client, f"user{number}", "guess", address="203.0.113.7")

    other = app.test_client()
    assert post_login(other, "bookkeeper", TEST_PASSWORD, address="198.51.100.2").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(
        throttled_app_config, app, client, admin_user):
    answers = []
    for _ in range(7):
        answers.append(post_login(client, "admin", TEST_PASSWORD).status_code)
        client.post("/logout", data={"csrf_token": csrf_token_from(
            client.get("/admin/").get_data(as_text=True))})

    assert answers == [302] * 7


def test_an_unknown_login_takes_as_long_as_a_wrong_password(app, client):
    make_user("admin")   # the real scrypt hash, as in production

    def timed(login):
        started = time.perf_counter()
        post_login(client, login, "wrong password", address=f"192.0.2.{len(login)}")
        return time.perf_counter() - started

    timed("admin"), timed("nobody")    # warm-up
    known = min(timed("admin") for _ in range(3))
    unknown = min(timed("nobody") for _ in range(3))

    assert unknown > known * 0.6, (known, unknown)


def test_a_cookie_copied_before_logout_no_longer_works_after_it(client, admin_client):
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token_from(
        client.get("/admin/").get_data(as_text=True))})

    attacker = client.application.test_client()
    attacker.set_cookie("session", stolen)

    assert attacker.get("/admin/").status_code == 302


def test_logout_ends_the_sessions_in_other_browsers_too(app, admin_client, admin_user):
    other_browser = app.test_client()
    assert post_login(other_browser, "admin", TEST_PASSWORD).status_code == 302

    admin_client.post("/logout", data={"csrf_token": csrf_token_from(
        admin_client.get("/admin/").get_data(as_text=True))})

    assert other_browser.get("/admin/").status_code == 302


def test_a_password_change_ends_every_session_of_that_user(app, admin_client):
    clerk = make_user("clerk", role="finance")
    clerk_browser = app.test_client()
    assert post_login(clerk_browser, "clerk", TEST_PASSWORD).status_code == 302
    edit = f"/admin/user/edit/?id={clerk.id}"
    form = {"login": "clerk", "role": "finance", "password": "a brand new password",
            "active": "y", "csrf_token": csrf_token_from(
                admin_client.get(edit).get_data(as_text=True))}

    assert admin_client.post(edit, data=form).status_code == 302
    assert clerk_browser.get("/admin/").status_code == 302
    assert admin_client.get("/admin/").status_code == 200     # the admin's own session stays


def test_changing_ones_own_password_keeps_this_session_only(app, admin_client, admin_user):
    other_browser = app.test_client()
    post_login(other_browser, "admin", TEST_PASSWORD)
    edit = f"/admin/user/edit/?id={admin_user.id}"
    form = {"login": "admin", "role": "administrator", "password": "a brand new password",
            "active": "y", "csrf_token": csrf_token_from(
                admin_client.get(edit).get_data(as_text=True))}

    admin_client.post(edit, data=form)

    assert admin_client.get("/admin/").status_code == 200
    assert other_browser.get("/admin/").status_code == 302


def test_a_deleted_users_cookie_never_logs_in_as_a_later_user_with_the_same_id(app, client):
    gone = make_user("temp")
    assert post_login(client, "temp", TEST_PASSWORD).status_code == 302
    gone_id = gone.id
    db.session.delete(gone)
    db.session.commit()
    db.session.execute(db.text("DELETE FROM audit_log"))
    db.session.commit()

    later = User(id=gone_id, login="later-admin", active=True, role="administrator")
    later.set_password("another password")
    db.session.add(later)
    db.session.commit()

    assert client.get("/admin/").status_code == 302


def test_session_cookie_is_samesite_lax_and_httponly(client, admin_user):
    response = post_login(client, "admin", TEST_PASSWORD)

    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_the_external_url_is_https(app_config, admin_user_factory):
    from app import create_app
    app_config["EXTERNAL_URL"] = "https://backoffice.example.com"
    app_config["SESSION_LIFETIME_MINUTES"] = 30
    secure_app = create_app(app_config)
    admin_user_factory()
    client = secure_app.test_client()

    # Over https Flask-WTF also checks that the Referer is this site.
    response = client.post("/login", base_url="https://backoffice.example.com", headers={
        "Referer": "https://backoffice.example.com/login"}, data={
        "login": "admin", "password": TEST_PASSWORD, "csrf_token": csrf_token_from(
            client.get("/login", base_url="https://backoffice.example.com").get_data(
                as_text=True))})

    cookie = response.headers["Set-Cookie"]
    assert response.status_code == 302
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    assert secure_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60
    assert "Max-Age=1800" in cookie or "Expires=" in cookie


@pytest.fixture
def admin_user_factory(app):
    return lambda: make_user("admin")
