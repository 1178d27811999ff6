"""The reconciliation report: drift found field by field, records on one side only, fixes in
both directions through the import and push paths, the page and its budget rule (issue 15)."""
import json

import pytest
from sqlalchemy import select, update

from backoffice.db import db
from backoffice.models import Customer, Product
from exact_plugin.importing import runs
from exact_plugin.models import Binding
from exact_plugin.realtime import reconcile
from exact_plugin.realtime.models import Difference, Reconciliation
from tests.conftest import csrf_token_from
from tests.factories import import_staged


@pytest.fixture
def imported(connected_company):
    runs.import_now(connected_company.id, "customers")
    return connected_company


def bound(company, model="Customer", index=0):
    binding = db.session.execute(select(Binding).filter_by(
        connection_id=company.id, host_model=model).order_by(Binding.id)).scalars().all()[index]
    return binding


def rows(report, kind=None):
    query = select(Difference).filter_by(reconciliation_id=report.id)
    if kind:
        query = query.filter_by(kind=kind)
    return db.session.execute(query.order_by(Difference.id)).scalars().all()


def test_nothing_differs_right_after_an_import(imported):
    report = reconcile.reconcile(imported.id, "customers")
    assert (report.state, report.differing, report.only_here, report.only_exact) == \
        ("done", 0, 0, 0), report.message
    assert report.compared == db.session.execute(select(db.func.count(Customer.id))).scalar()
    assert report.calls == 1   # 30 accounts: one bulk page of 1000


def test_a_field_changed_in_exact_and_records_on_one_side_only_are_reported(imported, sandbox):
    changed, gone = bound(imported), bound(imported, index=1)
    sandbox.update_record(imported.division, "Accounts", changed.exact_id,
                          {"Name": "Edited in Exact", "Email": "new@example.com"})
    sandbox.delete_record(imported.division, "Accounts", gone.exact_id)
    new = sandbox.create_record(imported.division, "Accounts",
                                {"Code": "9200", "Name": "Only in Exact BV", "Status": "C"})
    report = reconcile.reconcile(imported.id, "customers")
    assert (report.differing, report.only_here, report.only_exact) == (1, 1, 1)
    [row] = rows(report, reconcile.DIFFERS)
    fields = {item["field"]: item for item in json.loads(row.fields)}
    assert set(fields) == {"name", "email"}
    assert fields["name"]["exact"] == "Edited in Exact"
    assert fields["name"]["ours"] == db.session.get(Customer, changed.host_id).name
    assert rows(report, reconcile.ONLY_HERE)[0].host_id == gone.host_id
    assert rows(report, reconcile.ONLY_EXACT)[0].exact_id == new["ID"]


def test_take_exacts_updates_the_record_through_the_import(imported, sandbox):
    changed = bound(imported)
    sandbox.update_record(imported.division, "Accounts", changed.exact_id, {"Name": "Theirs"})
    report = reconcile.reconcile(imported.id, "customers")
    [row] = rows(report, reconcile.DIFFERS)
    said = reconcile.take_exact(row.id)
    db.session.expire_all()
    assert "now holds Exact's version" in said
    assert db.session.get(Customer, changed.host_id).name == "Theirs"
    assert reconcile.reconcile(imported.id, "customers").differing == 0


def test_take_exacts_for_a_record_only_in_exact_puts_it_in_the_preview(imported, sandbox):
    sandbox.create_record(imported.division, "Accounts",
                          {"Code": "9300", "Name": "Not created silently", "Status": "C"})
    report = reconcile.reconcile(imported.id, "customers")
    [row] = rows(report, reconcile.ONLY_EXACT)
    assert "import preview" in reconcile.take_exact(row.id)
    assert db.session.execute(select(Customer).filter_by(
        name="Not created silently")).scalar_one_or_none() is None


def test_send_ours_pushes_our_version_through_the_outbox(imported, sandbox):
    changed = bound(imported)
    # Our side changed without the push reaching Exact (a push lost long ago).
    db.session.execute(update(Customer).where(Customer.id == changed.host_id)
                       .values(name="Ours, never sent"))
    db.session.commit()
    report = reconcile.reconcile(imported.id, "customers")
    [row] = rows(report, reconcile.DIFFERS)
    said = reconcile.send_ours(row.id)
    assert "queued to be sent" in said
    db.session.expire_all()
    assert db.session.get(Binding, changed.id).sync_state == "synced", \
        db.session.get(Binding, changed.id).last_error
    exact = [record for record in sandbox.records(imported.division, "Accounts")
             if record["ID"] == changed.exact_id][0]
    assert exact["Name"] == "Ours, never sent"
    assert reconcile.reconcile(imported.id, "customers").differing == 0


