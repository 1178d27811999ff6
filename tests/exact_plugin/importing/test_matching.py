"""The guide's matching rules for customers, their conflicts, bad Exact data, and re-runs.

Records are staged as if just read from Exact (the fetch is covered with the sandbox in
test_import_sandbox.py); everything after that runs for real on SQLite and PostgreSQL.
"""
import pytest
from flask import current_app
from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import Customer, Site, TopLevel
from exact_plugin.importing import apply as applying
from exact_plugin.importing import runs
from exact_plugin.importing.models import APPLIED, FAILED, PENDING
from exact_plugin.origin import ORIGIN_KEY
from tests.factories import (binding_of_exact, customer_with_main_site, exact_account,
                             import_staged, map_customer, offline_company, staged)


@pytest.fixture
def company(app):
    return offline_company()


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_unmatched_exact_customer_is_created_with_a_main_site_and_a_mapping(company):
    record = exact_account("Acme BV", code=1001, AddressLine1="Keizersgracht 1", City="Amsterdam")
    run = import_staged(company, "customers", [record])
    created = db.session.execute(select(Customer)).scalar_one()
    assert (run.created, run.failed) == (1, 0)
    assert (created.name, created.accounting_id, created.accounts_code) == \
        ("Acme BV", "1001", "1001")
    assert (created.main_site.address_line1, created.main_site.country) == ("Keizersgracht 1", "NL")
    binding = binding_of_exact(company, "Customer", record["ID"])
    assert (binding.host_id, binding.exact_code, binding.sync_state) == \
        (created.id, "1001", "synced")
    assert binding.sync_hash == staged(company, "customers", record["ID"]).data_hash


def test_created_customers_go_under_the_companys_top_level(company):
    top = TopLevel(name="Imported from Exact")
    db.session.add(top)
    db.session.commit()
    company.top_level_id = top.id
    db.session.commit()
    import_staged(company, "customers", [exact_account("Acme BV", code=1)])
    assert db.session.execute(select(Customer.top_level_id)).scalar() == top.id


def test_import_matches_existing_customer_by_accounts_code(company):
    existing = customer_with_main_site("Acme Holding", accounting_id="1001")
    run = import_staged(company, "customers", [exact_account("Acme BV", code=1001)])
    assert (run.matched, run.created) == (1, 0)
    assert count(Customer) == 1
    assert db.session.get(Customer, existing.id).name == "Acme BV"


def test_import_matches_existing_customer_by_exact_name(company):
    existing = customer_with_main_site("Acme BV")
    record = exact_account("Acme BV", code=77)
    run = import_staged(company, "customers", [record])
    assert (run.matched, run.created) == (1, 0)
    assert binding_of_exact(company, "Customer", record["ID"]).host_id == existing.id
    assert staged(company, "customers", record["ID"]).plan_rule == "exact name"


def test_mapped_customer_gets_the_exact_address_on_its_main_site(company):
    existing = customer_with_main_site("Acme", address="Old street 9")
    record = exact_account("Acme BV", code=5, AddressLine1="New street 1", City="Delft")
    map_customer(company, existing, record)
    run = import_staged(company, "customers", [record])
    site = db.session.execute(select(Site).filter_by(customer_id=existing.id)).scalar_one()
    assert run.updated == 1
    assert (site.address_line1, site.city, site.is_main) == ("New street 1", "Delft", True)


def test_mapping_wins_over_a_customer_with_the_exact_name(company):
    mapped = customer_with_main_site("Acme (old name)")
    namesake = customer_with_main_site("Acme BV")
    record = exact_account("Acme BV", code=5)
    map_customer(company, mapped, record)
    run = import_staged(company, "customers", [record])
    assert run.updated == 1
    assert db.session.get(Customer, mapped.id).name == "Acme BV"
    assert binding_of_exact(company, "Customer", record["ID"]).host_id == mapped.id
    assert db.session.get(Customer, namesake.id).name == "Acme BV"   # untouched, still unmapped
    assert count(Customer) == 2


