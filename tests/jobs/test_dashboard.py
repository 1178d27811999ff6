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

    # Even with a valid token (say, leaked): the Origin must be this site.
    response = dashboard_client.post("/admin/rq/job/jammed/delete", headers={
        "Origin": "https://evil.example", "X-CSRFToken": dashboard_csrf_token(dashboard_client)})

    assert response.status_code == 403
    assert dashboard_client.get("/admin/rq/0/data/job/jammed.json").get_json()["id"] == "jammed"


def test_dashboard_refuses_changes_without_origin_or_referer(dashboard_client):
    response = dashboard_client.post("/admin/rq/job/jammed/delete", headers={
        "X-CSRFToken": dashboard_csrf_token(dashboard_client)})

    assert response.status_code == 403


def dashboard_csrf_token(client):
    """What the dashboard's own JavaScript sends as X-CSRFToken: the cookie set on its pages."""
    client.get("/admin/rq/")
    return client.get_cookie("_csrf_token", path="/admin/rq").value


def test_dashboard_accepts_changes_from_its_own_pages(dashboard_app, dashboard_client):
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    response = dashboard_client.post("/admin/rq/job/jammed/delete", headers={
        "Origin": "http://localhost", "X-CSRFToken": dashboard_csrf_token(dashboard_client)})

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


# -- issue 12: requeue by GET, CSRF, unescaped job text ------------------------------------------

def test_requeue_all_by_a_get_request_is_refused_and_requeues_nothing(dashboard_app,
                                                                      dashboard_client):
    # Another site could put this URL in an <img>: upstream requeues every failed job on a GET.
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    response = dashboard_client.get("/admin/rq/requeue/default")

    assert response.status_code == 405
    detail = dashboard_client.get("/admin/rq/0/data/job/jammed.json").get_json()
    assert detail["status"] == "failed"


def test_dashboard_refuses_a_same_origin_post_without_the_csrf_token(dashboard_app,
                                                                     dashboard_client):
    enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")

    response = dashboard_client.post("/admin/rq/requeue/default",
                                     headers={"Origin": "http://localhost"})

    assert response.status_code == 400
    detail = dashboard_client.get("/admin/rq/0/data/job/jammed.json").get_json()
    assert detail["status"] == "failed"


def test_dashboard_is_for_administrators_only(dashboard_app, client, auth):
    from backoffice.db import db
    from backoffice.models import User
    user = User(login="clerk", active=True, role="finance")
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.commit()
    auth.login("clerk")

    assert client.get("/admin/rq/").status_code == 403


def test_dashboard_templates_escape_job_text(app):
    from jobs.dashboard import escape_underscore_templates
    from rq_dashboard import blueprint

    for name in ("rq_dashboard/job.html", "rq_dashboard/jobs.html", "rq_dashboard/workers.html",
                 "rq_dashboard/queues.html"):
        source = blueprint.jinja_loader.get_source(None, name)[0]
        assert "<%=" not in source, name
    assert escape_underscore_templates("<%= d.exc_info %>") == "<%- d.exc_info %>"


def wait_until_failed(job, timeout=20):
    import time
    deadline = time.monotonic() + timeout
    while job.get_status(refresh=True) != "failed":
        assert time.monotonic() < deadline, f"job {job.id} did not fail in {timeout} s"
        time.sleep(0.1)


@pytest.mark.browser
def test_job_text_is_shown_as_text_not_run_as_html(admin_user, live_server, page):
    attack = '<img src=x onerror="document.title=\'pwned\'">'
    job = enqueue("tests.jobs.test_enqueue.fail_on_purpose", attack, job_id="hostile")
    wait_until_failed(job)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)

    page.goto(f"{live_server.url}/admin/rq/0/view/job/{job.id}")

    expect(page.locator("pre.exc_info")).to_contain_text("<img src=x")
    expect(page.locator(".description-scroll")).to_contain_text("<img src=x")
    assert page.locator("img[src=x]").count() == 0
    assert page.title() != "pwned"


@pytest.mark.browser
def test_admin_deletes_a_failed_job_from_the_dashboard_page(admin_user, live_server, page):
    # The dashboard's own buttons still work: its script sends the CSRF cookie as a header.
    job = enqueue("tests.jobs.test_enqueue.fail_on_purpose", "paper jam", job_id="jammed")
    wait_until_failed(job)
    login_in_browser(page, live_server, "admin", TEST_PASSWORD)
    page.goto(f"{live_server.url}/admin/rq/0/view/job/{job.id}")

    with page.expect_response("**/job/jammed/delete") as answer:
        page.click("#delete-job-btn")
        page.click("#confirmation-modal-yes")

    assert answer.value.status == 200
