"""Take the README's screenshots of the Exact Online screens with headless Chromium.

    .venv/bin/python docs/take_screenshots.py

Builds a throw-away back office (SQLite in a temporary folder, jobs inside the process) and a
sandbox subprocess, connects a company through the sandbox's OAuth flow, sends a few customers
(one made to fail), reads a customer preview with a renamed, mapped customer, then saves
docs/screenshots/exact-dashboard.png, import-preview-changes.png and outbound-requests.png at
1366 x 768.
"""
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

OUT = REPOSITORY / "docs" / "screenshots"
PASSWORD = "screenshot-password-1"


def main():
    from playwright.sync_api import sync_playwright

    from app import create_app
    from tests.fixtures.browser import CHROMIUM_ARGS, CHROMIUM_PATH, LiveServer
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import SandboxProcess
    folder = Path(tempfile.mkdtemp(prefix="screenshots-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'shots.db'}",
                      "INSTANCE_PATH": str(folder), "TESTING": True, "REDIS_URL": None,
                      "EXACT_RETRY_WAIT_INITIAL": 0.01, "EXACT_RETRY_WAIT_MAX": 0.02})
    sandbox_process = SandboxProcess()
    sandbox = sandbox_process.sandbox
    server = None
    try:
        with app.app_context():
            from backoffice.db import db, upgrade
            from backoffice.models import User
            from exact_plugin.models import Binding, IntegrationSettings
            from tests.factories import customer_with_main_site, make_customer, map_customer
            upgrade()
            user = User(login="admin", active=True, role="administrator")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            company = connect_company(app, sandbox, "Acme NL", sandbox.divisions[0])
            exact = next(record for record in sandbox.records(company.division, "Accounts")
                         if record.get("Status") == "C" and record.get("Name"))
            map_customer(company, customer_with_main_site("Old name BV"), exact)
            IntegrationSettings.get().default_connection_id = company.id
            db.session.commit()
            for number in range(6):
                make_customer(f"Bakery {number}", str(4700 + number))
            failed = db.session.execute(db.select(Binding).filter_by(
                host_model="Customer", sync_state="synced")).scalars().first()
            failed.sync_state = "failed"
            failed.last_error = "Exact Online refused it: Mandatory: Name"
            db.session.commit()

            server = LiveServer(app).start()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH,
                                                     headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{server.url}/login")
                page.fill("#login", "admin")
                page.fill("#password", PASSWORD)
                with page.expect_navigation():
                    page.click("button[type=submit]")
                page.goto(f"{server.url}/admin/exact/")
                page.screenshot(path=str(OUT / "exact-dashboard.png"), full_page=True)
                page.goto(f"{server.url}/admin/exact/outbound/")
                page.screenshot(path=str(OUT / "outbound-requests.png"))
                page.goto(f"{server.url}/admin/exact-import/customers/")
                with page.expect_navigation():
                    page.click("button:has-text('Read from Exact and preview')")
                page.wait_for_selector("#preview", timeout=60_000)
                page.locator(".preview-change").first.scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / "import-preview-changes.png"))
                browser.close()
        print("saved:", ", ".join(sorted(path.name for path in OUT.glob("*.png"))))
    finally:
        if server is not None:
            server.stop()
        sandbox_process.stop()


if __name__ == "__main__":
    main()
