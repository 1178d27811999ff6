"""The models' rules: the database is the last line, and its refusals read like the checks."""
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from admin_views import base
from backoffice.db import db
from backoffice.models import (Customer, InvalidValue, Invoice, InvoiceLine, Product, Site,
                               TaxRate, integrity_error_field)
from tests import factories as f


def database_refusal(statement, rows):
    with pytest.raises(IntegrityError) as refused:
        db.session.execute(statement, rows)
        db.session.flush()
    db.session.rollback()
    return integrity_error_field(str(refused.value.orig))


def test_database_refusal_of_a_duplicate_accounting_id_names_the_field(app):
    f.customer(name="First", accounting_id="1001")

    refusal = database_refusal(sa.insert(Customer.__table__),
                               [{"name": "Second", "accounting_id": "1001"}])

    assert refusal == ("accounting_id",
                       "Another customer already has customer ID for accounting integration.")


def test_database_refusal_of_a_second_main_site_names_the_main_site_field(app):
    customer = f.customer(name="Acme", sites=[f.site("Office", is_main=True)])

    refusal = database_refusal(sa.insert(Site.__table__),
                               [{"customer_id": customer.id, "name": "Depot", "is_main": True}])

    assert refusal[0] == "is_main"
    assert "already has a main site" in refusal[1]


def test_database_refusal_of_a_negative_price_names_the_price_field(app):
    refusal = database_refusal(sa.insert(Product.__table__),
                               [{"name": "Refund", "price": -1, "cost": 0}])

    assert refusal == ("price", "Price cannot be negative.")


def test_database_refusal_of_a_tax_rate_out_of_range_names_the_rate_field(app):
    refusal = database_refusal(sa.insert(TaxRate.__table__), [{"name": "Wrong", "rate": 150}])

    assert refusal == ("rate", "A tax rate is a percentage between 0 and 100.")


def test_when_only_the_database_catches_a_duplicate_the_form_shows_it_and_nothing_is_written(
        admin_client, monkeypatch):
    # Two admins saving at the same moment: both pass the check, the database refuses one.
    f.customer(name="First", accounting_id="1001")
    monkeypatch.setattr(base, "record_errors", lambda record: {})

    response = f.submit(admin_client, "/admin/customer/new/", {"name": "Second",
                                                               "accounting_id": "1001"})

    assert response.status_code == 200
    assert "Another customer already has customer ID for accounting integration." \
        in f.page_text(response)
    assert f.count(Customer) == 1


def test_models_refuse_bad_values_whoever_writes_them(app):
    with pytest.raises(InvalidValue, match="cannot be negative"):
        InvoiceLine(quantity=Decimal("-1"))
    with pytest.raises(InvalidValue, match="Unknown country code"):
        Site(name="Office", country="Holland")
    with pytest.raises(InvalidValue, match="must be a number"):
        Customer(name="Acme", accounting_id="12a")


def test_deleting_a_customer_with_invoices_is_refused_with_a_message(admin_client):
    invoice = f.invoice(number="INV-000001")
    token = f.csrf_token_from(admin_client.get("/admin/customer/").get_data(as_text=True))

    response = admin_client.post("/admin/customer/delete/", data={
        "csrf_token": token, "id": str(invoice.customer_id)}, follow_redirects=True)

    assert "other records depend on it" in f.page_text(response)
    assert f.count(Invoice) == 1 and f.count(Customer) == 1
