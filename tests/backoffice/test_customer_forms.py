"""The customer screen: what it accepts, and every bad input refused on its field with nothing
written."""
from backoffice.db import db
from backoffice.models import Customer, Site
from tests import factories as f

NEW = "/admin/customer/new/"


def site_rows(*sites):
    """Form data for inline site rows: each a dict of Site fields."""
    data = {}
    for index, site in enumerate(sites):
        for name, value in site.items():
            if name == "is_main":
                if value:
                    data[f"sites-{index}-is_main"] = "y"
            else:
                data[f"sites-{index}-{name}"] = value
    return data


def test_customer_is_created_with_its_sites(admin_client):
    response = f.submit(admin_client, NEW, {
        "name": "Acme BV", "accounting_id": "1001", "active": "y",
        **site_rows({"name": "Head office", "is_main": True, "city": "Utrecht", "country": "nl"},
                    {"name": "Warehouse", "country": "BE"})})

    assert "Record was successfully created." in f.page_text(response)
    customer = db.session.execute(db.select(Customer)).scalar_one()
    assert customer.accounting_id == "1001"
    assert [(s.name, s.is_main, s.country) for s in customer.sites] == [
        ("Head office", True, "NL"), ("Warehouse", False, "BE")]


def test_first_site_becomes_main_site_when_none_is_marked(admin_client):
    f.submit(admin_client, NEW, {"name": "Acme BV", **site_rows({"name": "Office"},
                                                                 {"name": "Depot"})})

    customer = db.session.execute(db.select(Customer)).scalar_one()
    assert customer.main_site.name == "Office"


def test_duplicate_customer_accounting_id_is_refused_on_its_field(admin_client):
    f.customer(name="First", accounting_id="1001")

    response = f.submit(admin_client, NEW, {"name": "Second", "accounting_id": "1001"})

    assert "Another customer already has customer ID for accounting integration 1001." \
        in f.page_text(response)
    assert f.count(Customer) == 1


def test_non_numeric_customer_accounting_id_is_refused(admin_client):
    response = f.submit(admin_client, NEW, {"name": "Acme", "accounting_id": "AB12"})

    assert ('Customer ID for accounting integration must be a number (digits only), not "AB12".'
            in f.page_text(response))
    assert f.count(Customer) == 0


def test_customer_accounting_id_longer_than_exact_allows_is_refused(admin_client):
    response = f.submit(admin_client, NEW, {"name": "Acme", "accounting_id": "1" * 19})

    assert "Field cannot be longer than 18 characters." in f.page_text(response)
    assert f.count(Customer) == 0


def test_second_main_site_added_inline_is_refused_and_nothing_is_written(admin_client):
    response = f.submit(admin_client, NEW, {
        "name": "Acme", **site_rows({"name": "Office", "is_main": True},
                                    {"name": "Depot", "is_main": True})})

    assert "Only one site can be the main site (now ticked: Office, Depot)." \
        in f.page_text(response)
    assert f.count(Customer) == 0
    assert f.count(Site) == 0


def test_second_main_site_on_an_existing_customer_leaves_it_unchanged(admin_client):
    customer = f.customer(name="Acme", sites=[f.site("Office", is_main=True)])
    url = f"/admin/customer/edit/?id={customer.id}"

    response = f.submit(admin_client, url, {
        "name": "Acme renamed", **site_rows({"id": str(customer.sites[0].id), "name": "Office",
                                             "is_main": True},
                                            {"name": "Depot", "is_main": True})})

    assert "Only one site can be the main site" in f.page_text(response)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Acme"
    assert f.count(Site) == 1


def test_moving_the_main_site_to_another_site_in_one_save_works(admin_client):
    # The new main site has the lower id, so its row is written first: the old flag must go
    # before the new one is set, or the one-main-site index refuses the save.
    customer = f.customer(name="Acme", sites=[f.site("Office"), f.site("Depot", is_main=True)])
    office, depot = customer.sites

    response = f.submit(admin_client, f"/admin/customer/edit/?id={customer.id}", {
        "name": "Acme", **site_rows({"id": str(office.id), "name": "Office", "is_main": True},
                                    {"id": str(depot.id), "name": "Depot"})})

    assert "Record was successfully saved." in f.page_text(response)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).main_site.name == "Office"


