"""Connecting Exact Online companies: the module switch, the companies, their health.

Public API for the rest of the plugin:
- `is_enabled()`: the module switch (Configuration > Integrations); while it is off no Exact
  menu, job or hook does anything.
- `get_connection(id)`, `default_connection()`, `connected_connections()`.
- `choose_division(connection, code)`, `disconnect(connection)`, `calls_left(connection)`,
  `keep_alive(connection_id)`.

`init_app(app)` registers the settings' defaults, the OAuth blueprint (/authcallback), the
needs-reconnect banner, the admin screens, the daily keep-alive job and the CLI commands.
"""
import click
from sqlalchemy.exc import IntegrityError
from flask import url_for
from markupsafe import Markup, escape

from backoffice import hooks
from backoffice.db import db
from exact_plugin import oauth, tokens
from exact_plugin.cli import exact_cli
from exact_plugin.errors import ExactError, NotConnected
from exact_plugin.models import (STATE_CONNECTED, STATE_DISCONNECTED, STATE_NEEDS_RECONNECT,
                                 ExactConnection, IntegrationSettings, OutboundRequest)
from exact_plugin.ratelimit import RateBudget

KEEP_ALIVE_JOB_ID = "exact-token-keep-alive"


def init_app(app):
    oauth.quiet_secret_logging()
    app.register_blueprint(oauth.create_blueprint())
    hooks.register_banner_source(app, needs_reconnect_banners)
    from exact_plugin.admin.companies import add_views
    hooks.register_admin_setup(app, add_views)
    from jobs import register_periodic_job
    # Daily, at a quiet hour (UTC).
    register_periodic_job(app, KEEP_ALIVE_JOB_ID, keep_alive_all, cron="17 3 * * *")


# -- public API --------------------------------------------------------------------------------

def is_enabled():
    settings = db.session.get(IntegrationSettings, 1)
    return bool(settings and settings.enabled)


def set_enabled(enabled):
    IntegrationSettings.get().enabled = bool(enabled)
    db.session.commit()


def get_connection(connection_id):
    connection = db.session.get(ExactConnection, int(connection_id)) if connection_id else None
    if connection is None:
        raise NotConnected(f"Exact Online company {connection_id} does not exist (any more); "
                           "choose another one under Exact Online > Exact Online companies.")
    return connection


def default_connection():
    """The integration-wide default Exact company ("tenant") for new customers, products and
    suppliers, or None."""
    settings = db.session.get(IntegrationSettings, 1)
    return settings.default_connection if settings else None


def connected_connections():
    """Companies that are connected and have their Exact company (division) chosen."""
    return list(db.session.execute(
        db.select(ExactConnection)
        .where(ExactConnection.state == STATE_CONNECTED, ExactConnection.division.is_not(None))
        .order_by(ExactConnection.name)).scalars())


def choose_division(connection, code, description=None):
    """Point the company at one Exact division; refused when another company already has it."""
    code = int(code)
    other = db.session.execute(db.select(ExactConnection).where(
        ExactConnection.division == code, ExactConnection.id != connection.id)).scalar_one_or_none()
    if other is not None:
        raise ExactError(f"Exact company {code} is already connected as \"{other.name}\": one "
                         "connection per Exact company. Choose another company here, or use "
                         f"\"{other.name}\".")
    connection.division = code
    connection.division_name = description
    try:
        db.session.commit()
    except IntegrityError:  # another admin took it a moment ago
        db.session.rollback()
        raise ExactError(f"Exact company {code} was just connected by another company entry: "
                         "one connection per Exact company. Choose another company.")


def disconnect(connection):
    """Forget the tokens; the chosen division and every mapping (binding) are kept."""
    tokens.forget_tokens(connection.id, STATE_DISCONNECTED,
                         "Disconnected by an admin. Click Connect Now to connect again.")
    db.session.expire(connection)


