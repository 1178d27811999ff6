"""The plugin hook points: every ModelViewExtension hook is called at its moment."""
import pytest

from backoffice.db import db
from backoffice.models import Customer
from tests import factories as f

# The hooks do not depend on the database: one backend is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PLUGINS": ["tests.backoffice.hook_probe_plugin"]}


@pytest.fixture
def probe(app):
    return app.extensions["customer_probe"]


def test_extension_field_is_on_the_create_form_with_its_default(admin_client, probe):
    page = f.page_text(admin_client.get("/admin/customer/new/"))

    assert 'name="probe_note"' in page
    assert 'value="default from the plugin"' in page
    assert ("on_form_create",) in probe.calls


def test_extension_prefills_its_field_on_the_edit_form(admin_client, probe):
    customer = f.customer(name="Acme")

    page = f.page_text(admin_client.get(f"/admin/customer/edit/?id={customer.id}"))

    assert 'value="prefilled for Acme"' in page
    assert ("on_form_prefill", "Acme") in probe.calls


def test_extension_validation_error_refuses_the_save_without_writing(admin_client, probe):
    response = f.submit(admin_client, "/admin/customer/new/", {"name": "Acme",
                                                               "probe_note": "refuse"})

    assert "The probe plugin refuses this note." in f.page_text(response)
    assert f.count(Customer) == 0
    assert not any(call[0] == "on_model_change" for call in probe.calls)


def test_extension_changes_are_saved_in_the_same_transaction_then_after_commit_runs(
        admin_client, probe):
    f.submit(admin_client, "/admin/customer/new/", {"name": "Acme", "probe_note": "hello"})

    customer = db.session.execute(db.select(Customer)).scalar_one()
    assert customer.accounts_code == "PROBE-hello"
    assert ("on_model_change", True, True) in probe.calls
    assert ("after_model_change", True, customer.id) in probe.calls
    names = [call[0] for call in probe.calls]
    assert names.index("validate") < names.index("on_model_change") \
        < names.index("after_model_change")


def test_failing_after_save_step_keeps_the_record_and_says_so(admin_client, probe):
    response = f.submit(admin_client, "/admin/customer/new/",
                        {"name": "Acme", "probe_note": "fail after saving"})

    assert "The record was saved, but a follow-up step failed: the probe's follow-up failed" \
        in f.page_text(response)
    assert f.count(Customer) == 1


def test_extension_list_column_is_shown_in_the_list(admin_client):
    f.customer(name="Acme")

    page = f.page_text(admin_client.get("/admin/customer/"))

    assert "Probe Column" in page
    assert "probe-Acme" in page


def test_record_panel_is_shown_on_the_edit_and_details_pages(admin_client):
    customer = f.customer(name="Acme")

    for url in (f"/admin/customer/edit/?id={customer.id}",
                f"/admin/customer/details/?id={customer.id}"):
        assert '<span class="probe-panel">Probe panel for Acme</span>' \
            in f.page_text(admin_client.get(url))


def test_banner_sources_are_shown_at_the_top_of_every_admin_page(admin_client):
    for url in ("/admin/", "/admin/customer/", "/admin/invoice/new/"):
        assert "<b>Probe banner</b>" in f.page_text(admin_client.get(url))


def test_extension_hooks_are_not_called_for_other_models(admin_client, probe):
    f.submit(admin_client, "/admin/toplevel/new/", {"name": "Retail"})

    assert probe.calls == []
