"""Benchmark databases: a fresh PostgreSQL database per benchmark, or a SQLite file."""
import os

import sqlalchemy as sa

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def fresh_postgres_url(database):
    """Drop and create `database`; return its URL."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def database_url(backend, workdir, database):
    """A SQLite file in `workdir`, or a fresh PostgreSQL database named `database`."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    return fresh_postgres_url(database)
