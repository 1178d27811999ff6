"""How fast is the customer list at 100,000 customers? Prints figures per backend.

Creates 100,000 customers with bulk inserts in a fresh bench database on SQLite and on
PostgreSQL (database psa_bench), then times the customer list view through the Flask test
client as a logged-in admin: first page, a search, a filter, a sort. Target: under 300 ms each.

    .venv/bin/python bench/bench_list_view.py [--customers 100000] [--runs 5]
        [--backends sqlite,postgresql] [--with-plugins]

By default the host is measured alone (PLUGINS empty); --with-plugins adds the default plugins
(their list columns and banners run on every page).
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.benchdb import fresh_postgres_url  # noqa: E402

from app import create_app  # noqa: E402
from backoffice.db import db  # noqa: E402
from backoffice.models import Customer, TopLevel, User, utcnow  # noqa: E402
from tests.conftest import csrf_token_from  # noqa: E402

BENCH_DATABASE = "psa_bench"
TARGET_MS = 300
BATCH = 10_000
TOP_LEVELS = 100
PASSWORD = "bench-password"



def sqlite_url(workdir):
    return f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"


def build_app(database_url, workdir, with_plugins):
    config = {"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir),
              "SECRET_KEY": "bench", "REDIS_URL": None}
    if not with_plugins:
        config["PLUGINS"] = []
    return create_app(config)


def customer_rows(count, now):
    for number in range(1, count + 1):
        yield {"name": f"Customer {number:06d}", "accounting_id": str(100000 + number),
               "accounts_code": f"AC{number:06d}", "email": f"billing{number}@example.com",
               "top_level_id": number % TOP_LEVELS + 1, "active": number % 10 != 0,
               "created_at": now, "updated_at": now}


def fill(count):
    """Bulk inserts straight into the tables: no ORM objects, 10,000 rows per statement."""
    from backoffice.db import upgrade
    upgrade()
    db.session.execute(sa.insert(TopLevel.__table__), [{"name": f"Top level {n:03d}"}
                                                       for n in range(1, TOP_LEVELS + 1)])
    user = User(login="bench", active=True, role="administrator")
    user.set_password(PASSWORD)
    db.session.add(user)
    batch = []
    for row in customer_rows(count, utcnow()):
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(sa.insert(Customer.__table__), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(Customer.__table__), batch)
    db.session.commit()
    analyze()


def analyze():
    """Fresh planner statistics, as a production database has them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE customer"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def logged_in_client(app):
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": "bench", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, "bench login failed"
    return client


def filter_arg(app, column_label, operation):
    """The list view's URL argument for a filter, e.g. flt0_2 for "Top level equals"."""
    admin = app.extensions["backoffice_admin"]
    view = next(v for v in admin._views if getattr(v, "endpoint", None) == "customer")
    for index, flt in enumerate(view._filters):
        if str(flt.name) == column_label and str(flt.operation()) == operation:
            return f"flt0_{index}"
    raise LookupError(f"no filter {column_label} {operation}")


def scenarios(app, count):
    top_level_equals = filter_arg(app, "Top level", "equals")
    return [
        ("first page", "/admin/customer/"),
        ("search by name", f"/admin/customer/?search=Customer+0{count // 2:05d}"),
        ("search matching many", "/admin/customer/?search=Customer+04"),
        ("filter top level", f"/admin/customer/?{top_level_equals}=Top+level+042"),
        ("sort by accounting ID desc", "/admin/customer/?sort=1&desc=1"),
        ("page 1000", "/admin/customer/?page=999"),
    ]


def measure(client, url, runs):
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
    return timings


def bench_backend(name, database_url, workdir, count, runs, with_plugins):
    app = build_app(database_url, workdir, with_plugins)
    with app.app_context():
        started = time.perf_counter()
        fill(count)
        fill_seconds = time.perf_counter() - started
        print(f"\n{name}: inserted {count:,} customers in {fill_seconds:.1f} s "
              f"({count / fill_seconds:,.0f} rows/s)")
        client = logged_in_client(app)
        results = []
        for label, url in scenarios(app, count):
            timings = measure(client, url, runs)
            median = statistics.median(timings)
            results.append(median)
            verdict = "ok" if median < TARGET_MS else f"OVER {TARGET_MS} ms"
            print(f"  {label:<28} median {median:7.1f} ms  min {min(timings):7.1f}  "
                  f"max {max(timings):7.1f}  ({runs} runs) {verdict}")
        db.session.remove()
        db.engine.dispose()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--with-plugins", action="store_true")
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="psa_bench_") as workdir:
        for backend in args.backends.split(","):
            url = sqlite_url(workdir) if backend == "sqlite" else fresh_postgres_url(BENCH_DATABASE)
            medians = bench_backend(backend, url, workdir, args.customers, args.runs,
                                    args.with_plugins)
            worst = max(worst, *medians)
    print(f"\nslowest median: {worst:.1f} ms (target {TARGET_MS} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
