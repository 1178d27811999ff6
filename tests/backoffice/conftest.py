"""The host's screens are tested as the host alone (no plugin), as it must run without one.

The whole app with its default plugins is covered by tests/test_routes_require_login.py and by
the plugins' own tests; the hook points are proven here with a test extension (test_hooks.py).
"""
import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PLUGINS": []}


@pytest.fixture
def admin_user(app):
    """The shared admin, with a cheap password hash: the default scrypt costs ~0.1 s per hash
    and per login, which adds up over a hundred form tests."""
    from werkzeug.security import generate_password_hash

    from backoffice.db import db
    from backoffice.models import User
    from tests.conftest import TEST_PASSWORD

    user = User(login="admin", active=True, role="administrator",
                password_hash=generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1000"))
    db.session.add(user)
    db.session.commit()
    return user
