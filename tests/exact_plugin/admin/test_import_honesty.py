"""What the import pages say is what happens (issue 11): a Start that cannot queue, removals
listed before Start, duplicate codes, the Exact mapping column, the keep-in-step setting."""
import html
import re

import pytest
from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import Customer, TaxRate
from exact_plugin.importing import runs
from exact_plugin.importing.models import ImportRun
from exact_plugin.models import Binding
from tests.conftest import csrf_token_from


def start_import(admin_client, auth, company, entity_name, follow=False):
    url = f"/admin/exact-import/{entity_name}/"
    return admin_client.post(url, data={"company_id": company.id,
                                        "csrf_token": auth.csrf_token(url)},
                             follow_redirects=follow)


def start_preview(admin_client, run_url, deselect=()):
    preview = admin_client.get(run_url).get_data(as_text=True)
    row_ids = re.findall(r'name="shown" value="(\d+)"', preview)
    form = {"csrf_token": csrf_token_from(preview), "shown": row_ids,
            "selected": [row_id for row_id in row_ids if row_id not in deselect]}
    return admin_client.post(run_url + "/start", data=form, follow_redirects=True)


def run_count():
    return db.session.execute(select(func.count()).select_from(ImportRun)).scalar()


@pytest.fixture
def dead_redis_app(app_config, request):
    """Redis down when the admin presses the button."""
    app_config["REDIS_URL"] = "redis://127.0.0.1:9/0"
    app_config["JOBS_ASYNC"] = True
    return request.getfixturevalue("app")


def test_a_start_that_cannot_be_queued_leaves_no_run_and_says_why(dead_redis_app, admin_client,
                                                                  auth, connected_company):
    page = start_import(admin_client, auth, connected_company, "customers",
                        follow=True).get_data(as_text=True)
    assert "Nothing was started: the job queue (Redis) cannot be reached" in html.unescape(page)
    assert run_count() == 0
    # ... and the entity is free: nothing blocks the next try.
    assert runs.active_run(connected_company.id, "customers") is None


def test_a_second_start_names_who_holds_the_entity_and_makes_no_second_run(
        admin_client, auth, connected_company, sandbox):
    first = start_import(admin_client, auth, connected_company, "customers")   # preview open
    second = start_import(admin_client, auth, connected_company, "customers")
    assert second.headers["Location"] == first.headers["Location"]
    page = admin_client.get(second.headers["Location"]).get_data(as_text=True)
    assert f"A preview of customers for {connected_company} is open" in html.unescape(page)
    assert "by admin" in page and "UniqueViolation" not in page
    assert run_count() == 1


def test_the_database_refuses_a_second_active_run_whoever_inserts_it(connected_company):
    runs.new_run(connected_company.id, "customers", started_by="the command line")
    with pytest.raises(runs.ImportRefused, match="already running.*by the command line"):
        runs.new_run(connected_company.id, "customers", started_by=runs.KEEP_IN_STEP)
    # Another entity, or another company, is not held.
    runs.new_run(connected_company.id, "products")
    assert run_count() == 2


def test_a_requeued_job_does_not_count_rows_twice(admin_client, auth, connected_company, sandbox):
    run_url = start_import(admin_client, auth, connected_company, "customers").headers["Location"]
    start_preview(admin_client, run_url)
    run = db.session.execute(select(ImportRun)).scalar_one()
    counted = (run.created, run.done, run.total)
    # What "Requeue" in the jobs dashboard does with the apply job of a run still marked
    # applying (its worker died before the lease ran out).
    run.state = "applying"
    db.session.commit()
    runs.apply_job(run.id)
    db.session.expire_all()
    again = db.session.get(ImportRun, run.id)
    assert (again.state, again.created, again.done, again.total) == ("done",) + counted
    assert db.session.execute(select(func.count()).select_from(Customer)).scalar() == counted[0]


