"""Issue 11, the sync side: the badge computed from what Exact acknowledged, held changes and
their release, duplicate codes from Exact refused, the state JSON, the CLI while held, and
token renewals logged even when their transaction is rolled back."""
import pytest

from backoffice.db import db
from exact_plugin import origin
from exact_plugin.connection import set_enabled
from exact_plugin.models import OutboundRequest
from exact_plugin.syncing import jobs as sync_jobs
from exact_plugin.syncing import status
from exact_plugin.syncing.exporter import export_state
from tests.factories import (binding_of, make_customer,
                             make_invoice, make_product)


pytestmark = pytest.mark.usefixtures("fast_retries")




def badge_of(company, record):
    binding = binding_of(company, record)
    return status.binding_status(db.session.get(type(record), record.id), binding)


def test_synced_only_while_exact_holds_what_the_record_holds(company):
    customer = make_customer()
    assert badge_of(company, customer).label == "Synced"
    with origin.tagged(origin.IMPORT):  # a write the outbox does not see (not sent)
        customer.email = "elsewhere@jansen.example"
        db.session.commit()
    shown = badge_of(company, customer)
    assert (shown.label, shown.final) == ("Changed since last sync", True)


def test_an_edit_while_the_module_is_off_waits_then_goes_oldest_first(company, sandbox):
    customer = make_customer()
    product = make_product()
    set_enabled(False)
    customer.email = "new@jansen.example"
    db.session.commit()
    product.name = "Renamed product"
    db.session.commit()
    shown = badge_of(company, customer)
    assert (shown.label, shown.final) == ("Waiting (module off)", False)
    assert "module is disabled" in shown.message
    set_enabled(True)
    assert sync_jobs.release_held() == 2
    assert badge_of(company, customer).label == "Synced"
    assert badge_of(company, product).label == "Synced"
    [account] = [row for row in sandbox.records(company.division, "Accounts", limit=100000)
                 if str(row.get("Code")).strip() == "4711"]
    assert account["Email"] == "new@jansen.example"


def test_a_paused_company_holds_its_changes_until_resumed(company, sandbox):
    from exact_plugin.syncing import companies, outbox
    customer = make_customer()
    companies.set_paused(company, True)
    customer.email = "paused@jansen.example"
    db.session.commit()
    assert badge_of(company, customer).label == "Waiting (company paused)"
    assert outbox.due_records() == []
    assert outbox.waiting_count(company_id=company.id) == 1
    assert companies.set_paused(company, False) == 1
    assert badge_of(company, customer).label == "Synced"


def test_a_create_whose_answer_was_lost_is_unknown_not_synced(company):
    from exact_plugin.syncing import outbox
    set_enabled(False)
    customer = make_customer()
    binding = binding_of(company, customer)
    state = export_state(binding)
    state.create_sent_at = db.func.now()
    state.sent_payload = "{}"
    db.session.commit()
    shown = badge_of(company, customer)
    assert shown.label.startswith("Unknown: the answer from Exact was lost")
    assert outbox.waiting_count() == 1


def test_a_record_that_cannot_go_to_exact_says_why(company):
    customer = make_customer(accounting_id=None)
    shown = badge_of(company, customer)
    assert shown.label == "Not synced" and "customer ID for accounting integration" in \
        shown.message
    category, message = status.save_message("Customer", customer)
    assert category == "warning" and message.startswith("Saved; not sent to Exact Online (")


def test_exact_sending_a_code_another_record_holds_is_refused_and_said(company):
    from exact_plugin.entities import export_of
    from exact_plugin.syncing.exporter import take_number
    first = make_customer()
    second = make_customer(name="Bakery Pieters", accounting_id="4712")
    note = take_number(export_of("Customer"), binding_of(company, second), "4711")
    assert "customer #%d here already holds" % first.id in note
    assert binding_of(company, second).exact_code == "4712"


def test_an_invoice_number_exact_gives_twice_is_kept_by_the_first_invoice_only(company):
    from exact_plugin.entities.invoices import write_back_number
    customer = make_customer()
    product = make_product()
    first = make_invoice(customer, [(product, 1, 95, None)])
    second = make_invoice(customer, [(product, 2, 95, None)], number="INV-2")
    taken = binding_of(company, first).exact_number
    binding = binding_of(company, second)
    note = write_back_number(second, binding, taken)
    db.session.expire_all()
    assert "already holds" in note
    assert binding_of(company, second).exact_number != taken
    assert db.session.get(type(second), second.id).number != taken


def test_the_state_json_follows_the_badge_and_refuses_bad_input(admin_client, company):
    customer = make_customer()
    answer = admin_client.get(f"/admin/exact-sync-state/Customer/{customer.id}")
    data = answer.get_json()
    assert data["final"] is True and data["rows"][0]["label"] == "Synced"
    assert admin_client.get("/admin/exact-sync-state/User/1").status_code == 404
    assert admin_client.get("/admin/exact-sync-state/Customer/999").status_code == 404
    set_enabled(False)  # still answers while the module is off
    assert admin_client.get(f"/admin/exact-sync-state/Customer/{customer.id}").status_code == 200


def test_the_state_json_needs_a_login(client, app):
    answer = client.get("/admin/exact-sync-state/Customer/1")
    assert answer.status_code == 302 and "/login" in answer.location


def test_push_pending_says_when_the_module_is_off_and_sends_after_enabling(runner, company):
    customer = make_customer()
    set_enabled(False)
    customer.email = "cli@jansen.example"
    db.session.commit()
    result = runner.invoke(args=["exact", "push-pending"])
    assert result.exit_code != 0 and "module is disabled" in result.output
    set_enabled(True)
    result = runner.invoke(args=["exact", "push-pending"])
    assert result.exit_code == 0 and "Pushed 1 record(s)" in result.output
    assert badge_of(company, customer).label == "Synced"


def test_a_failed_token_renewal_leaves_a_log_row_even_when_rolled_back(company, clocks):
    from exact_plugin.errors import ExactTransientError
    from exact_plugin.tokens import load_tokens, refresh_tokens
    company.location, company.custom_base_url = "custom", "http://127.0.0.1:9"
    db.session.commit()
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # SQLite has one writer at a time
        make_customer(commit=False)  # the caller's own work, rolled back below
        db.session.flush()
    clocks.advance(571)  # Exact allows no renewal within 570 s; none would be tried (issue 10)
    with pytest.raises(ExactTransientError):
        refresh_tokens(company.id, used_access_token=load_tokens(company.id).access_token,
                       force=True, context="test renewal")
    db.session.rollback()
    rows = db.session.execute(db.select(OutboundRequest)).scalars().all()
    assert [(row.context, row.status) for row in rows] == [("test renewal", None)]
    assert "renew the access token" in rows[0].error
