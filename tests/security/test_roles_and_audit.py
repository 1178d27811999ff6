"""Issue 12: roles with per-screen access (administrator, finance, read-only); the audit log."""
import json

import pytest

from backoffice.audit import AuditEntry
from backoffice.db import db
from backoffice.models import Customer, User
from tests.conftest import TEST_PASSWORD, csrf_token_from


def make_user(login, role):
    user = User(login=login, active=True, role=role)
    user.set_password(TEST_PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def logged_in_as(app, auth, client):
    def log_in(role):
        make_user(role, role)
        assert auth.login(role).status_code == 302
        return client
    return log_in


def entries(model=None):
    query = db.select(AuditEntry).order_by(AuditEntry.id)
    if model:
        query = query.filter_by(model=model)
    return db.session.execute(query).scalars().all()


def test_finance_cannot_change_another_admins_password(logged_in_as, admin_user):
    finance = logged_in_as("finance")
    edit = f"/admin/user/edit/?id={admin_user.id}"

    page = finance.get(edit)
    token = csrf_token_from(finance.get("/admin/").get_data(as_text=True))
    attempt = finance.post(edit, data={"login": "admin", "password": "taken over!!",
                                       "role": "administrator", "active": "y",
                                       "csrf_token": token})

    assert page.status_code == 403 and attempt.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin_user.id).check_password(TEST_PASSWORD)


def test_finance_cannot_delete_users_or_touch_connections_or_settings(logged_in_as, admin_user):
    finance = logged_in_as("finance")
    token = csrf_token_from(finance.get("/admin/").get_data(as_text=True))

    answers = [
        finance.post("/admin/user/delete/", data={"id": admin_user.id, "csrf_token": token}),
        finance.post("/admin/integrations/exact/enable", data={"enabled": "1",
                                                               "csrf_token": token}),
        finance.get("/admin/integrations/"),
        finance.get("/admin/auditentry/"),
        finance.get("/admin/rq/"),
    ]

    assert [answer.status_code for answer in answers] == [403] * 5
    assert db.session.get(User, admin_user.id) is not None


def test_finance_works_with_records(logged_in_as):
    finance = logged_in_as("finance")
    token = csrf_token_from(finance.get("/admin/customer/new/").get_data(as_text=True))

    answer = finance.post("/admin/customer/new/", data={"name": "Acme", "csrf_token": token})

    assert answer.status_code == 302
    assert db.session.execute(db.select(Customer).filter_by(name="Acme")).scalar_one()


def test_read_only_sees_records_but_changes_nothing(logged_in_as):
    customer = Customer(name="Acme")
    db.session.add(customer)
    db.session.commit()
    reader = logged_in_as("read_only")
    token = csrf_token_from(reader.get("/admin/").get_data(as_text=True))

    listing = reader.get("/admin/customer/")
    edit = reader.post(f"/admin/customer/edit/?id={customer.id}",
                       data={"name": "Changed", "csrf_token": token})
    delete = reader.post("/admin/customer/delete/", data={"id": customer.id, "csrf_token": token})

    assert listing.status_code == 200 and "Acme" in listing.get_data(as_text=True)
    assert 'href="/admin/customer/new/' not in listing.get_data(as_text=True)
    assert edit.status_code == 403 and delete.status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Acme"


def test_the_menu_shows_each_role_only_its_screens(logged_in_as):
    reader = logged_in_as("read_only")

    menu = reader.get("/admin/").get_data(as_text=True)

    assert "/admin/customer/" in menu
    assert "/admin/user/" not in menu and "/admin/auditentry/" not in menu


@pytest.mark.parametrize("role", ["administrator", "finance", "read_only"])
def test_the_cli_creates_a_user_of_each_role(runner, role):
    result = runner.invoke(args=["create-user", "--login", f"new-{role}", "--role", role,
                                 "--password", "long enough password"])

    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).filter_by(login=f"new-{role}")).scalar_one()
    assert user.role == role and user.check_password("long enough password")


def test_a_user_change_is_logged_with_who_when_and_before_after(admin_client):
    clerk = make_user("clerk", "read_only")
    edit = f"/admin/user/edit/?id={clerk.id}"
    token = csrf_token_from(admin_client.get(edit).get_data(as_text=True))

    admin_client.post(edit, data={"login": "clerk", "role": "finance", "password": "",
                                  "active": "y", "csrf_token": token})

    last = entries("User")[-1]
    assert (last.actor, last.action, last.record_id) == ("admin", "update", str(clerk.id))
    assert json.loads(last.changes) == {"role": ["read_only", "finance"]}
    assert last.created_at is not None


def test_a_password_change_is_logged_without_the_hash(admin_client):
    clerk = make_user("clerk", "read_only")
    edit = f"/admin/user/edit/?id={clerk.id}"
    token = csrf_token_from(admin_client.get(edit).get_data(as_text=True))

    admin_client.post(edit, data={"login": "clerk", "role": "read_only",
                                  "password": "a brand new password", "active": "y",
                                  "csrf_token": token})

    last = entries("User")[-1]
    assert json.loads(last.changes) == {"password_hash": ["(changed)", "(changed)"]}


def test_company_and_settings_changes_are_logged_without_secrets(app, admin_client, sandbox):
    from exact_plugin.connection import set_enabled
    from exact_plugin.models import ExactConnection
    app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
    token = csrf_token_from(admin_client.get("/admin/integrations/").get_data(as_text=True))
    admin_client.post("/admin/integrations/exact/enable", data={"enabled": "1",
                                                               "csrf_token": token})
    set_enabled(True)
    token = csrf_token_from(admin_client.get("/admin/exact/companies/new/").get_data(as_text=True))
    admin_client.post("/admin/exact/companies/new/", data={
        "name": "Acme NL", "client_id": sandbox.client_id,
        "new_client_secret": sandbox.client_secret, "location": "sandbox",
        "custom_base_url": "", "default_invoice_status": "20", "csrf_token": token})

    company_entry = entries("Exact company")[-1]
    settings_entry = entries("Exact settings")[0]
    company = db.session.execute(db.select(ExactConnection)).scalar_one()
    assert company_entry.action == "create" and company_entry.actor == "admin"
    assert json.loads(company_entry.changes)["client_secret"] == [None, "(changed)"]
    assert sandbox.client_secret not in company_entry.changes
    assert company_entry.record_id == str(company.id)
    assert settings_entry.actor == "admin"


def test_administrators_read_the_audit_log(admin_client):
    make_user("clerk", "finance")

    page = admin_client.get("/admin/auditentry/").get_data(as_text=True)

    assert "clerk" in page and "create" in page
    assert admin_client.get("/admin/auditentry/new/").status_code == 302   # nobody writes it


def test_finance_cannot_disconnect_or_reconnect_an_exact_company(app, client, auth,
                                                                 connected_company):
    make_user("finance", "finance")
    auth.login("finance")
    token = csrf_token_from(client.get("/admin/customer/").get_data(as_text=True))
    company_url = f"/admin/exact/companies/{connected_company.id}"

    disconnect = client.post(f"{company_url}/disconnect", data={"csrf_token": token})
    connect = client.post(f"{company_url}/connect", data={"csrf_token": token})
    callback = client.get("/authcallback", query_string={"code": "x", "state": "y"})

    assert [disconnect.status_code, connect.status_code, callback.status_code] == [403] * 3
    db.session.expire_all()
    assert connected_company.is_connected
