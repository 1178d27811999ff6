"""Access and refresh tokens: renewed between 570 and 600 s, never earlier; a lost
authorisation flips the company to "needs reconnect" with a banner; the keep-alive."""
import pytest

from backoffice.db import db
from exact_plugin import connection as exact
from exact_plugin.client import ExactClient
from exact_plugin.errors import ExactTransientError, NeedsReconnect
from exact_plugin.models import Binding
from exact_plugin.tokens import load_tokens
from tests.fixtures.exact import authorize_in_sandbox

DAY = 86400


def token_calls(sandbox):
    return sandbox.stats()["token_calls"]


def reload(company):
    db.session.expire_all()
    return db.session.get(type(company), company.id)


def test_token_is_not_renewed_before_570_seconds(connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    sandbox.reset_stats()
    for step in (100, 460, 9):   # ages 100, 560 and 569 s
        clocks.advance(step)
        client.me()
    assert token_calls(sandbox) == {}
    assert load_tokens(connected_company.id).access_token == client.tokens.access_token


@pytest.mark.parametrize("age", [571, 599])
def test_token_is_renewed_once_between_570_and_600_seconds(connected_company, sandbox, clocks,
                                                           age):
    client = ExactClient.for_connection(connected_company)
    before = load_tokens(connected_company.id)
    sandbox.reset_stats()
    clocks.advance(age)
    client.me()
    client.me()
    after = load_tokens(connected_company.id)
    assert token_calls(sandbox) == {"200": 1}
    assert after.refresh_token != before.refresh_token
    assert after.access_token == client.tokens.access_token


def test_expired_token_is_renewed_and_the_call_succeeds(connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    clocks.advance(900)
    assert client.me()["CurrentDivision"] in sandbox.divisions
    assert token_calls(sandbox) == {"200": 2}  # the code exchange, then one renewal


def test_a_second_client_uses_the_pair_another_process_renewed(connected_company, sandbox,
                                                                clocks):
    first = ExactClient.for_connection(connected_company)
    second = ExactClient.for_connection(connected_company)
    sandbox.reset_stats()
    clocks.advance(580)
    first.me()
    second.me()
    assert token_calls(sandbox) == {"200": 1}
    assert second.tokens.access_token == first.tokens.access_token


def test_a_401_renews_the_token_once_and_retries(connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    clocks.advance(575)
    # Exact refuses the current access token although our clock says it is still valid.
    sandbox.revoke(client.tokens.access_token)
    client.tokens.expires_at += 3600
    client.tokens.obtained_at += 3600
    sandbox.reset_stats()
    assert client.me()
    assert token_calls(sandbox) == {"200": 1}


def test_a_401_before_570_seconds_says_to_try_again_and_keeps_the_company_connected(
        connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    sandbox.revoke(client.tokens.access_token)
    clocks.advance(60)
    with pytest.raises(ExactTransientError) as raised:
        client.me()
    assert "570 seconds" in raised.value.message
    assert reload(connected_company).state == "connected"


def test_revoked_authorisation_flips_the_company_to_needs_reconnect(
        connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    stored = load_tokens(connected_company.id)
    sandbox.revoke(stored.refresh_token)
    sandbox.revoke(stored.access_token)
    clocks.advance(580)
    with pytest.raises(NeedsReconnect) as raised:
        client.me()
    company = reload(connected_company)
    assert company.state == "needs_reconnect"
    assert "Reconnect" in company.state_reason
    assert raised.value.message == company.state_reason


def test_needs_reconnect_shows_a_red_banner_naming_the_company_on_every_admin_page(
        connected_company, sandbox, clocks, admin_client):
    stored = load_tokens(connected_company.id)
    sandbox.revoke(stored.refresh_token)
    clocks.advance(700)
    with pytest.raises(NeedsReconnect):
        ExactClient.for_connection(connected_company).me()
    for url in ("/admin/", "/admin/customer/", "/admin/exact/outbound/"):
        page = admin_client.get(url).get_data(as_text=True)
        assert "admin-banner" in page and "alert-danger" in page, url
        assert "Sandbox company" in page and "needs to be reconnected" in page, url
        assert f"/admin/exact/companies/edit/?id={connected_company.id}" in page, url


def test_old_refresh_token_used_elsewhere_needs_reconnect_with_an_explanation(
        connected_company, sandbox, clocks):
    client = ExactClient.for_connection(connected_company)
    clocks.advance(580)
    # Another copy of the back office with the same app renews the token first.
    assert sandbox.refresh(load_tokens(connected_company.id).refresh_token).status_code == 200
    with pytest.raises(NeedsReconnect) as raised:
        client.me()
    assert "Old refresh token used" in raised.value.message
    assert reload(connected_company).state == "needs_reconnect"


def test_refresh_token_unused_for_30_days_needs_reconnect(connected_company, sandbox, clocks):
    clocks.advance(31 * DAY)
    with pytest.raises(NeedsReconnect) as raised:
        ExactClient.for_connection(connected_company).me()
    assert "30 days" in raised.value.message


def test_daily_keep_alive_keeps_a_quiet_company_connected_past_30_days(
        connected_company, sandbox, clocks):
    for _day in range(35):
        clocks.advance(DAY)
        assert exact.keep_alive_all() == {connected_company.id: "ok"}
    assert ExactClient.for_connection(connected_company).me()
    assert reload(connected_company).state == "connected"


def test_keep_alive_does_nothing_while_the_module_is_disabled(connected_company, sandbox,
                                                               clocks):
    exact.set_enabled(False)
    sandbox.reset_stats()
    clocks.advance(DAY)
    assert exact.keep_alive_all() == {}
    assert token_calls(sandbox) == {}


def test_disconnect_and_reconnect_keep_the_division_and_the_mappings(
        app, connected_company, sandbox):
    binding = Binding(connection_id=connected_company.id, host_model="Customer", host_id=7,
                      exact_id="00000000-0000-0000-0000-000000000007", exact_code="7")
    db.session.add(binding)
    db.session.commit()
    exact.disconnect(connected_company)
    company = reload(connected_company)
    assert (company.state, company.access_token, company.refresh_token) == \
        ("disconnected", None, None)
    authorize_in_sandbox(app, sandbox, company)
    company = reload(company)
    assert company.state == "connected" and company.division == sandbox.divisions[0]
    assert db.session.execute(db.select(Binding)).scalars().one().exact_code == "7"
    assert ExactClient.for_connection(company).me()


def test_the_database_holds_no_client_secret_or_token_in_plain_text(
        app, connected_company, sandbox, clocks):
    ExactClient.for_connection(connected_company).find_one(
        "crm/Accounts", "Status eq 'C'", ["ID"])
    clocks.advance(580)
    ExactClient.for_connection(connected_company).me()
    stored = load_tokens(connected_company.id)
    secrets = [sandbox.client_secret, stored.access_token, stored.refresh_token]
    dump = database_text(app)
    for secret in secrets:
        assert secret and secret not in dump
    # The stored values do decrypt to the real ones (they are there, just not readable).
    assert stored.access_token.startswith("AAEAA")


def database_text(app):
    """Every value of every table, as text (for SQLite also the raw database file)."""
    import sqlalchemy as sa
    chunks = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.text(f'SELECT * FROM "{table.name}"')):
                chunks.extend(str(value) for value in row)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        for suffix in ("", "-wal"):
            try:
                with open(url[len("sqlite:///"):] + suffix, "rb") as raw:
                    chunks.append(raw.read().decode("latin-1"))
            except FileNotFoundError:
                pass
    return "\n".join(chunks)


def test_the_keep_alive_is_a_daily_periodic_job(app):
    from jobs.schedule import periodic_jobs
    (job,) = [job for job in periodic_jobs(app) if job.id == exact.KEEP_ALIVE_JOB_ID]
    assert job.func is exact.keep_alive_all and job.cron == "17 3 * * *"
