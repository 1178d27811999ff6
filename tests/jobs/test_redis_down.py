"""Redis down: the admin pages still load, with a banner, and a save still saves and says that
its follow-up work waits (the Exact outbox keeps it for the relay)."""
import re
import socket

import pytest

from backoffice.db import db
from backoffice.models import Customer
from exact_plugin.syncing.models import OutboxEntry
from tests import factories as f
from tests.factories import enable_integration, make_company

BANNER = "Background jobs are unavailable: Redis does not answer at 127.0.0.1:{port}."
SAVED = "Saved. Background jobs are unavailable (Redis does not answer at 127.0.0.1:{port})"


def closed_port():
    """A local port nothing listens on (taken from the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_port():
    return closed_port()


@pytest.fixture
def app_config(app_config, redis_port):
    return {**app_config, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "JOBS_ASYNC": True}


def banners(response):
    return re.findall(r'class="alert alert-warning admin-banner"[^>]*>([^<]*)<',
                      f.page_text(response))


def test_list_and_edit_pages_load_with_the_jobs_banner(admin_client, redis_port):
    customer = f.customer(name="Acme BV")
    pages = ["/admin/", "/admin/customer/", f"/admin/customer/edit/?id={customer.id}",
             "/admin/invoice/new/", "/admin/integrations/"]

    responses = {url: admin_client.get(url) for url in pages}

    assert {url: response.status_code for url, response in responses.items()} == \
        {url: 200 for url in pages}
    for url, response in responses.items():
        assert any(banner.startswith(BANNER.format(port=redis_port))
                   for banner in banners(response)), url


def test_saving_a_customer_while_redis_is_down_saves_it_and_says_so(admin_client, redis_port):
    company = make_company()
    enable_integration(default_company=company)

    response = f.submit(admin_client, "/admin/customer/new/",
                        {"name": "Acme BV", "accounting_id": "1001", "active": "y",
                         "exact_company": str(company.id)})

    assert response.status_code == 200
    assert SAVED.format(port=redis_port) in f.page_text(response)
    customer = db.session.execute(db.select(Customer)).scalar_one()
    # The push to Exact waits in the outbox for the relay, which runs once Redis answers.
    outbox = db.session.execute(db.select(OutboxEntry)).scalars().all()
    assert [(entry.host_model, entry.host_id) for entry in outbox] == [("Customer", customer.id)]


def test_pages_show_no_jobs_banner_while_redis_answers(app_config, redis_url, request):
    app_config["REDIS_URL"] = redis_url
    client = request.getfixturevalue("admin_client")

    response = client.get("/admin/customer/")

    assert response.status_code == 200
    assert not any("Redis" in banner for banner in banners(response))


def test_pages_show_no_jobs_banner_with_the_embedded_queue(app_config, request):
    app_config["REDIS_URL"] = None
    client = request.getfixturevalue("admin_client")

    response = client.get("/admin/customer/")

    assert not any("Redis" in banner for banner in banners(response))
