"""The users screen: passwords are set through a password field, hashed, never shown."""
import pytest

from backoffice.db import db
from backoffice.models import User
from tests import factories as f

# Password handling does not depend on the database: one backend is enough here (the unique
# login is a constraint like the others, tested on both in test_model_rules.py and the forms).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_new_user_gets_a_hashed_password_and_can_log_in(admin_client, app):
    f.submit(admin_client, "/admin/user/new/", {"login": "maria", "password": "s3cret-pass",
                                                "active": "y"})

    user = db.session.execute(db.select(User).filter_by(login="maria")).scalar_one()
    assert user.password_hash != "s3cret-pass"
    assert user.check_password("s3cret-pass")


def test_password_hash_is_never_shown(admin_client, admin_user):
    pages = [admin_client.get(url) for url in (
        "/admin/user/", f"/admin/user/details/?id={admin_user.id}",
        f"/admin/user/edit/?id={admin_user.id}")]

    for page in pages:
        text = f.page_text(page)
        assert admin_user.password_hash not in text
        assert "password_hash" not in text.lower().replace(" ", "_")


def test_editing_a_user_without_a_password_keeps_the_old_one(admin_client, admin_user):
    old_hash = admin_user.password_hash

    f.submit(admin_client, f"/admin/user/edit/?id={admin_user.id}", {
        "login": "admin", "password": "", "active": "y"})

    db.session.expire_all()
    assert db.session.get(User, admin_user.id).password_hash == old_hash


def test_new_user_without_a_password_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/user/new/", {"login": "maria", "password": ""})

    assert "Set a password for the new user." in f.page_text(response)
    assert f.count(User) == 1


def test_short_password_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/user/new/", {"login": "maria", "password": "abc"})

    assert "A password has at least 8 characters." in f.page_text(response)
    assert f.count(User) == 1


def test_duplicate_login_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/user/new/", {"login": "admin",
                                                           "password": "long-enough-1"})

    assert "The login admin is already taken." in f.page_text(response)
    assert f.count(User) == 1
