"""Issue 12: security headers, the database file's mode, the sandbox's control token, 400s."""
import os
import stat

import pytest
import requests

from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser


def test_pages_carry_security_headers(admin_client):
    response = admin_client.get("/admin/customer/")

    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_when_the_external_url_is_https(app_config):
    from app import create_app
    app_config["EXTERNAL_URL"] = "https://backoffice.example.com"
    client = create_app(app_config).test_client()

    response = client.get("/login", base_url="https://backoffice.example.com")

    assert "max-age=" in response.headers["Strict-Transport-Security"]


@pytest.mark.browser
def test_admin_pages_work_under_the_content_security_policy(admin_user, live_server, page):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    for path in ("/admin/", "/admin/customer/", "/admin/customer/new/", "/admin/invoice/new/",
                 "/admin/user/", "/admin/auditentry/", "/admin/rq/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/customer/")
    page.click("a.dropdown-toggle:has-text('Customers')")     # Bootstrap's script runs

    assert page.locator("a.dropdown-item:has-text('Sites')").is_visible()
    assert blocked == []


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    from app import create_app
    from backoffice.db import db, upgrade   # every branch's head (host and plugin)
    from tests.conftest import _test_config
    path = tmp_path / "backoffice.sqlite3"
    app = create_app(_test_config(f"sqlite:///{path}", tmp_path))

    with app.app_context():
        upgrade()
        db.session.execute(db.text("SELECT count(*) FROM customer"))
        db.session.remove()
        db.engine.dispose()

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_out_of_range_id_answers_400_not_500(admin_client, auth):
    from exact_plugin.connection import set_enabled
    set_enabled(True)
    huge = "9" * 20
    token = auth.csrf_token("/admin/")

    connect = admin_client.post(f"/admin/exact/companies/{huge}/connect",
                                data={"csrf_token": token})
    edit = admin_client.get(f"/admin/customer/edit/?id={huge}")

    assert connect.status_code == 400
    assert "out of range" in connect.get_data(as_text=True)
    assert edit.status_code in (302, 400)


def test_an_unknown_job_in_the_dashboard_answers_404_not_500(admin_client):
    response = admin_client.get("/admin/rq/0/data/job/no-such-job.json")

    assert response.status_code == 404
    assert "No job with this id" in response.get_json()["error"]


def test_the_sandbox_control_api_refuses_requests_without_its_token(sandbox):
    forged = requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=10)
    wrong = requests.post(f"{sandbox.base_url}/_sandbox/clock", json={"advance": 3600},
                          headers={"X-Sandbox-Token": "guess"}, timeout=10)

    assert forged.status_code == 403 and wrong.status_code == 403
    assert "X-Sandbox-Token" in forged.json()["error"]
    assert abs(sandbox.now() - sandbox.now()) < 60        # the clock did not move


def test_the_sandbox_prints_its_control_token_at_start(tmp_path):
    import subprocess
    import sys
    import time

    from tests.fixtures.sandbox import REPOSITORY, Sandbox, free_port
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name != "EXACT_SANDBOX_TOKEN"}
    log = tmp_path / "sandbox.log"
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "exact_sandbox", "--port", str(port),
                                    "--accounts", "5", "--items", "2"], cwd=REPOSITORY,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   env={**env, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while "control token" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        printed = [line.split()[2] for line in log.read_text().splitlines()
                   if line.strip().startswith("control token")]

        assert len(printed) == 1
        assert printed[0] != os.environ.get("EXACT_SANDBOX_TOKEN")
        assert Sandbox(f"http://127.0.0.1:{port}", token=printed[0]).stats() is not None
    finally:
        process.terminate()
        process.wait(timeout=10)
