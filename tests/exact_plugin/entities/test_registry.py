"""The entity registry: every entity the plugin knows is declared once, in one module."""
import pytest

from exact_plugin import entities
from exact_plugin.entities import BULK, PLAIN, SYNC

MADE_UP = "tests.exact_plugin.entities.made_up_entity"


@pytest.fixture
def made_up_entity():
    """Registered before the app is built, as the plugin's own modules are."""
    spec = entities.add_module(MADE_UP)
    yield spec
    entities.remove(spec.name)


def test_the_plugin_declares_its_entities_one_module_each():
    assert set(entities.all_entities()) == {
        "tax_rates", "gl_accounts", "customers", "item_groups", "products", "suppliers",
        "invoices", "receivables"}
    assert [spec.name for spec in entities.importable()] == [
        "tax_rates", "gl_accounts", "customers", "suppliers", "products"]
    assert set(entities.exported()) == {"Customer", "Supplier", "Product", "Invoice"}


def test_an_entity_gives_its_select_list_per_endpoint():
    products = entities.entity("products")
    assert products.fields(BULK) == products.fields(PLAIN)
    # Exact: sync/Logistics/Items has no StandardSalesPrice (picqer SyncItem.php)
    assert products.fields(SYNC) == tuple(field for field in products.fields(PLAIN)
                                          if field != "StandardSalesPrice")
    assert "Code" in products.fields(SYNC)


def test_an_unknown_entity_names_the_known_ones():
    with pytest.raises(KeyError, match="known: .*customers"):
        entities.entity("credit_notes")


def test_a_made_up_entity_is_offered_by_the_import_command(made_up_entity, runner):
    refused = runner.invoke(args=["exact", "import", "no_such_entity", "--company", "1"])
    assert refused.exit_code != 0 and "'cost_centres'" in refused.output
    accepted = runner.invoke(args=["exact", "import", "cost_centres", "--company", "999"])
    assert "There is no Exact Online company with id 999" in accepted.output


def test_a_made_up_entity_is_listed_on_the_import_page(made_up_entity, admin_client,
                                                      exact_module_enabled):
    page = admin_client.get("/admin/exact-import/").get_data(as_text=True)
    assert 'href="/admin/exact-import/cost_centres/"' in page
    assert "Import cost centres" in page
    choose = admin_client.get("/admin/exact-import/cost_centres/")
    assert choose.status_code == 200


def test_a_made_up_entity_gets_an_import_button_on_its_host_list(made_up_entity, admin_client,
                                                                exact_module_enabled):
    page = admin_client.get("/admin/productgroup/").get_data(as_text=True)
    assert 'href="/admin/exact-import/cost_centres/"' in page
