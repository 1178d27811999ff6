"""Every admin form carries a CSRF token, and a POST without it is refused without writing."""
import re

import pytest

from admin_views.backoffice_views import SCREENS
from backoffice.db import db
from backoffice.models import Customer, Product, Site, TopLevel
from tests import factories as f

# Tokens do not depend on the database: one backend is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.I | re.S)


def one_of_each():
    """One record per host screen, so every edit and details page can be opened."""
    customer = f.customer(name="Acme", sites=[f.site("Office")])
    f.supplier()
    f.top_level()
    f.product_group()
    f.gl_account()
    f.product(tax_rate=f.tax_rate())
    f.invoice(customer_record=customer, lines=[f.invoice_line()])
    return customer


def admin_pages(admin):
    """The list, create, edit and details pages of every host screen."""
    host_models = {model for model, *_ in SCREENS}
    for view in admin._views:
        if getattr(view, "model", None) not in host_models:
            continue
        first = db.session.execute(db.select(view.model).limit(1)).scalar_one()
        yield f"/admin/{view.endpoint}/"
        if view._can_create:   # the audit log is read-only for everyone
            yield f"/admin/{view.endpoint}/new/"
        if view._can_edit:
            yield f"/admin/{view.endpoint}/edit/?id={first.id}"
        yield f"/admin/{view.endpoint}/details/?id={first.id}"


def test_every_post_form_on_the_admin_pages_carries_a_csrf_token(admin_client, app):
    one_of_each()
    checked = 0
    for url in ["/admin/", *admin_pages(app.extensions["backoffice_admin"])]:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        for form in POST_FORM.findall(f.page_text(page)):
            assert 'name="csrf_token"' in form, f"a POST form without CSRF token on {url}"
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("url", ["/admin/customer/new/", "/admin/toplevel/new/"])
def test_create_without_csrf_token_is_refused_and_writes_nothing(admin_client, url):
    response = admin_client.post(url, data={"name": "Sneaky"})

    assert response.status_code == 400
    assert f.count(Customer) == 0 and f.count(TopLevel) == 0


def test_edit_without_csrf_token_is_refused_and_changes_nothing(admin_client):
    customer = f.customer(name="Acme")

    response = admin_client.post(f"/admin/customer/edit/?id={customer.id}",
                                 data={"name": "Changed"})

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Acme"


def test_delete_without_csrf_token_is_refused(admin_client):
    customer = f.customer(name="Acme", sites=[f.site("Office")])

    response = admin_client.post("/admin/customer/delete/", data={"id": str(customer.id)})

    assert response.status_code == 400
    assert f.count(Customer) == 1 and f.count(Site) == 1


def test_bulk_action_without_csrf_token_is_refused(admin_client):
    product = f.product(name="Support")

    response = admin_client.post("/admin/product/action/",
                                 data={"action": "delete", "rowid": str(product.id)})

    assert response.status_code == 400
    assert f.count(Product) == 1


def test_bulk_delete_with_the_token_of_the_list_page_works(admin_client):
    product = f.product(name="Support")
    token = f.csrf_token_from(admin_client.get("/admin/product/").get_data(as_text=True))

    admin_client.post("/admin/product/action/", data={"csrf_token": token, "action": "delete",
                                                      "rowid": str(product.id)})

    assert f.count(Product) == 0


def test_logout_without_csrf_token_is_refused(admin_client):
    response = admin_client.post("/logout")

    assert response.status_code == 400
    assert admin_client.get("/admin/").status_code == 200


def test_logout_button_posts_with_a_token_and_logs_out(admin_client):
    page = f.page_text(admin_client.get("/admin/"))
    logout_form = next(form for form in POST_FORM.findall(page) if "Log out" in form)
    token = re.search(r'name="csrf_token" value="([^"]+)"', logout_form).group(1)

    admin_client.post("/logout", data={"csrf_token": token})

    assert admin_client.get("/admin/").status_code == 302

