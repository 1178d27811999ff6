"""Imports against the Exact sandbox over HTTP: sync endpoints, cursors, deletions, the CLI and
the periodic jobs."""
from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import Customer, Product, TaxRate
from exact_plugin.importing import runs
from exact_plugin.importing.models import DONE, STOPPED, SyncCursor
from exact_plugin.models import Binding, ExactConnection, OutboundRequest


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def calls(company):
    return db.session.execute(select(func.count()).where(
        OutboundRequest.connection_id == company.id)).scalar()


def exact_customers(sandbox, division):
    return [record for record in sandbox.records(division, "Accounts")
            if record["Status"] == "C"]


def test_first_import_reads_every_customer_in_one_sync_page_plus_the_deleted_log(
        connected_company, sandbox):
    before = calls(connected_company)
    run = runs.import_now(connected_company.id, "customers")
    expected = exact_customers(sandbox, connected_company.division)
    assert run.state == DONE
    assert run.created == len(expected) == count(Customer)
    # 30 accounts fit one 1000-row page; then one call to sync/Deleted.
    assert calls(connected_company) - before == 2
    cursor = db.session.execute(select(SyncCursor).filter_by(
        connection_id=connected_company.id, entity="customers")).scalar_one()
    assert cursor.timestamp == max(record["Timestamp"] for record in
                                   sandbox.records(connected_company.division, "Accounts"))


def test_later_runs_read_only_what_changed_in_exact(connected_company, sandbox):
    runs.import_now(connected_company.id, "customers")
    first = exact_customers(sandbox, connected_company.division)[0]
    sandbox.update_record(connected_company.division, "Accounts", first["ID"],
                          {"Name": "Renamed in Exact", "City": "Zwolle"})
    run = runs.import_now(connected_company.id, "customers")
    binding = db.session.execute(select(Binding).filter_by(exact_id=first["ID"])).scalar_one()
    renamed = db.session.get(Customer, binding.host_id)
    assert (run.fetched, run.updated, run.created) == (1, 1, 0)
    assert (renamed.name, renamed.main_site.city) == ("Renamed in Exact", "Zwolle")


def test_re_running_with_nothing_changed_reads_no_rows_and_writes_nothing(connected_company,
                                                                           sandbox):
    runs.import_now(connected_company.id, "customers")
    customers_before = count(Customer)
    run = runs.import_now(connected_company.id, "customers")
    assert (run.fetched, run.total, run.created, run.updated) == (0, 0, 0, 0)
    assert count(Customer) == customers_before


def test_customer_deleted_in_exact_flags_its_mapping_and_keeps_the_customer(connected_company,
                                                                             sandbox):
    runs.import_now(connected_company.id, "customers")
    gone = exact_customers(sandbox, connected_company.division)[0]
    sandbox.delete_record(connected_company.division, "Accounts", gone["ID"])
    run = runs.import_now(connected_company.id, "customers")
    binding = db.session.execute(select(Binding).filter_by(exact_id=gone["ID"])).scalar_one()
    assert run.deleted == 1
    assert binding.deleted_in_exact is True
    assert db.session.get(Customer, binding.host_id) is not None


def test_products_import_reads_item_groups_and_assigns_products_to_the_company(
        connected_company, sandbox):
    run = runs.import_now(connected_company.id, "products")
    items = sandbox.records(connected_company.division, "Items")
    assert (run.state, run.created) == (DONE, len(items))
    assert db.session.execute(select(func.count()).where(
        Binding.connection_id == connected_company.id,
        Binding.host_model == "Product")).scalar() == count(Product) == len(items)


def test_cli_import_prints_progress_and_the_result(connected_company, sandbox, runner):
    result = runner.invoke(args=["exact", "import", "customers", "--company",
                                 str(connected_company.id)])
    expected = len(exact_customers(sandbox, connected_company.division))
    assert result.exit_code == 0, result.output
    assert f"Read {expected} new or changed customers from Exact" in result.output
    assert f"Imported {expected} of {expected} (0 failed)" in result.output
    assert f"Done: {expected} created, 0 updated, 0 matched, 0 skipped, 0 failed." in result.output


def test_cli_import_with_all_reads_everything_again_and_changes_nothing(connected_company,
                                                                        sandbox, runner):
    runner.invoke(args=["exact", "import", "customers", "--company", str(connected_company.id)])
    result = runner.invoke(args=["exact", "import", "customers", "--company",
                                 str(connected_company.id), "--all"])
    expected = len(exact_customers(sandbox, connected_company.division))
    assert result.exit_code == 0, result.output
    assert "Done: 0 created, 0 updated, 0 matched, 0 skipped, 0 failed." in result.output
    assert count(Customer) == expected