def test_products_are_reconciled_too(connected_company, sandbox):
    # Staged from the sandbox's own rows: the product import's sync read is being fixed on
    # another branch (StandardSalesPrice is not on sync/Logistics/Items).
    items = sandbox.records(connected_company.division, "Items")
    import_staged(connected_company, "products", items)
    assert db.session.execute(select(db.func.count(Product.id))).scalar() == len(items)
    changed = bound(connected_company, "Product")
    sandbox.update_record(connected_company.division, "Items", changed.exact_id,
                          {"Description": "Renamed item"})
    report = reconcile.reconcile(connected_company.id, "products")
    assert (report.state, report.differing, report.compared) == ("done", 1, len(items)), \
        report.message
    [row] = rows(report, reconcile.DIFFERS)
    assert [item["field"] for item in json.loads(row.fields)] == ["name"]


def test_the_report_page_shows_counts_then_rows_and_fixes_a_row(admin_client, imported,
                                                                sandbox):
    changed = bound(imported)
    sandbox.update_record(imported.division, "Accounts", changed.exact_id, {"Name": "Theirs"})
    index = admin_client.get(f"/admin/exact/reconcile/?company_id={imported.id}")
    admin_client.post("/admin/exact/reconcile/run", data={
        "csrf_token": csrf_token_from(index.get_data(as_text=True)), "company_id": imported.id})
    report = db.session.execute(select(Reconciliation).filter_by(entity="customers")).scalar_one()
    page = admin_client.get(f"/admin/exact/reconcile/report/{report.id}").get_data(as_text=True)
    assert page.index('id="reconcile-counts"') < page.index('id="reconcile-rows"')
    assert 'id="count-differing">1<' in page and "Theirs" in page
    [row] = rows(report, reconcile.DIFFERS)
    answer = admin_client.post(f"/admin/exact/reconcile/difference/{row.id}/exact",
                               data={"csrf_token": csrf_token_from(page)},
                               follow_redirects=True).get_data(as_text=True)
    assert "now holds Exact&#39;s version" in answer or "now holds Exact's version" in answer
    db.session.expire_all()
    assert db.session.get(Customer, changed.host_id).name == "Theirs"
    company_page = admin_client.get(f"/admin/exact/companies/edit/?id={imported.id}")
    assert "customers: 1 differing" in company_page.get_data(as_text=True)


def test_a_fix_for_a_row_that_does_not_exist_says_so(admin_client, imported):
    page = admin_client.get("/admin/exact/reconcile/").get_data(as_text=True)
    answer = admin_client.post("/admin/exact/reconcile/difference/999/exact",
                               data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "no longer exists" in answer.get_data(as_text=True)


def test_the_nightly_run_waits_when_the_budget_share_is_too_small(app, imported, monkeypatch):
    from exact_plugin import connection
    monkeypatch.setattr(connection, "calls_left", lambda company: {"daily_remaining": 3})
    reconcile.nightly()
    states = set(db.session.execute(select(Reconciliation.state)).scalars())
    assert states == {"postponed"}
    message = db.session.execute(select(Reconciliation.message)).scalars().first()
    assert "calls left today" in message


def test_an_unknown_fix_direction_is_refused_with_a_message(admin_client, imported, sandbox):
    sandbox.update_record(imported.division, "Accounts", bound(imported).exact_id,
                          {"Name": "Theirs"})
    report = reconcile.reconcile(imported.id, "customers")
    [row] = rows(report, reconcile.DIFFERS)
    page = admin_client.get(f"/admin/exact/reconcile/report/{report.id}").get_data(as_text=True)
    answer = admin_client.post(f"/admin/exact/reconcile/difference/{row.id}/sideways",
                               data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "Choose Send ours or Take Exact" in answer.get_data(as_text=True)
    assert db.session.get(Difference, row.id).fixed is None


def test_the_live_region_endpoint_answers_for_imported_models_only(admin_client, imported):
    customer_id = bound(imported).host_id
    answer = admin_client.get(f"/admin/exact/live/Customer/{customer_id}").get_json()
    assert answer["name"] and answer["deleted_in_exact"] is False
    assert admin_client.get("/admin/exact/live/Invoice/1").status_code == 404


def test_take_exacts_for_all_fixes_every_differing_row(admin_client, imported, sandbox):
    changed = [bound(imported, index=number) for number in range(3)]
    for number, binding in enumerate(changed):
        sandbox.update_record(imported.division, "Accounts", binding.exact_id,
                              {"Name": f"Theirs {number}"})
    report = reconcile.reconcile(imported.id, "customers")
    page = admin_client.get(f"/admin/exact/reconcile/report/{report.id}").get_data(as_text=True)
    admin_client.post(f"/admin/exact/reconcile/report/{report.id}/fix-all/exact",
                      data={"csrf_token": csrf_token_from(page)})   # a job, inline under test
    db.session.expire_all()
    assert [db.session.get(Customer, b.host_id).name for b in changed] == \
        ["Theirs 0", "Theirs 1", "Theirs 2"]
    assert all(row.fixed == "took Exact's" for row in rows(report))
