"""Issue 12: a lost or changed ENCRYPTION_KEY never takes a page down; keys rotate."""
import sqlalchemy as sa
from cryptography.fernet import Fernet

from backoffice.db import db
from exact_plugin.models import ExactConnection
from tests.conftest import csrf_token_from

COMPANIES = "/admin/exact/companies/"
KEY_CHANGED = "needs reconnect: the encryption key changed"


def change_key(app, new_setting):
    app.config["ENCRYPTION_KEY"] = new_setting
    db.session.expire_all()


def raw_secrets():
    return db.session.execute(sa.text(
        "SELECT client_secret, access_token, refresh_token FROM exact_connection")).one()


def test_pages_still_answer_after_the_key_changed_and_say_to_reconnect(
        app, admin_client, connected_company):
    change_key(app, Fernet.generate_key().decode())

    home = admin_client.get("/admin/")
    listing = admin_client.get(COMPANIES)
    company_page = admin_client.get(f"{COMPANIES}edit/?id={connected_company.id}")

    assert [home.status_code, listing.status_code, company_page.status_code] == [200, 200, 200]
    assert KEY_CHANGED in home.get_data(as_text=True).lower()      # the banner on every page
    assert "Needs reconnect" in listing.get_data(as_text=True)
    assert KEY_CHANGED in company_page.get_data(as_text=True).lower()


def test_a_malformed_key_is_no_500_either(app, admin_client, connected_company):
    change_key(app, "not-a-fernet-key")

    assert admin_client.get(COMPANIES).status_code == 200
    assert admin_client.get(f"{COMPANIES}edit/?id={connected_company.id}").status_code == 200


def test_a_job_on_a_company_with_unreadable_tokens_records_needs_reconnect(
        app, connected_company):
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import NeedsReconnect
    change_key(app, Fernet.generate_key().decode())

    try:
        ExactClient.for_connection(connected_company.id, context="test")
        raise AssertionError("the client was built without readable tokens")
    except NeedsReconnect as error:
        assert KEY_CHANGED in error.message.lower()
    stored_state = db.session.execute(sa.text("SELECT state FROM exact_connection")).scalar()
    assert stored_state == "needs_reconnect"


def test_saving_the_company_keeps_the_unreadable_cipher_text_unchanged(
        app, admin_client, connected_company):
    before = raw_secrets()
    change_key(app, Fernet.generate_key().decode())
    company = db.session.get(ExactConnection, connected_company.id)
    company.name = "Renamed"
    db.session.commit()

    assert raw_secrets() == before


def test_a_company_whose_key_changed_is_reconnected_from_the_ui(
        app, admin_client, sandbox, connected_company):
    from tests.fixtures.exact import authorize_in_sandbox
    change_key(app, Fernet.generate_key().decode())
    edit_url = f"{COMPANIES}edit/?id={connected_company.id}"
    form = {"name": "Sandbox company", "client_id": sandbox.client_id,
            "new_client_secret": sandbox.client_secret, "location": "sandbox",
            "custom_base_url": "", "default_invoice_status": "20", "sync_customers": "y",
            "csrf_token": csrf_token_from(admin_client.get(edit_url).get_data(as_text=True))}

    saved = admin_client.post(edit_url, data=form)
    answer = authorize_in_sandbox(app, sandbox, db.session.get(ExactConnection,
                                                               connected_company.id),
                                  browser=admin_client)

    assert saved.status_code == 302 and answer.status_code == 302
    db.session.expire_all()
    company = db.session.get(ExactConnection, connected_company.id)
    assert company.is_connected and not company.secrets_unreadable
    assert KEY_CHANGED not in admin_client.get("/admin/").get_data(as_text=True).lower()


def test_rotation_re_encrypts_every_secret_with_the_new_key(app, runner, connected_company):
    old_key = app.config["ENCRYPTION_KEY"]
    new_key = Fernet.generate_key().decode()
    change_key(app, f"{new_key},{old_key}")

    result = runner.invoke(args=["rotate-encryption-key"])

    assert result.exit_code == 0, result.output
    assert "Re-encrypted 3 secret(s)" in result.output
    logged = db.session.execute(sa.text(
        "SELECT actor, action FROM audit_log WHERE model = 'Encryption key'")).one()
    assert tuple(logged) == ("cli", "rotate-key")
    new_only = Fernet(new_key.encode())
    assert all(new_only.decrypt(value.encode()) for value in raw_secrets())
    change_key(app, new_key)                     # the old key can go now
    company = db.session.get(ExactConnection, connected_company.id)
    assert company.is_connected and not company.secrets_unreadable


def test_the_key_can_live_in_a_file_outside_the_instance_folder(tmp_path, monkeypatch):
    from backoffice.settings import load_settings
    key = Fernet.generate_key().decode()
    key_file = tmp_path / "secrets" / "encryption_key"
    key_file.parent.mkdir()
    key_file.write_text(key + "\n")
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("ENCRYPTION_KEY_FILE", str(key_file))

    settings = load_settings(str(tmp_path / "instance"))

    assert settings["ENCRYPTION_KEY"] == key
    assert not (tmp_path / "instance" / "encryption_key").exists()