def test_two_host_customers_with_the_same_name_is_a_conflict_reported_on_the_row(company):
    customer_with_main_site("Acme BV")
    customer_with_main_site("Acme BV")
    record = exact_account("Acme BV", code=9)
    run = import_staged(company, "customers", [record])
    row = staged(company, "customers", record["ID"])
    assert (run.failed, run.created, run.matched) == (1, 0, 0)
    assert row.status == FAILED
    assert "2 customers in the back office are named 'Acme BV'" in row.error
    assert count(Customer) == 2


def test_mapping_pointing_at_a_deleted_customer_is_a_conflict(company):
    gone = customer_with_main_site("Gone BV")
    record = exact_account("Gone BV", code=3)
    map_customer(company, gone, record)
    db.session.delete(db.session.get(Customer, gone.id))
    db.session.commit()
    run = import_staged(company, "customers", [record])
    row = staged(company, "customers", record["ID"])
    assert run.failed == 1 and count(Customer) == 0
    assert f"customer #{gone.id}, which no longer exists" in row.error


def test_namesake_of_a_customer_mapped_to_another_exact_customer_gets_its_own_record(company):
    existing = customer_with_main_site("Acme BV", accounting_id="1")
    first = exact_account("Acme BV", code=1)
    map_customer(company, existing, first)
    second = exact_account("Acme BV", code=2)
    run = import_staged(company, "customers", [first, second])
    assert (run.updated, run.created, run.failed) == (1, 1, 0)
    assert binding_of_exact(company, "Customer", second["ID"]).host_id != existing.id


def test_accounts_code_of_a_customer_mapped_to_another_exact_customer_is_a_conflict(company):
    existing = customer_with_main_site("Acme BV", accounting_id="7")
    map_customer(company, existing, exact_account("Acme BV", code=7))
    newcomer = exact_account("Acme Trading", code=7)
    run = import_staged(company, "customers", [newcomer])
    assert (run.failed, run.created) == (1, 0)
    assert "with accounts code '7' is already mapped to Exact customer 7" in \
        staged(company, "customers", newcomer["ID"]).error


def test_two_exact_namesakes_in_different_batches_are_both_created(company, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 1)
    run = import_staged(company, "customers", [exact_account("Same Name", code=1),
                                               exact_account("Same Name", code=2)])
    assert (run.created, run.failed) == (2, 0)


def test_duplicate_exact_codes_are_reported_per_row_and_the_rest_imported(company):
    twins = [exact_account("Twin A", code=42), exact_account("Twin B", code=42)]
    fine = exact_account("Fine BV", code=43)
    run = import_staged(company, "customers", twins + [fine])
    assert (run.created, run.failed) == (1, 2)
    assert "Code '42' is used by more than one Exact customer" in \
        staged(company, "customers", twins[0]["ID"]).error
    assert staged(company, "customers", fine["ID"]).status == APPLIED


def test_exact_customer_without_a_name_fails_alone(company):
    nameless, fine = exact_account(None, code=1), exact_account("Fine BV", code=2)
    run = import_staged(company, "customers", [nameless, fine])
    assert (run.created, run.failed) == (1, 1)
    assert "has no name in Exact" in staged(company, "customers", nameless["ID"]).error


def test_overlong_fields_are_reported_not_truncated(company):
    long_name = exact_account("N" * 201, code=1)
    long_city = exact_account("City BV", code=2, City="C" * 101)
    run = import_staged(company, "customers", [long_name, long_city])
    assert (run.created, run.failed) == (0, 2)
    assert "Name is 201 characters long; the back office takes at most 200" in \
        staged(company, "customers", long_name["ID"]).error
    assert "City is 101 characters long" in staged(company, "customers", long_city["ID"]).error


def test_unknown_country_is_reported_on_the_row(company):
    record = exact_account("Atlantis BV", code=1, Country="XQ ")
    run = import_staged(company, "customers", [record])
    assert run.failed == 1
    assert "Country 'XQ' is not an ISO country code" in \
        staged(company, "customers", record["ID"]).error