def calls_left(connection):
    """Calls left this minute and today for the company's division, as last reported by Exact
    (None when not known yet)."""
    empty = {"minutely_remaining": None, "daily_remaining": None, "minutely_limit": None,
             "daily_limit": None, "minutely_reset_at": None, "daily_reset_at": None}
    if not connection.division or not connection.base_url:
        return empty
    figures = RateBudget(connection.base_url, connection.client_id, connection.division).snapshot()
    if figures["daily_remaining"] is None:
        # Another process (e.g. the CLI without Redis) knows only what the log says.
        last = db.session.execute(
            db.select(OutboundRequest).where(OutboundRequest.connection_id == connection.id,
                                             OutboundRequest.daily_remaining.is_not(None))
            .order_by(OutboundRequest.id.desc()).limit(1)).scalar_one_or_none()
        if last is not None:
            figures.update(daily_remaining=last.daily_remaining,
                           minutely_remaining=last.minutely_remaining)
    return figures


def keep_alive(connection_id):
    """Renew the company's tokens when due, so a quiet company's refresh token (30 days, §1.4)
    never dies. Returns the stored tokens."""
    return tokens.refresh_tokens(connection_id, context="daily keep-alive")


def keep_alive_all():
    """The daily job: renew every connected company's tokens; a failure is on the company."""
    if not is_enabled():
        return {}
    outcome = {}
    ids = db.session.execute(db.select(ExactConnection.id).where(
        ExactConnection.state == STATE_CONNECTED)).scalars().all()
    for connection_id in ids:
        try:
            keep_alive(connection_id)
            outcome[connection_id] = "ok"
        except ExactError as error:
            outcome[connection_id] = error.message
    return outcome


# -- health banner -------------------------------------------------------------------------------

def needs_reconnect_banners():
    """A red banner on every admin page for each company that must be reconnected."""
    if not is_enabled():
        return []
    flagged = db.session.execute(db.select(ExactConnection).where(
        ExactConnection.state == STATE_NEEDS_RECONNECT)).scalars().all()
    # A company whose secrets the current key cannot decrypt needs a reconnect too, whatever
    # its stored state says (the check happens in Python, when the row is read).
    key_changed = [company for company in db.session.execute(db.select(ExactConnection))
                   .scalars() if company.secrets_unreadable]
    companies = sorted({company.id: company for company in [*flagged, *key_changed]}.values(),
                       key=lambda company: company.name)
    return [("error", Markup(
        '<strong>Exact Online company "{name}" needs to be reconnected.</strong> {reason} '
        '<a class="alert-link" href="{url}">Reconnect {name}</a>').format(
            name=escape(company.name), reason=escape(company.state_reason or ""),
            url=url_for(f"{oauth.COMPANY_VIEW}.edit_view", id=company.id)))
        for company in companies]


# -- CLI ---------------------------------------------------------------------------------------

@exact_cli.command("companies")
def companies_command():
    """List the Exact Online companies: id, name, division, state, calls left."""
    rows = db.session.execute(db.select(ExactConnection).order_by(ExactConnection.id)).scalars()
    click.echo(f"{'ID':>4}  {'NAME':<30} {'DIVISION':>9}  {'STATE':<16} CALLS LEFT (MINUTE/DAY)")
    for connection in rows:
        left = calls_left(connection)
        click.echo(f"{connection.id:>4}  {connection.name[:30]:<30} "
                   f"{connection.division or '-':>9}  {connection.state:<16} "
                   f"{_figure(left['minutely_remaining'])}/{_figure(left['daily_remaining'])}")


def _figure(value):
    return "?" if value is None else str(value)


@exact_cli.command("check")
@click.option("--company", "company_id", required=True, type=int, help="Exact Online company id.")
def check_command(company_id):
    """Call current/Me for a company and print the Exact user and division."""
    from exact_plugin.client import ExactClient
    try:
        me = ExactClient.for_connection(company_id, context="exact check").me()
    except ExactError as error:
        raise click.ClickException(error.message)
    connection = get_connection(company_id)
    click.echo(f"Company:   {connection.name} (id {connection.id})")
    click.echo(f"User:      {me.get('FullName') or me.get('UserName')} ({me.get('Email') or '-'})")
    click.echo(f"Division:  {connection.division or 'not chosen'}"
               f" (Exact's current division for this user: {me.get('CurrentDivision')})")
