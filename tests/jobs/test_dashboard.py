"""The jobs dashboard (rq-dashboard) at /admin/rq, behind the login, in both queue modes."""
import re

import pytest
from playwright.sync_api import expect

from jobs import enqueue
from tests.conftest import TEST_DATABASES, TEST_PASSWORD
from tests.fixtures.browser import login_in_browser

# The dashboard reads Redis only; one database backend is enough (the first one configured).
pytestmark = pytest.mark.parametrize("backend", TEST_DATABASES[:1])

DASHBOARD_PAGES = ["/admin/rq/", "/admin/rq/0/view/workers", "/admin/rq/0/view/jobs",
                   "/admin/rq/0/view/jobs/default/failed/8/asc/1",
                   "/admin/rq/0/data/queues.json", "/admin/rq/0/data/workers.json",
                   "/admin/rq/0/data/jobs/default/failed/8/asc/1.json"]


@pytest.fixture(params=["embedded", "redis"])
def dashboard_app(request, app_config):
    """The app on each kind of Redis: the embedded fake one (make run) and the real server.

    Jobs run inline (JOBS_ASYNC=False) so a failed job is there at once, without a worker.
    """
    import fakeredis

    from jobs.queues import embedded_server

    if request.param == "redis":
        app_config["REDIS_URL"] = request.getfixturevalue("redis_url")
    else:
        app_config["REDIS_URL"] = None
        fakeredis.FakeRedis(server=embedded_server()).flushall()
    app_config["JOBS_ASYNC"] = False
    yield request.getfixturevalue("app")
    fakeredis.FakeRedis(server=embedded_server()).flushall()


@pytest.fixture
def dashboard_client(dashboard_app, auth, admin_user):
    auth.login()
    return auth.client


def test_dashboard_sends_an_anonymous_visitor_to_the_login_page(dashboard_app):
    client = dashboard_app.test_client()

    responses = {url: client.get(url) for url in DASHBOARD_PAGES}

    assert {url: response.status_code for url, response in responses.items()} == \
        {url: 302 for url in DASHBOARD_PAGES}
    assert all("/login?next=" in response.headers["Location"] for response in responses.values())


def test_dashboard_pages_work_for_a_logged_in_admin(dashboard_client):
    statuses = {url: dashboard_client.get(url).status_code for url in DASHBOARD_PAGES}

    assert statuses == {url: 200 for url in DASHBOARD_PAGES}


def test_dashboard_lists_a_failed_job_as_failed(dashboard_app, dashboard_client):
    job = enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    listing = dashboard_client.get("/admin/rq/0/data/jobs/default/failed/8/asc/1.json").get_json()
    detail = dashboard_client.get(f"/admin/rq/0/data/job/{job.id}.json").get_json()

    assert [listed["id"] for listed in listing["jobs"]] == ["jammed"]
    assert detail["status"] == "failed"
    assert "paper jam" in detail["exc_info"]
    assert dashboard_client.get(f"/admin/rq/0/view/job/{job.id}").status_code == 200


def test_dashboard_refuses_changes_posted_from_another_site(dashboard_app, dashboard_client):
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    response = dashboard_client.post("/admin/rq/job/jammed/delete",
                                     headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert dashboard_client.get("/admin/rq/0/data/job/jammed.json").get_json()["id"] == "jammed"


def test_dashboard_refuses_changes_without_origin_or_referer(dashboard_client):
    assert dashboard_client.post("/admin/rq/job/jammed/delete").status_code == 403


def test_dashboard_accepts_changes_from_its_own_pages(dashboard_app, dashboard_client):
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    response = dashboard_client.post("/admin/rq/job/jammed/delete",
                                     headers={"Origin": "http://localhost"})

    assert response.status_code == 200
    listing = dashboard_client.get("/admin/rq/0/data/jobs/default/failed/8/asc/1.json").get_json()
    assert listing["jobs"] == []


def test_admin_menu_links_to_the_jobs_dashboard(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)

    assert re.search(r'href="/admin/rq/">\s*Jobs</a>', page)


@pytest.mark.browser
def test_admin_opens_the_jobs_dashboard_from_the_menu_and_sees_a_failed_job(
        admin_user, live_server, page):
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.click("a.nav-link:has-text('Jobs')")
    default_queue = page.locator("#queues tr[data-role=queue]", has_text="default")
    default_queue.locator("td.failed a").first.click()  # the failed count opens the registry

    page.wait_for_url("**/default/failed/**")
    expect(page.get_by_text("jammed").first).to_be_visible()


def test_dashboard_pages_link_back_to_the_back_office(dashboard_client):
    pages = {url: dashboard_client.get(url).get_data(as_text=True) for url in DASHBOARD_PAGES
             if "/data/" not in url}

    assert {url: bool(re.search(r'<a[^>]*id="back-to-back-office"[^>]*href="/admin/"', page))
            for url, page in pages.items()} == {url: True for url in pages}


@pytest.mark.browser
def test_admin_goes_back_from_the_jobs_dashboard_to_the_back_office(admin_user, live_server,
                                                                     page):
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/rq/")

    page.click("#back-to-back-office")

    page.wait_for_url(f"{live_server.url}/admin/")
    expect(page.get_by_text("Welcome, admin.")).to_be_visible()
