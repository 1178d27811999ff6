"""The import pages and mapping tables, through the test client (jobs run inline)."""
import html
import re

from sqlalchemy import func, select

from backoffice.db import db
from backoffice.models import Customer, ProductGroup, TaxRate
from exact_plugin.importing import runs
from exact_plugin.importing.models import ImportRun, StagedRecord
from exact_plugin.models import Binding, ItemGroupMapping
from tests.conftest import csrf_token_from
from tests.factories import customer_with_main_site


def start_import(admin_client, auth, company, entity_name):
    url = f"/admin/exact-import/{entity_name}/"
    response = admin_client.post(url, data={"company_id": company.id,
                                            "csrf_token": auth.csrf_token(url)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_each_list_view_has_an_import_button_leading_to_the_company_choice(admin_client, exact_module_enabled):
    for list_url, entity_name in (("/admin/customer/", "customers"),
                                  ("/admin/product/", "products"),
                                  ("/admin/taxrate/", "tax_rates"),
                                  ("/admin/glaccount/", "gl_accounts")):
        page = admin_client.get(list_url).get_data(as_text=True)
        assert f'href="/admin/exact-import/{entity_name}/"' in page, list_url
        assert "Import from Exact Online" in page


def test_import_pages_require_login(client, app):
    response = client.get("/admin/exact-import/customers/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_company_choice_says_what_to_do_when_no_company_is_connected(admin_client, exact_module_enabled):
    page = admin_client.get("/admin/exact-import/customers/").get_data(as_text=True)
    assert "No Exact Online company is connected" in page


def test_unknown_entity_is_not_found(admin_client, exact_module_enabled):
    assert admin_client.get("/admin/exact-import/invoices/").status_code == 404


def test_starting_an_import_without_the_csrf_token_is_refused(admin_client, connected_company):
    response = admin_client.post("/admin/exact-import/customers/",
                                 data={"company_id": connected_company.id})
    assert response.status_code == 400
    assert db.session.execute(select(func.count()).select_from(ImportRun)).scalar() == 0


def test_preview_then_start_imports_the_selected_rows_and_skips_the_unticked_one(
        admin_client, auth, connected_company, sandbox):
    run_url = start_import(admin_client, auth, connected_company, "customers")
    preview = admin_client.get(run_url).get_data(as_text=True)
    row_ids = re.findall(r'name="shown" value="(\d+)"', preview)
    assert len(row_ids) == 29 and "Start" in preview
    assert preview.count(">Create") == 29
    left_out = db.session.get(StagedRecord, int(row_ids[0]))
    form = {"csrf_token": csrf_token_from(preview), "shown": row_ids, "selected": row_ids[1:]}
    response = admin_client.post(run_url + "/start", data=form)
    result = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="result-created">28<', result)
    assert re.search(r'id="result-skipped">1<', result)
    assert db.session.execute(select(func.count()).select_from(Customer)).scalar() == 28
    assert db.session.execute(select(Customer).filter_by(name=left_out.name)).first() is None


def test_preview_flags_conflicts(admin_client, auth, connected_company, sandbox):
    first = next(r for r in sandbox.records(connected_company.division, "Accounts")
                 if r["Status"] == "C")
    customer_with_main_site(first["Name"])
    customer_with_main_site(first["Name"])
    preview = admin_client.get(start_import(admin_client, auth, connected_company,
                                            "customers")).get_data(as_text=True)
    assert "1 row(s) have a conflict" in preview
    assert f"2 customers in the back office are named" in preview


def test_progress_follows_the_run(admin_client, auth, connected_company, sandbox):
    run_url = start_import(admin_client, auth, connected_company, "customers")
    progress = admin_client.get(run_url + "/progress").get_json()
    assert (progress["state"], progress["fetched"], progress["total"]) == ("ready", 29, 29)


def test_customer_mapping_is_one_to_one_with_a_clear_message(admin_client, auth,
                                                             connected_company, sandbox):
    runs.start_run(connected_company.id, "customers")   # reads the Exact customers (inline)
    exact_rows = db.session.execute(select(StagedRecord).filter_by(
        entity="customers").order_by(StagedRecord.id).limit(2)).scalars().all()
    host = customer_with_main_site("Our customer")
    url = "/admin/exact_customer_mapping/new/"
    response = admin_client.post(url, data={"csrf_token": auth.csrf_token(url),
                                            "exact_customer": exact_rows[0].id,
                                            "customer": host.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    binding = db.session.execute(select(Binding).filter_by(host_model="Customer")).scalar_one()
    assert (binding.host_id, binding.exact_id) == (host.id, exact_rows[0].exact_id)
    again = admin_client.post(url, data={"csrf_token": auth.csrf_token(url),
                                         "exact_customer": exact_rows[1].id,
                                         "customer": host.id})
    page = again.get_data(as_text=True)
    assert "is already mapped to Exact customer" in page and "one to one" in page
    assert db.session.execute(select(func.count()).select_from(Binding)).scalar() == 1


def test_customer_mapping_lookup_finds_exact_customers_by_name(admin_client, connected_company,
                                                               sandbox):
    runs.start_run(connected_company.id, "customers")
    name = db.session.execute(select(StagedRecord.name).filter_by(entity="customers")).scalar()
    found = admin_client.get("/admin/exact_customer_mapping/ajax/lookup/",
                             query_string={"name": "exact_customer", "query": name[:5]}).get_json()
    assert any(name in label for _id, label in found)


def test_tax_rate_can_be_mapped_by_hand_to_an_exact_vat_code(admin_client, auth,
                                                             connected_company, sandbox):
    runs.start_run(connected_company.id, "tax_rates")
    own = TaxRate(name="Our own rate", rate=21)
    db.session.add(own)
    db.session.commit()
    vat = db.session.execute(select(StagedRecord).filter_by(entity="tax_rates")
                             .order_by(StagedRecord.code)).scalars().first()
    url = f"/admin/taxrate/edit/?id={own.id}"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Exact Online VAT code" in page
    response = admin_client.post(url, data={"csrf_token": csrf_token_from(page),
                                            "name": "Our own rate", "rate": "21",
                                            "exact_vat_code":
                                                f"{connected_company.id}:{vat.exact_id}"})
    assert response.status_code == 302, response.get_data(as_text=True)
    binding = db.session.execute(select(Binding).filter_by(host_model="TaxRate",
                                                           host_id=own.id)).scalar_one()
    assert (binding.exact_code, binding.connection_id) == (vat.code, connected_company.id)


def test_item_group_mapping_sends_a_group_to_a_product_group(admin_client, auth,
                                                             connected_company, sandbox):
    runs.start_run(connected_company.id, "products")   # reads item groups too
    group = db.session.execute(select(StagedRecord).filter_by(
        entity="item_groups")).scalars().first()
    hardware = ProductGroup(name="Hardware")
    db.session.add(hardware)
    db.session.commit()
    url = "/admin/exact_item_group_mapping/new/"
    response = admin_client.post(url, data={
        "csrf_token": auth.csrf_token(url),
        "item_group": f"{connected_company.id}:{group.exact_id}",
        "product_group": hardware.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping = db.session.execute(select(ItemGroupMapping)).scalar_one()
    assert (mapping.exact_code, mapping.product_group_id) == (group.code, hardware.id)


def test_starting_an_import_from_a_company_that_is_not_connected_is_refused(admin_client, auth, exact_module_enabled):
    from exact_plugin.models import ExactConnection
    company = ExactConnection(name="Not connected", location="sandbox", client_id="x")
    db.session.add(company)
    db.session.commit()
    url = "/admin/exact-import/customers/"
    response = admin_client.post(url, data={"company_id": company.id,
                                            "csrf_token": auth.csrf_token(url)},
                                 follow_redirects=True)
    assert "Choose a connected Exact Online company" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(ImportRun)).scalar() == 0


def test_starting_a_second_import_while_one_runs_shows_the_running_one(
        admin_client, auth, connected_company):
    running = runs.new_run(connected_company.id, "customers")   # still reading
    url = "/admin/exact-import/customers/"
    response = admin_client.post(url, data={"company_id": connected_company.id,
                                            "csrf_token": auth.csrf_token(url)})
    assert response.headers["Location"].endswith(f"/admin/exact-import/run/{running.id}")
    assert db.session.execute(select(func.count()).select_from(ImportRun)).scalar() == 1


def test_customer_mapping_without_both_sides_is_refused_with_a_message(admin_client, auth, exact_module_enabled):
    url = "/admin/exact_customer_mapping/new/"
    page = admin_client.post(url, data={"csrf_token": auth.csrf_token(url)}).get_data(
        as_text=True)
    assert "Choose both the Exact customer and the customer." in page or \
        "Not a valid choice" in page
    assert db.session.execute(select(func.count()).select_from(Binding)).scalar() == 0


def test_a_vat_code_mapped_to_another_tax_rate_is_refused(admin_client, auth,
                                                          connected_company, sandbox):
    runs.import_now(connected_company.id, "tax_rates")   # creates and maps the Exact rates
    vat = db.session.execute(select(StagedRecord).filter_by(entity="tax_rates")).scalars().first()
    own = TaxRate(name="Our own rate", rate=21)
    db.session.add(own)
    db.session.commit()
    url = f"/admin/taxrate/edit/?id={own.id}"
    page = admin_client.post(url, data={
        "csrf_token": auth.csrf_token(url), "name": "Our own rate", "rate": "21",
        "exact_vat_code": f"{connected_company.id}:{vat.exact_id}"}).get_data(as_text=True)
    holder = db.session.execute(select(Binding).filter_by(exact_id=vat.exact_id)).scalar_one()
    assert (f"already mapped to tax rate {db.session.get(TaxRate, holder.host_id).name!r} "
            f"(#{holder.host_id})") in html.unescape(page)
    assert db.session.execute(select(func.count()).where(
        Binding.host_model == "TaxRate", Binding.host_id == own.id)).scalar() == 0


def test_an_item_group_mapped_twice_is_refused(admin_client, auth, connected_company, sandbox):
    runs.start_run(connected_company.id, "products")
    group = db.session.execute(select(StagedRecord).filter_by(
        entity="item_groups")).scalars().first()
    hardware = ProductGroup(name="Hardware")
    db.session.add(hardware)
    db.session.commit()
    db.session.add(ItemGroupMapping(connection_id=connected_company.id,
                                    exact_item_group_id=group.exact_id,
                                    product_group_id=hardware.id))
    db.session.commit()
    url = "/admin/exact_item_group_mapping/new/"
    page = admin_client.post(url, data={
        "csrf_token": auth.csrf_token(url),
        "item_group": f"{connected_company.id}:{group.exact_id}",
        "product_group": hardware.id}).get_data(as_text=True)
    assert "This item group is already mapped to product group Hardware" in page
    assert db.session.execute(select(func.count()).select_from(ItemGroupMapping)).scalar() == 1


def test_while_the_module_is_disabled_no_exact_button_field_or_page_shows(admin_client):
    for list_url in ("/admin/customer/", "/admin/product/", "/admin/taxrate/"):
        page = admin_client.get(list_url).get_data(as_text=True)
        assert "Import from Exact Online" not in page and "Exact Sync" not in page, list_url
    form = admin_client.get("/admin/customer/new/").get_data(as_text=True)
    assert "Exact Online company" not in form
    tax_form = admin_client.get("/admin/taxrate/new/").get_data(as_text=True)
    assert "Exact Online VAT code" not in tax_form
    response = admin_client.get("/admin/exact-import/customers/")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_a_customer_saved_while_the_module_is_disabled_is_not_queued_for_exact(admin_client,
                                                                               auth):
    from exact_plugin.syncing.models import OutboxEntry
    url = "/admin/customer/new/"
    response = admin_client.post(url, data={"name": "Offline Ltd", "accounting_id": "42",
                                            "csrf_token": auth.csrf_token(url)})
    assert response.status_code == 302
    assert db.session.execute(select(func.count()).select_from(Customer)).scalar() == 1
    assert db.session.execute(select(func.count()).select_from(OutboxEntry)).scalar() == 0