def test_cli_import_of_an_unknown_company_says_so(app, runner):
    result = runner.invoke(args=["exact", "import", "customers", "--company", "999"])
    assert result.exit_code != 0
    assert "There is no Exact Online company with id 999" in result.output


def test_cli_import_from_a_company_that_is_not_connected_stops_with_the_reason(
        connected_company, runner):
    company = ExactConnection(name="Never connected", location="sandbox", client_id="x")
    db.session.add(company)
    db.session.commit()
    result = runner.invoke(args=["exact", "import", "customers", "--company", str(company.id)])
    assert result.exit_code == 1
    assert "Stopped:" in result.output and "Never connected" in result.output
    assert "Traceback" not in result.output


def keep_in_step(company, entity_name):
    runs.schedule_for(company.id, entity_name, create=True).enabled = True
    db.session.commit()


def test_periodic_job_does_nothing_unless_the_setting_asks(connected_company, sandbox):
    runs.import_now(connected_company.id, "customers")
    first = exact_customers(sandbox, connected_company.division)[0]
    sandbox.update_record(connected_company.division, "Accounts", first["ID"],
                          {"Name": "Changed later"})
    runs.periodic_import()
    binding = db.session.execute(select(Binding).filter_by(exact_id=first["ID"])).scalar_one()
    assert db.session.get(Customer, binding.host_id).name != "Changed later"
    assert count(Product) == 0


def test_periodic_job_updates_mapped_records_and_creates_or_deletes_nothing(connected_company,
                                                                            sandbox):
    runs.import_now(connected_company.id, "customers")
    keep_in_step(connected_company, "customers")
    division = connected_company.division
    first, second = exact_customers(sandbox, division)[:2]
    sandbox.update_record(division, "Accounts", first["ID"], {"Name": "Changed later"})
    sandbox.delete_record(division, "Accounts", second["ID"])
    sandbox.create_record(division, "Accounts", {"Name": "Brand new", "Code": "NEW1",
                                                 "Status": "C"})
    customers_before = count(Customer)
    runs.periodic_import()
    binding = db.session.execute(select(Binding).filter_by(exact_id=first["ID"])).scalar_one()
    assert db.session.get(Customer, binding.host_id).name == "Changed later"
    assert count(Customer) == customers_before          # "Brand new" waits for a preview
    gone = db.session.execute(select(Binding).filter_by(exact_id=second["ID"])).scalar_one()
    assert gone.deleted_in_exact is False               # flagged only by a preview's Start
    schedule = runs.schedule_for(connected_company.id, "customers")
    run = db.session.get(runs.ImportRun, schedule.last_run_id)
    assert (run.updated, run.created, run.started_by) == (1, 0, runs.KEEP_IN_STEP)
    assert "wait for a preview" in run.note_list[0]
    assert schedule.last_message == run.message
    # Products were never set to be kept in step.
    assert count(Product) == 0


def test_periodic_job_and_cli_never_write_the_rows_of_an_open_preview(connected_company,
                                                                      sandbox, app):
    runs.import_now(connected_company.id, "customers")
    keep_in_step(connected_company, "customers")
    first = exact_customers(sandbox, connected_company.division)[0]
    sandbox.update_record(connected_company.division, "Accounts", first["ID"],
                          {"Name": "Waiting in a preview"})
    preview = runs.start_run(connected_company.id, "customers", started_by="anna")
    db.session.expire_all()
    assert db.session.get(runs.ImportRun, preview.id).state == "ready"
    runs.periodic_import()
    result = app.test_cli_runner().invoke(args=["exact", "import", "customers", "--company",
                                                str(connected_company.id)])
    binding = db.session.execute(select(Binding).filter_by(exact_id=first["ID"])).scalar_one()
    assert db.session.get(Customer, binding.host_id).name != "Waiting in a preview"
    assert result.exit_code == 1
    assert "A preview of customers for" in result.output and "by anna" in result.output
    assert "Traceback" not in result.output
    schedule = runs.schedule_for(connected_company.id, "customers")
    assert schedule.last_message.startswith("Skipped: A preview of customers")


def test_daily_tax_rate_import_runs_only_for_companies_that_ask_for_it(connected_company,
                                                                       sandbox):
    runs.daily_imports()
    assert count(TaxRate) == 0
    connected_company.import_tax_rates_daily = True
    db.session.commit()
    runs.daily_imports()
    assert count(TaxRate) == len(sandbox.records(connected_company.division, "VATCodes"))


def test_a_run_that_cannot_reach_exact_stops_with_a_message_for_the_admin(connected_company,
                                                                         sandbox):
    connected_company.state = "needs_reconnect"
    connected_company.state_reason = "Reconnect this company: its authorisation was revoked."
    db.session.commit()
    run = runs.import_now(connected_company.id, "customers")
    assert run.state == STOPPED
    assert run.message.startswith("Reconnect this company")
    assert "Resume it once this is solved" in run.message
