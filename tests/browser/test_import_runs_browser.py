"""Import runs as an admin sees them when something goes wrong (issue 11): a worker killed
mid-run (real RQ worker processes on the real Redis), two admins pressing the same button, a
preview left open while the keep-in-step job and the CLI run."""
import os
import signal
import time

import pytest
from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import Customer, utcnow
from exact_plugin.importing import runs
from exact_plugin.importing.models import ImportRun
from exact_plugin.models import Binding
from jobs.worker import stop_embedded_worker
from tests.conftest import TEST_PASSWORD
from tests.fixtures.browser import login_in_browser

pytestmark = pytest.mark.browser

CHOOSE = "/admin/exact-import/customers/"


def run_count():
    return db.session.execute(select(func.count()).select_from(ImportRun)).scalar()


def wait_for(condition, timeout=30, what="the condition", detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}. {detail()}", pytrace=False)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def kill_worker_and_horse(worker):
    """SIGKILL the worker and the work horse running the job (RQ forks it into its own
    session, so killing the worker's process group alone would leave it running)."""
    for pid in children(worker.process.pid):
        os.kill(pid, signal.SIGKILL)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


@pytest.fixture
def fast_lease(app_config):
    # The web side (this process) reaps after 4 s; the worker beats every second.
    app_config.update(EXACT_IMPORT_LEASE=4, EXACT_IMPORT_HEARTBEAT=1)
    return app_config


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_killed_worker_shows_stopped_with_resume_and_cancel_and_resume_finishes(
        fast_lease, redis_app, rq_worker_process, live_server, page, admin_user,
        connected_company, sandbox, monkeypatch):
    monkeypatch.setenv("EXACT_SANDBOX_URL", sandbox.base_url)
    monkeypatch.setenv("EXACT_IMPORT_HEARTBEAT", "1")
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(live_server.url + CHOOSE)
    page.click("button:has-text('Read from Exact and preview')")
    page.wait_for_selector("#progress-label")
    run = db.session.execute(select(ImportRun)).scalar_one()
    sandbox.set_faults(latency=6)      # the worker is still waiting on Exact when it is killed
    worker = rq_worker_process(burst=False)
    wait_for(lambda: "runs.fetch_job(" in worker.output, what="the worker to take the job",
             detail=lambda: worker.output)
    time.sleep(2)                      # it has written a heartbeat or two meanwhile
    kill_worker_and_horse(worker)

    # The page follows the run: within the lease it says what happened and offers both ways on.
    message = page.locator("#run-message")
    message.wait_for(timeout=30_000)
    assert "gave no sign of life" in message.inner_text()
    assert page.locator("#resume").is_visible() and page.locator("#cancel").is_visible()
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).state == "stopped"

    sandbox.set_faults()
    rq_worker_process(burst=False)
    page.click("#resume")
    page.wait_for_selector("#preview-form", timeout=60_000)
    expected = len([r for r in sandbox.records(connected_company.division, "Accounts")
                    if r["Status"] == "C"])
    page.click("#start")
    page.wait_for_selector("#result", timeout=60_000)
    assert page.locator("#result-created").inner_text() == str(expected)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Customer)).scalar() == expected
    assert run_count() == 1


def test_cancel_ends_a_stopped_run_and_frees_the_entity(fast_lease, redis_app, live_server, page,
                                                       admin_user, connected_company,
                                                       monkeypatch):
    # A run whose job is gone from the queue (Redis restarted, job deleted) and whose lease
    # ran out: it is shown stopped; Cancel ends it and a new import can start.
    run = runs.new_run(connected_company.id, "customers", started_by="bob")
    run.job_id = "exact-import-fetch-gone"
    run.heartbeat_at = run.started_at = run.started_at.replace(year=2020)
    db.session.commit()
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/exact-import/run/{run.id}")
    assert "gave no sign of life" in page.locator("#run-message").inner_text()
    page.click("#cancel")
    assert "Cancelled by admin" in page.locator("#run-message").inner_text()
    assert page.locator("#resume").count() == 0
    page.goto(live_server.url + CHOOSE)
    assert page.locator("tr[data-company] .active-run").inner_text() == "No import running"


def test_two_admins_starting_the_same_import_get_one_run_and_a_message(
        redis_app, live_server, browser, page, admin_user, connected_company):
    # No worker runs: the first run stays queued ("already running"), as it would be under load.
    other = browser.new_context().new_page()
    for each in (page, other):
        login_in_browser(each, live_server, "admin", TEST_PASSWORD)
        each.goto(live_server.url + CHOOSE)
    page.click("button:has-text('Read from Exact and preview')")
    other.click("button:has-text('Read from Exact and preview')")
    alert = other.locator(".alert").filter(has_text="already running")
    text = alert.inner_text()
    assert f"An import of customers for {connected_company} is already running, started" in text
    assert "by admin" in text and "UniqueViolation" not in other.content()
    assert run_count() == 1
    run = db.session.execute(select(ImportRun)).scalar_one()
    assert other.url.endswith(f"/admin/exact-import/run/{run.id}")
    other.context.close()


@pytest.fixture
def embedded_jobs(app_config):
    app_config["JOBS_ASYNC"] = True    # the embedded worker thread runs the jobs
    return app_config


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_open_preview_binds_its_rows_and_an_unticked_row_is_not_written(
        embedded_jobs, live_server, page, admin_user, connected_company, sandbox, app):
    runs.import_now(connected_company.id, "customers")
    division = connected_company.division
    first = [r for r in sandbox.records(division, "Accounts") if r["Status"] == "C"][0]
    binding = db.session.execute(select(Binding).filter_by(exact_id=first["ID"])).scalar_one()
    old_name = db.session.get(Customer, binding.host_id).name
    sandbox.update_record(division, "Accounts", first["ID"], {"Name": "Renamed in Exact"})
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    # The setting is on the import page: turn keeping in step on.
    page.goto(live_server.url + CHOOSE)
    assert "Off" in page.locator("td.keep-in-step").inner_text()
    assert "every 15 minutes" in page.locator("#keep-in-step-help").inner_text()
    page.click("td.keep-in-step button:has-text('Turn on')")
    assert "On" in page.locator("td.keep-in-step").inner_text()
    assert "UTC" in page.locator("td.next-run").inner_text()

    page.click("button:has-text('Read from Exact and preview')")
    page.wait_for_selector("#preview-form", timeout=30_000)
    row = page.locator("#preview tbody tr", has_text="Renamed in Exact")
    row.locator("input.row-select").uncheck()
    # While the preview is open the 15-minute job and the CLI leave its rows alone.
    runs.periodic_import()
    result = app.test_cli_runner().invoke(args=["exact", "import", "customers", "--company",
                                                str(connected_company.id)])
    assert result.exit_code == 1 and "A preview of customers" in result.output
    db.session.expire_all()
    assert db.session.get(Customer, binding.host_id).name == old_name
    page.click("#start")
    page.wait_for_selector("#result", timeout=60_000)
    assert page.locator("#result-skipped").inner_text() == "1"
    assert page.locator("#result-updated").inner_text() == "0"
    db.session.expire_all()
    assert db.session.get(Customer, binding.host_id).name == old_name   # skipped is true
    page.goto(live_server.url + CHOOSE)
    assert "Skipped: A preview of customers" in page.locator("td.last-run").inner_text()
    stop_embedded_worker(live_server.app)