def test_re_running_an_import_with_nothing_changed_in_exact_changes_nothing(company):
    records = [exact_account(f"Customer {n}", code=n) for n in range(1, 6)]
    import_staged(company, "customers", records)
    before = db.session.execute(select(Customer.id, Customer.updated_at)
                                .order_by(Customer.id)).all()
    again = import_staged(company, "customers", records)
    assert (again.total, again.created, again.updated, again.matched) == (0, 0, 0, 0)
    assert db.session.execute(select(Customer.id, Customer.updated_at)
                              .order_by(Customer.id)).all() == before
    assert count(Site) == 5


def test_a_job_killed_halfway_and_run_again_completes_without_duplicates(company, monkeypatch):
    records = [exact_account(f"Customer {n}", code=n) for n in range(1, 26)]
    monkeypatch.setattr(runs, "BATCH_SIZE", 10)
    real_apply_batch, calls = applying.apply_batch, []

    def dies_on_second_batch(ctx, rows, run_id):
        calls.append(len(rows))
        if len(calls) == 2:
            raise SystemExit("worker killed")   # what a killed worker leaves: no cleanup
        return real_apply_batch(ctx, rows, run_id)

    monkeypatch.setattr(applying, "apply_batch", dies_on_second_batch)
    with pytest.raises(SystemExit):
        import_staged(company, "customers", records)
    db.session.rollback()
    assert count(Customer) == 10
    monkeypatch.setattr(applying, "apply_batch", real_apply_batch)
    # The dead run holds the entity until its lease is over; then it is stopped, a new run
    # is refused in words, and Resume picks up what is still pending.
    dead = db.session.execute(select(runs.ImportRun)).scalar_one()
    with pytest.raises(runs.ImportRefused, match="already running"):
        runs.new_run(company.id, "customers", auto_apply=True)
    monkeypatch.setitem(current_app.config, "EXACT_IMPORT_LEASE", 0)
    assert [run.id for run in runs.reap_dead_runs()] == [dead.id]
    runs.resume(dead.id)
    db.session.expire_all()
    resumed = db.session.get(runs.ImportRun, dead.id)
    assert count(Customer) == 25
    assert len(set(db.session.execute(select(Customer.name)).scalars())) == 25
    assert db.session.execute(select(func.count()).where(
        runs.StagedRecord.status == PENDING)).scalar() == 0
    # Counted from the rows, not added up per batch: the first 10 are not counted twice.
    assert (resumed.state, resumed.created, resumed.done, resumed.total) == ("done", 25, 25, 25)


def test_import_writes_are_tagged_so_they_are_not_sent_back_to_exact(company, monkeypatch):
    seen = []
    real_write = applying._write_host_records

    def spy(ctx, good):
        seen.append(db.session.info.get(ORIGIN_KEY))
        return real_write(ctx, good)

    monkeypatch.setattr(applying, "_write_host_records", spy)
    import_staged(company, "customers", [exact_account("Acme", code=1)])
    assert seen == ["import"]
    assert ORIGIN_KEY not in db.session.info


def test_a_code_exact_gives_to_two_records_is_a_conflict_even_for_mapped_records(company):
    first, second = exact_account("First", code=1), exact_account("Second", code=2)
    import_staged(company, "customers", [first, second])
    # Exact now sends the same code for both: neither mapped record is given it.
    run = import_staged(company, "customers", [dict(first, Code=f"{7:>18}", Name="First again"),
                                               dict(second, Code=f"{7:>18}")])
    assert (run.updated, run.failed) == (0, 2)
    codes = set(db.session.execute(select(Customer.accounts_code)).scalars())
    assert "7" not in codes
    assert db.session.execute(select(Customer).filter_by(name="First again")).first() is None
    assert "used by more than one Exact customer" in staged(company, "customers",
                                                           first["ID"]).error
