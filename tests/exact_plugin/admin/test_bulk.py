"""Bulk work from the lists, bad input: unknown filter values, batches and companies."""
from exact_plugin.connection import set_enabled
from tests.factories import make_customer, page_text


def test_a_filter_value_that_is_not_an_option_is_ignored_not_a_crash(admin_client):
    set_enabled(True)
    make_customer("Kept BV", "8001")
    for value in ("nonsense", "%27;--", ""):
        for index in range(0, 20):
            response = admin_client.get(f"/admin/customer/?flt0_{index}={value}")
            assert response.status_code == 200


def test_an_unknown_progress_batch_says_so(admin_client):
    set_enabled(True)
    response = admin_client.get("/admin/exact-sync/progress/nope", follow_redirects=True)
    assert "no longer tracked" in page_text(response)
    assert admin_client.get("/admin/exact-sync/progress/nope.json").status_code == 404


def test_retry_all_failed_of_an_unknown_company_says_so(admin_client):
    set_enabled(True)
    from tests.conftest import csrf_token_from
    token = csrf_token_from(admin_client.get("/admin/exact-sync/").get_data(as_text=True))
    response = admin_client.post("/admin/exact-sync/retry-failed/999",
                                 data={"csrf_token": token}, follow_redirects=True)
    assert "no longer exists" in page_text(response)


def test_send_with_ids_that_do_not_exist_queues_nothing(admin_client):
    set_enabled(True)
    from tests.conftest import csrf_token_from
    token = csrf_token_from(admin_client.get("/admin/customer/").get_data(as_text=True))
    response = admin_client.post("/admin/customer/action/", data={
        "csrf_token": token, "action": "exact_send", "rowid": ["424242"], "url": "/admin/customer/"},
        follow_redirects=True)
    text = page_text(response)
    assert "No customer was queued" in text
