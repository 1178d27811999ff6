"""The back office commands: create-admin and seed-demo."""
import re

import pytest

from backoffice.db import db
from backoffice.models import (Customer, GLAccount, Invoice, InvoiceLine, Product, ProductGroup,
                               Site, TaxRate, TopLevel, User)
from backoffice.cli import login_problem
from tests.factories import count


def users():
    return db.session.execute(db.select(User)).scalars().all()


def test_create_admin_prints_a_generated_password_once_and_it_logs_in(runner, auth):
    result = runner.invoke(args=["create-admin"])

    assert result.exit_code == 0, result.output
    [password] = re.findall(r"Password: (\S+)", result.output)
    assert result.output.count(password) == 1
    assert len(password) >= 12
    assert auth.login("admin", password).status_code == 302


def test_create_admin_with_a_given_password_does_not_print_it(runner):
    result = runner.invoke(args=["create-admin", "--login", "marieke",
                                 "--password", "a long enough secret"])

    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    [user] = users()
    assert (user.login, user.active) == ("marieke", True)
    assert user.check_password("a long enough secret")


def test_create_admin_refuses_an_existing_login_and_keeps_its_password(runner, admin_user):
    result = runner.invoke(args=["create-admin", "--login", "admin", "--password", "x" * 12])

    assert result.exit_code == 1
    assert "A user with login 'admin' exists already; nothing was changed." in result.output
    db.session.expire_all()
    assert not users()[0].check_password("x" * 12)


def test_create_admin_if_no_users_does_nothing_when_a_user_exists(runner, admin_user):
    result = runner.invoke(args=["create-admin", "--login", "other", "--if-no-users"])

    assert result.exit_code == 0
    assert "no admin user created" in result.output
    assert [user.login for user in users()] == ["admin"]


def test_create_admin_if_no_users_creates_the_first_user(runner):
    result = runner.invoke(args=["create-admin", "--if-no-users"])

    assert result.exit_code == 0
    assert "Password: " in result.output
    assert [user.login for user in users()] == ["admin"]


def test_create_admin_refuses_a_bad_login(runner):
    result = runner.invoke(args=["create-admin", "--login", "jan de vries"])

    assert result.exit_code == 2
    assert "The login may not contain spaces." in result.output
    assert users() == []


@pytest.mark.parametrize("login, message", [
    ("", "The login is empty."),
    ("jan de vries", "The login may not contain spaces."),
    ("x" * 81, "The login is longer than 80 characters."),
])
def test_a_login_that_is_empty_too_long_or_has_spaces_is_refused(login, message):
    assert login_problem(login) == message


def test_a_plain_login_is_accepted():
    assert login_problem("marieke.jansen") is None


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-admin", "--password", "short"])

    assert result.exit_code == 2
    assert "at least 10 characters" in result.output
    assert users() == []


DEMO_MODELS = [TopLevel, TaxRate, GLAccount, ProductGroup, Product, Customer, Site, Invoice,
               InvoiceLine]


def test_seed_demo_creates_realistic_demo_data(runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "Demo data created" in result.output
    assert count(Customer) == 50
    assert 90 <= count(Product) <= 110
    assert count(Invoice) == 100
    assert count(Site) >= 50
    rates = sorted(rate.rate for rate in db.session.execute(db.select(TaxRate)).scalars())
    assert [str(rate.normalize()) for rate in rates] == ["0", "9", "21"]
    countries = {site.country for site in db.session.execute(db.select(Site)).scalars()}
    assert countries == {"NL", "BE", "GB"}
    every_customer_has_a_main_site = all(
        customer.main_site is not None
        for customer in db.session.execute(db.select(Customer)).scalars())
    assert every_customer_has_a_main_site
    invoice = db.session.execute(db.select(Invoice).filter_by(number="INV-000001")).scalar_one()
    assert invoice.lines and invoice.total_gross == invoice.total_net + invoice.total_tax > 0


def test_seed_demo_twice_creates_nothing_the_second_time(runner):
    runner.invoke(args=["seed-demo"])
    counts = [count(model) for model in DEMO_MODELS]

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "nothing created" in result.output
    assert [count(model) for model in DEMO_MODELS] == counts


def test_seed_demo_keeps_what_a_user_changed(runner):
    runner.invoke(args=["seed-demo"])
    customer = db.session.execute(db.select(Customer).filter_by(accounting_id="10001")).scalar_one()
    customer.name = "Renamed by the user"
    db.session.commit()

    runner.invoke(args=["seed-demo"])

    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Renamed by the user"


def test_seed_demo_on_a_database_without_tables_says_to_upgrade_first(app_config, tmp_path):
    from app import create_app

    app_config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    empty_app = create_app(app_config)

    result = empty_app.test_cli_runner().invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert "nothing was created" in result.output
    assert "db upgrade" in result.output
