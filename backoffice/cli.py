"""Command-line operations of the back office.

- `flask --app app create-admin [--login admin] [--password ...] [--if-no-users]`: create an
  active user. Without --password a strong password is generated and printed once (it is
  stored only as a hash). An existing login is refused; with --if-no-users nothing happens
  when any user exists (used by `make run`).
- `flask --app app seed-demo`: create the demo records that are missing (backoffice/demo.py);
  running it again creates nothing.
"""
import secrets

import click
from flask.cli import with_appcontext

from backoffice.db import db
from backoffice.models import User
from backoffice.roles import ADMINISTRATOR, ROLE_LABELS

MIN_PASSWORD_LENGTH = 10
MAX_LOGIN_LENGTH = User.__table__.c.login.type.length


def init_app(app):
    from backoffice.crypto import rotate_encryption_key_command
    app.cli.add_command(create_admin_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(rotate_encryption_key_command)


def login_problem(login):
    """Why `login` cannot be used as a login, or None."""
    if not login:
        return "The login is empty."
    if len(login) > MAX_LOGIN_LENGTH:
        return f"The login is longer than {MAX_LOGIN_LENGTH} characters."
    if any(character.isspace() for character in login):
        return "The login may not contain spaces."
    return None


def any_user_exists():
    return db.session.execute(db.select(User.id).limit(1)).first() is not None


@click.command("create-admin")
@click.option("--login", default="admin", show_default=True, help="The login of the new user.")
@click.option("--password", default=None,
              help=f"At least {MIN_PASSWORD_LENGTH} characters. Default: generate one and "
                   "print it once.")
@click.option("--if-no-users", is_flag=True,
              help="Do nothing when a user exists already (for first-run scripts).")
@click.option("--role", type=click.Choice(list(ROLE_LABELS)), default=ADMINISTRATOR,
              show_default=True, help="administrator, finance or read_only (docs/security.md).")
@with_appcontext
def create_admin_command(login, password, if_no_users, role=ADMINISTRATOR):
    """Create an active back office user who can log in to the admin."""
    create_user(login, password, if_no_users, role)


@click.command("create-user")
@click.option("--login", required=True, help="The login of the new user.")
@click.option("--role", type=click.Choice(list(ROLE_LABELS)), required=True,
              help="administrator, finance or read_only (docs/security.md).")
@click.option("--password", default=None,
              help=f"At least {MIN_PASSWORD_LENGTH} characters. Default: generate one and "
                   "print it once.")
@with_appcontext
def create_user_command(login, role, password):
    """Create an active user with a role: administrator, finance or read_only."""
    create_user(login, password, False, role)


def create_user(login, password, if_no_users, role):
    if if_no_users and any_user_exists():
        click.echo("A user exists already; no admin user created.")
        return
    login = login.strip()
    problem = login_problem(login)
    if problem:
        raise click.BadParameter(problem, param_hint="--login")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"The password must have at least {MIN_PASSWORD_LENGTH} "
                                 "characters.", param_hint="--password")
    if db.session.execute(db.select(User).filter_by(login=login)).scalar_one_or_none():
        raise click.ClickException(
            f"A user with login {login!r} exists already; nothing was changed. Choose another "
            "login with --login.")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user = User(login=login, active=True, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    label = "admin user" if role == ADMINISTRATOR else f"{ROLE_LABELS[role].lower()} user"
    click.echo(f"Created the {label} {login!r}.")
    if generated:
        click.echo(f"Password: {password}")
        click.echo("It is shown only this once: write it down or change it after logging in.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create demo customers, products, tax rates, GL accounts and invoices (idempotent)."""
    from sqlalchemy.exc import SQLAlchemyError

    from backoffice.demo import seed_demo_data

    try:
        created = seed_demo_data()
    except SQLAlchemyError as error:
        db.session.rollback()
        raise click.ClickException(
            f"The demo data could not be saved, so nothing was created ({error.orig or error}). "
            "Is the database up to date? Run `flask --app app db upgrade` first.")
    if not created:
        click.echo("The demo data is complete already; nothing created.")
        return
    summary = ", ".join(f"{count} {name}" for name, count in sorted(created.items()))
    click.echo(f"Demo data created: {summary}.")
