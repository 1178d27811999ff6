"""The host on its own: with no plugin in PLUGINS it starts, migrates and serves its screens.

(`TEST_PLUGINS=none pytest tests/backoffice tests/test_auth.py ...` runs the host's own tests
the same way.)
"""
import sqlalchemy as sa
from click.testing import CliRunner

from app import create_app
from backoffice.db import db, upgrade
from tests.conftest import _test_config


def bare_host(tmp_path, plugins=()):
    config = _test_config(f"sqlite:///{tmp_path / 'host.sqlite3'}", tmp_path)
    return create_app({**config, "PLUGINS": list(plugins)})


def schema_revisions(app):
    with app.app_context():
        with db.engine.connect() as connection:
            return set(connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                       .scalars())


def test_the_host_without_plugins_migrates_only_its_own_tables(tmp_path):
    app = bare_host(tmp_path)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"customer", "product", "invoice", "user"} <= tables
    assert not [name for name in tables if name.startswith(("exact", "outbox", "staged"))]
    assert schema_revisions(app) == {"0005_security"}


def test_the_host_without_plugins_serves_its_pages_and_has_no_exact_command(tmp_path):
    app = bare_host(tmp_path)
    with app.app_context():
        upgrade()
    assert app.test_client().get("/login").status_code == 200
    assert app.test_client().get("/admin/customer/").status_code == 302   # to the login
    assert "exact" not in app.cli.commands
    assert "exact_import" not in app.blueprints


def test_flask_db_upgrade_runs_the_host_and_the_plugin_branch(tmp_path):
    app = bare_host(tmp_path, plugins=["exact_plugin"])
    result = CliRunner().invoke(app.cli, ["db", "upgrade"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    # The plugin's branch depends on the host's first revision; the host's own chain went on
    # (0005_security), so each branch's head has its row.
    assert schema_revisions(app) == {"0005_security", "0006_exact_real"}
    check = CliRunner().invoke(app.cli, ["db", "check"], obj=_script_info(app))
    assert check.exit_code == 0, check.output


def _script_info(app):
    from flask.cli import ScriptInfo
    return ScriptInfo(create_app=lambda: app)