def test_a_tax_rate_removal_is_listed_in_the_preview_and_done_only_on_start(
        admin_client, auth, connected_company, sandbox):
    runs.import_now(connected_company.id, "tax_rates")
    unused = TaxRate(name="Old unused rate", rate=7)
    db.session.add(unused)
    db.session.commit()
    unused_id = unused.id
    run_url = start_import(admin_client, auth, connected_company, "tax_rates").headers["Location"]
    preview = html.unescape(admin_client.get(run_url).get_data(as_text=True))
    assert "0 tax rates are new or changed" in preview
    assert f"Start removes 1 tax rates" in preview and f"'Old unused rate' (#{unused_id})" in preview
    # Not removed by the preview, nor is a rate added after it (it was not listed).
    assert db.session.get(TaxRate, unused_id) is not None
    later = TaxRate(name="Added after the preview", rate=8)
    db.session.add(later)
    db.session.commit()
    result = html.unescape(start_preview(admin_client, run_url).get_data(as_text=True))
    assert "Removed 1 tax rate(s) not in use by an Exact company: 'Old unused rate'" in result
    db.session.expire_all()
    assert db.session.get(TaxRate, unused_id) is None
    assert db.session.execute(select(TaxRate).filter_by(name="Added after the preview")).first()


def test_cancelling_a_preview_removes_nothing(admin_client, auth, connected_company, sandbox):
    runs.import_now(connected_company.id, "tax_rates")
    db.session.add(TaxRate(name="Old unused rate", rate=7))
    db.session.commit()
    run_url = start_import(admin_client, auth, connected_company, "tax_rates").headers["Location"]
    preview = admin_client.get(run_url).get_data(as_text=True)
    page = admin_client.post(run_url + "/cancel", data={"csrf_token": csrf_token_from(preview)},
                             follow_redirects=True).get_data(as_text=True)
    assert "Cancelled by admin" in page and "Nothing was written" in page
    assert db.session.execute(select(TaxRate).filter_by(name="Old unused rate")).first()
    assert runs.active_run(connected_company.id, "tax_rates") is None


def test_customers_deleted_in_exact_are_listed_and_flagged_only_on_start(
        admin_client, auth, connected_company, sandbox):
    runs.import_now(connected_company.id, "customers")
    gone = next(r for r in sandbox.records(connected_company.division, "Accounts")
                if r["Status"] == "C")
    sandbox.delete_record(connected_company.division, "Accounts", gone["ID"])
    run_url = start_import(admin_client, auth, connected_company, "customers").headers["Location"]
    preview = html.unescape(admin_client.get(run_url).get_data(as_text=True))
    assert "1 customers were deleted in Exact" in preview and gone["Name"] in preview
    binding = db.session.execute(select(Binding).filter_by(exact_id=gone["ID"])).scalar_one()
    assert binding.deleted_in_exact is False
    result = html.unescape(start_preview(admin_client, run_url).get_data(as_text=True))
    assert "Flagged 1 mapping(s) as deleted in Exact" in result
    db.session.expire_all()
    assert db.session.get(Binding, binding.id).deleted_in_exact is True


def test_the_lists_show_each_records_exact_mapping(admin_client, connected_company, sandbox):
    runs.import_now(connected_company.id, "tax_rates")
    binding = db.session.execute(select(Binding).filter_by(host_model="TaxRate")).scalars().first()
    db.session.add(TaxRate(name="Never mapped", rate=3))
    db.session.commit()
    page = html.unescape(admin_client.get("/admin/taxrate/").get_data(as_text=True))
    assert "Exact Mapping" in page
    assert f"{connected_company.name}: {binding.exact_code}" in page
    assert "Not mapped" in page
    for list_url in ("/admin/customer/", "/admin/product/"):
        assert "Exact Mapping" in admin_client.get(list_url).get_data(as_text=True)


def test_keep_in_step_setting_is_shown_and_switched_on_the_import_page(admin_client,
                                                                       connected_company):
    url = "/admin/exact-import/customers/"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Keep in step every 15 minutes" in page and "None (off)" in page
    page = admin_client.post(url + "keep-in-step", data={
        "csrf_token": csrf_token_from(page), "company_id": connected_company.id,
        "enabled": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "is now on" in page and "None (off)" not in page
    assert runs.schedule_for(connected_company.id, "customers").enabled is True
    # Bad input: an unknown company changes nothing.
    page = admin_client.post(url + "keep-in-step", data={
        "csrf_token": csrf_token_from(page), "company_id": "999", "enabled": "0"},
        follow_redirects=True).get_data(as_text=True)
    assert "Choose a company" in page
    assert runs.schedule_for(connected_company.id, "customers").enabled is True
