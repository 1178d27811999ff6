"""The site and supplier screens: bad input refused on its field, nothing written."""
from backoffice.db import db
from backoffice.models import Site, Supplier
from tests import factories as f


def test_site_added_for_a_customer_without_sites_becomes_its_main_site(admin_client):
    customer = f.customer(name="Acme")

    f.submit(admin_client, "/admin/site/new/", {"customer": str(customer.id), "name": "Office",
                                                "country": "de"})

    site = db.session.execute(db.select(Site)).scalar_one()
    assert (site.is_main, site.country) == (True, "DE")


def test_second_main_site_on_the_site_screen_is_refused(admin_client):
    customer = f.customer(name="Acme", sites=[f.site("Office", is_main=True)])

    response = f.submit(admin_client, "/admin/site/new/", {
        "customer": str(customer.id), "name": "Depot", "is_main": "y"})

    assert "Acme already has a main site (Office). Untick “Main site” there first." \
        in f.page_text(response)
    assert f.count(Site) == 1


def test_unknown_country_code_on_a_site_is_refused(admin_client):
    customer = f.customer(name="Acme")

    response = f.submit(admin_client, "/admin/site/new/", {
        "customer": str(customer.id), "name": "Office", "country": "QQ"})

    assert 'Unknown country code "QQ": use the two-letter ISO code' in f.page_text(response)
    assert f.count(Site) == 0


def test_site_without_a_customer_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/site/new/", {"name": "Office"})

    assert "This field is required." in f.page_text(response)
    assert f.count(Site) == 0


def test_duplicate_supplier_accounting_id_is_refused(admin_client):
    f.supplier(name="Parts Ltd", accounting_id="2001")

    response = f.submit(admin_client, "/admin/supplier/new/", {"name": "Other",
                                                               "accounting_id": "2001"})

    assert "Another supplier already has supplier ID for accounting integration 2001." \
        in f.page_text(response)
    assert f.count(Supplier) == 1


def test_non_numeric_supplier_accounting_id_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/supplier/new/", {"name": "Parts",
                                                               "accounting_id": "S-1"})

    assert 'Supplier ID for accounting integration must be a number (digits only), not "S-1".' \
        in f.page_text(response)
    assert f.count(Supplier) == 0


def test_unknown_supplier_country_code_is_refused(admin_client):
    response = f.submit(admin_client, "/admin/supplier/new/", {"name": "Parts", "country": "ZZ"})

    assert 'Unknown country code "ZZ"' in f.page_text(response)
    assert f.count(Supplier) == 0


def test_supplier_edit_refused_keeps_the_stored_values(admin_client):
    f.supplier(name="Taken", accounting_id="3000")
    supplier = f.supplier(name="Parts", accounting_id="3001")

    response = f.submit(admin_client, f"/admin/supplier/edit/?id={supplier.id}", {
        "name": "Parts renamed", "accounting_id": "3000"})

    assert "Another supplier already has supplier ID for accounting integration 3000." \
        in f.page_text(response)
    db.session.expire_all()
    stored = db.session.get(Supplier, supplier.id)
    assert (stored.name, stored.accounting_id) == ("Parts", "3001")