def test_unknown_country_code_on_an_inline_site_is_refused(admin_client):
    response = f.submit(admin_client, NEW, {"name": "Acme",
                                            **site_rows({"name": "Office", "country": "XX"})})

    assert 'Unknown country code "XX"' in f.page_text(response)
    assert f.count(Customer) == 0
    assert f.count(Site) == 0


def test_customer_without_a_name_is_refused(admin_client):
    response = f.submit(admin_client, NEW, {"name": "", "accounting_id": "5"})

    assert "This field is required." in f.page_text(response)
    assert f.count(Customer) == 0


def test_customer_screens_use_the_users_words(admin_client):
    f.customer(name="Acme", accounting_id="7", sites=[f.site("Office")])

    list_page = f.page_text(admin_client.get("/admin/customer/"))
    form_page = f.page_text(admin_client.get(NEW))

    assert "Customer ID for accounting integration" in list_page
    assert "Accounts code" in list_page
    assert "Main site" in form_page


def test_deleting_the_main_site_makes_the_remaining_site_main(admin_client):
    customer = f.customer(name="Acme", sites=[f.site("Office", is_main=True), f.site("Depot")])
    office, depot = customer.sites

    f.submit(admin_client, f"/admin/customer/edit/?id={customer.id}", {
        "name": "Acme", "del-sites-0": "y",
        **site_rows({"id": str(office.id), "name": "Office", "is_main": True},
                    {"id": str(depot.id), "name": "Depot"})})

    db.session.expire_all()
    sites = db.session.get(Customer, customer.id).sites
    assert [(site.name, site.is_main) for site in sites] == [("Depot", True)]


def test_deleting_the_main_site_and_ticking_another_in_one_save_works(admin_client):
    customer = f.customer(name="Acme", sites=[f.site("Office", is_main=True), f.site("Depot")])
    office, depot = customer.sites

    response = f.submit(admin_client, f"/admin/customer/edit/?id={customer.id}", {
        "name": "Acme", "del-sites-0": "y",
        **site_rows({"id": str(office.id), "name": "Office", "is_main": True},
                    {"id": str(depot.id), "name": "Depot", "is_main": True})})

    assert "Record was successfully saved." in f.page_text(response)
    db.session.expire_all()
    sites = db.session.get(Customer, customer.id).sites
    assert [(site.name, site.is_main) for site in sites] == [("Depot", True)]


def test_search_finds_customers_by_name_or_accounting_id(admin_client):
    f.customer(name="Acme BV", accounting_id="1001")
    f.customer(name="Globex", accounting_id="2002")
    f.customer(name="Initech", accounting_id="3003")

    by_name = f.page_text(admin_client.get("/admin/customer/?search=acme"))
    by_id = f.page_text(admin_client.get("/admin/customer/?search=2002"))

    assert "Acme BV" in by_name and "Globex" not in by_name
    assert "Globex" in by_id and "Initech" not in by_id


def test_filter_by_top_level_shows_only_its_customers(admin_client, app):
    retail = f.top_level("Retail")
    f.customer(name="Acme BV", top_level=retail)
    f.customer(name="Globex")
    view = next(v for v in app.extensions["backoffice_admin"]._views
                if getattr(v, "endpoint", None) == "customer")
    index = next(i for i, flt in enumerate(view._filters)
                 if str(flt.name) == "Top level" and str(flt.operation()) == "equals")

    page = f.page_text(admin_client.get(f"/admin/customer/?flt0_{index}=Retail"))

    assert "Acme BV" in page and "Globex" not in page


def test_all_problems_of_a_form_are_shown_at_once(admin_client):
    f.customer(name="First", accounting_id="1001")

    response = f.submit(admin_client, NEW, {
        "name": "Second", "accounting_id": "1001",
        **site_rows({"name": "Office", "is_main": True, "country": "XX"})})

    page = f.page_text(response)
    assert "Another customer already has customer ID for accounting integration 1001." in page
    assert 'Unknown country code "XX"' in page
    assert f.count(Customer) == 1
