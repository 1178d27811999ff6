"""`flask --app app exact import ENTITY --company ID [--all]`: an import from the command line."""
import sys

import click

from backoffice.db import db
from exact_plugin.cli import exact_cli
from exact_plugin import entities
from exact_plugin.entities import entity
from exact_plugin.importing.models import DONE, FAILED, StagedRecord
from exact_plugin.models import ExactConnection

SHOWN_FAILURES = 20


class ImportableEntity(click.Choice):
    """The names of the importable entities, read from the registry when the command runs."""

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        return tuple(spec.name for spec in entities.importable())

    @choices.setter
    def choices(self, _value):
        pass


def register():
    if "import" not in exact_cli.commands:
        exact_cli.add_command(import_command)


@click.command("import")
@click.argument("entity_name", metavar="ENTITY", type=ImportableEntity())
@click.option("--company", "company_id", type=int, required=True,
              help="Id of the Exact Online company (as listed under Exact Online companies).")
@click.option("--all", "full", is_flag=True,
              help="Read every record again, not only what changed since the last import.")
def import_command(entity_name, company_id, full):
    """Import ENTITY from an Exact Online company, printing progress."""
    from exact_plugin.importing.runs import ImportRefused, import_now
    connection = db.session.get(ExactConnection, company_id)
    if connection is None:
        raise click.UsageError(f"There is no Exact Online company with id {company_id}. "
                               "`flask --app app exact companies` lists them.")
    click.echo(f"Importing {entity(entity_name).plural} from {connection}...")
    try:
        run = import_now(company_id, entity_name, full=full, echo=click.echo)
    except ImportRefused as refused:
        # Another run, or an admin's open preview, holds this entity (checked in the database).
        click.echo(f"Not started: {refused.message}", err=True)
        sys.exit(1)
    if run.state != DONE:
        click.echo(f"Stopped: {run.message}", err=True)
        sys.exit(1)
    click.echo(f"Done: {run.message}")
    for note in run.note_list:
        click.echo(note)
    _echo_failures(run)


def _echo_failures(run):
    failures = db.session.execute(db.select(StagedRecord).filter_by(
        last_run_id=run.id, status=FAILED).order_by(StagedRecord.id)
        .limit(SHOWN_FAILURES)).scalars().all()
    for row in failures:
        click.echo(f"  failed: {row.code or ''} {row.name or row.exact_id}: {row.error}")
    if run.failed > len(failures):
        click.echo(f"  ... and {run.failed - len(failures)} more (see the import result page).")
