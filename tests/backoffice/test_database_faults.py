"""The database fails politely: dropped connections are replaced before use (pool pre-ping) and,
on PostgreSQL, a statement running longer than DATABASE_STATEMENT_TIMEOUT is cancelled."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from backoffice.db import db
from tests import factories as f
from tests.conftest import POSTGRES_ADMIN_URL

only_postgresql = pytest.mark.parametrize("backend", ["postgresql"])


def terminate_connections_of(database_url):
    """What a database restart or failover does to the app: every connection of its own
    database (never another's) is closed by the server."""
    database = database_url.rsplit("/", 1)[1]
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database})
    admin.dispose()


def test_pooled_connections_are_checked_before_use(app):
    assert db.engine.pool._pre_ping is True


@only_postgresql
def test_pages_still_load_after_the_server_dropped_the_apps_connections(app, admin_client):
    f.customer(name="Acme BV")
    db.session.remove()   # the connection goes back to the pool, where the server kills it
    terminate_connections_of(app.config["SQLALCHEMY_DATABASE_URI"])

    response = admin_client.get("/admin/customer/")

    assert response.status_code == 200
    assert "Acme BV" in response.get_data(as_text=True)


@only_postgresql
def test_statement_timeout_is_30_seconds_by_default(app):
    assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "30s"


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_statement_running_longer_than_the_timeout_is_cancelled(app_config):
    from app import create_app
    app = create_app({**app_config, "DATABASE_STATEMENT_TIMEOUT": "0.5"})

    with app.app_context(), pytest.raises(OperationalError, match="statement timeout"):
        try:
            db.session.execute(sa.text("SELECT pg_sleep(3)"))
        finally:
            db.session.remove()
            db.engine.dispose()


@only_postgresql
def test_statement_timeout_zero_means_no_limit(app_config):
    from app import create_app
    app = create_app({**app_config, "DATABASE_STATEMENT_TIMEOUT": "0"})

    with app.app_context():
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_without_a_statement_timeout(app_config, backend):
    from app import create_app
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "DATABASE_STATEMENT_TIMEOUT": "1"})

    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("bad_value", ["thirty", "-5", ""])
def test_a_statement_timeout_that_is_not_a_number_of_seconds_stops_the_start(app_config,
                                                                             bad_value):
    from app import create_app

    with pytest.raises(ValueError, match="DATABASE_STATEMENT_TIMEOUT is a number of seconds"):
        create_app({**app_config, "DATABASE_STATEMENT_TIMEOUT": bad_value})
