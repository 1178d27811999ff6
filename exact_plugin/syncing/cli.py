"""`flask --app app exact push-pending [--company ID]`: drain the outbox from the command line."""
import click

from exact_plugin.cli import exact_cli


@exact_cli.command("push-pending")
@click.option("--company", "company_id", type=int, default=None,
              help="Only records of this Exact Online company (connection ID).")
def push_pending(company_id):
    """Send every waiting customer, supplier, product and invoice change to Exact now."""
    from backoffice.db import db
    from exact_plugin.models import ExactConnection
    from exact_plugin.syncing import jobs

    if company_id is not None and db.session.get(ExactConnection, company_id) is None:
        raise click.BadParameter(f"there is no Exact Online company with ID {company_id}; "
                                 f"`flask --app app exact companies` lists them.",
                                 param_hint="--company")
    from exact_plugin.connection import is_enabled
    if not is_enabled():
        raise click.ClickException(
            "the Exact Online module is disabled (Configuration > Integrations), so nothing is "
            "sent; the changes wait in the outbox and are sent when it is enabled again.")
    company = db.session.get(ExactConnection, company_id) if company_id is not None else None
    if company is not None and company.sync_paused:
        raise click.ClickException(
            f"the sync of {company.name!r} is paused, so nothing is sent; its changes wait "
            f"and are sent when it is resumed (Exact Online companies > {company.name}).")
    pushed, waiting = jobs.drain(company_id=company_id)
    click.echo(f"Pushed {pushed} record(s) to Exact Online; {waiting} change(s) still waiting "
               f"(retries not yet due or failures: see the sync badges and the Exact sync page).")


def init_app(app):
    """The command is registered on the shared `exact` group when this module is imported."""
