"""The documented production server: gunicorn serving `app:create_app()` (docs/security.md)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from tests.fixtures.sandbox import free_port

REPOSITORY = Path(__file__).resolve().parents[1]


def test_gunicorn_serves_the_back_office_with_its_security_headers(tmp_path, redis_url):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
           "REDIS_URL": redis_url, "SECRET_KEY": "smoke-test-secret",
           "ENCRYPTION_KEY": Fernet.generate_key().decode(), "INSTANCE_PATH": str(tmp_path),
           "EXTERNAL_URL": f"http://127.0.0.1:{port}"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                   cwd=REPOSITORY, env=env, check=True, capture_output=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "app:create_app()"], cwd=REPOSITORY, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        login = _get_when_up(f"http://127.0.0.1:{port}/login", server)
        forged_host = requests.get(f"http://127.0.0.1:{port}/login",
                                   headers={"Host": "evil.example"}, timeout=10)
        admin = requests.get(f"http://127.0.0.1:{port}/admin/", allow_redirects=False, timeout=10)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    assert login.status_code == 200, output
    assert "default-src 'self'" in login.headers["Content-Security-Policy"]
    assert "SameSite=Lax" in login.headers["Set-Cookie"]
    assert forged_host.status_code == 400
    assert admin.status_code == 302 and "/login" in admin.headers["Location"]


def _get_when_up(url, server, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited: {server.stdout.read()}")
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_make_run_points_the_local_sandbox_and_the_redirect_uri_at_its_ports():
    plan = subprocess.run(["make", "-n", "run", "WEB_PORT=5210", "SANDBOX_PORT=5265"],
                          cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout

    assert "EXACT_SANDBOX_URL=http://127.0.0.1:5265" in plan
    assert "EXTERNAL_URL=http://127.0.0.1:5210" in plan
    assert "--port 5265" in plan and "--redirect-uri http://127.0.0.1:5210/authcallback" in plan
