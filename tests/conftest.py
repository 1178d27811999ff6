"""Shared fixtures: the app on each database backend, clients, login, a logged-in admin.

The suite runs against SQLite and PostgreSQL (TEST_DATABASES="sqlite,postgresql", the
default). The schema comes from the Alembic migrations, once per backend and session; each
test starts from empty tables. PostgreSQL is expected at 127.0.0.1:5432 with trust auth
(TEST_POSTGRES_URL overrides); a missing server fails the tests, it never skips them.
"""
import os
import re

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from backoffice.settings import env_list

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.services", "tests.fixtures.browser",
                  "tests.fixtures.exact"]

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_DATABASES = [name.strip() for name in
                  os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if name.strip()]
ENCRYPTION_KEY = Fernet.generate_key().decode()
# TEST_PLUGINS=none runs the suite against the bare host (the host's own tests must pass).
PLUGINS = ({"PLUGINS": env_list("TEST_PLUGINS")} if os.environ.get("TEST_PLUGINS") else {})
TEST_PASSWORD = "correct horse battery staple"


def _postgres_url(worker_name):
    database = f"psa_test_{worker_name}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend for the whole session."""
    from app import create_app
    from backoffice.db import upgrade

    # One database per test process, so parallel runs on one machine never drop each other's.
    worker = f'{os.environ.get("PYTEST_XDIST_WORKER", "main")}_{os.getpid()}'
    urls = {}
    for backend in TEST_DATABASES:
        if backend == "sqlite":
            urls[backend] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        elif backend == "postgresql":
            urls[backend] = _postgres_url(worker)
        else:
            raise ValueError(f"unknown backend {backend!r} in TEST_DATABASES")
        app = create_app(_test_config(urls[backend], tmp_path_factory.mktemp("instance")))
        with app.app_context():
            upgrade()
            from backoffice.db import db
            db.engine.dispose()
    yield urls
    if "postgresql" in urls:
        _drop_postgres_database(urls["postgresql"])


def _drop_postgres_database(url):
    database = url.rsplit("/", 1)[1]
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def _test_config(database_url, instance_path):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
        "REDIS_URL": None,
        "SERVER_NAME": None,
        "INSTANCE_PATH": str(instance_path),
        **PLUGINS,
    }


_MIGRATED_TABLES = {}


def _migrated_tables(db, connection):
    """The model tables the migrations created, children first. Without a plugin in PLUGINS
    its tables are not created, though a test module may have imported its models."""
    url = str(db.engine.url)
    if url not in _MIGRATED_TABLES:
        _MIGRATED_TABLES[url] = set(sa.inspect(connection).get_table_names())
    return [table for table in reversed(db.metadata.sorted_tables)
            if table.name in _MIGRATED_TABLES[url]]


def _empty_all_tables(db):
    """Delete every row, children first, and restart the ids.

    DELETE plus a sequence reset is an order of magnitude faster than TRUNCATE on the small
    tables of a test (TRUNCATE rewrites every table's files).
    """
    with db.engine.begin() as connection:
        for table in _migrated_tables(db, connection):
            connection.execute(table.delete())
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(
                "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))
        else:
            has_sequence_table = connection.execute(sa.text(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
            if has_sequence_table:
                connection.execute(sa.text("DELETE FROM sqlite_sequence"))


@pytest.fixture(params=TEST_DATABASES)
def backend(request):
    return request.param


@pytest.fixture
def app_config(backend, database_urls, tmp_path):
    """The config mapping for `create_app`; tests may change it before using `app`."""
    return _test_config(database_urls[backend], tmp_path)


@pytest.fixture
def app(app_config):
    from app import create_app
    from backoffice.db import db

    application = create_app(app_config)

    @application.teardown_request
    def _forget_logged_in_user(_exc):
        # Requests share the test's app context (and so `g`): drop Flask-Login's cached user
        # so each request sees only its own session's login.
        from flask import g
        g.pop("_login_user", None)
        g.pop("csrf_token", None)   # Flask-WTF's per-request copy of the session's token

    with application.app_context():
        _empty_all_tables(db)
        yield application
        db.session.remove()
        _empty_all_tables(db)
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token_from(html):
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token on the page"
    return match.group(1)


@pytest.fixture
def admin_user(app):
    from backoffice.db import db
    from backoffice.models import User

    user = User(login="admin", active=True, role="administrator")
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, login="admin", password=TEST_PASSWORD):
        page = self.client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"login": login, "password": password,
                                                "csrf_token": token})

    def csrf_token(self, url):
        """The CSRF token of the form on the page at `url`."""
        return csrf_token_from(self.client.get(url).get_data(as_text=True))


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin_client(client, auth, admin_user):
    """A test client logged in as an active admin."""
    response = auth.login()
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
