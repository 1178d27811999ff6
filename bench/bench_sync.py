"""Syncing invoices to Exact: API calls per invoice, invoices per second, and the fault run.

    .venv/bin/python bench/bench_sync.py [--invoices 300] [--fault-invoices 1000]
        [--skip-faults]

Against a sandbox subprocess with the rate limits lifted, on PostgreSQL (database
psa_bench_sync) and a private redis-server on a free port (never the shared 6379), it prints:
1. API calls per pushed invoice when the customer and the products are already in Exact
   (target 1.0: one POST of the invoice with its lines; the number comes back in the answer);
2. invoices per second with 1 and with 4 `flask --app app worker` processes;
3. the fault run of the issue: 1,000 invoices of 3 lines through 4 workers while the sandbox
   drops 5 % of responses after committing and answers 5 % with 503, one worker is killed and
   restarted and Redis is restarted once; then it checks that Exact holds each invoice exactly
   once with the right lines and totals, and that every host invoice shows its Exact number.

The fault-run scenario lives in tests/fixtures/sync_faults.py, which the suite runs with 100
invoices (tests/exact_plugin/syncing/test_faults.py).
"""
import argparse
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402

from tests.fixtures.sync_faults import (  # noqa: E402  (the scenario the suite runs too)
    PrivateRedis, WorkerPool, fault_run, make_customer_and_products, make_invoices,
    wait_until_synced, worker_env)


# -- the benchmark itself ------------------------------------------------------------------

def bench_app(redis_url):
    from backoffice.db import upgrade

    from app import create_app
    instance = tempfile.mkdtemp(prefix="bench-sync-")
    return create_app({"SQLALCHEMY_DATABASE_URI": fresh_postgres_url("psa_bench_sync"),
                       "INSTANCE_PATH": instance, "TESTING": True, "JOBS_ASYNC": True,
                       "REDIS_URL": redis_url}), upgrade


def reset_data(app):
    from backoffice.db import db
    from exact_plugin.models import Binding, OutboundRequest
    from exact_plugin.syncing.models import OutboxEntry
    from backoffice.models import Invoice
    db.session.execute(db.delete(OutboxEntry))
    db.session.execute(db.delete(Binding).filter(Binding.host_model == "Invoice"))
    db.session.execute(db.delete(Invoice))
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()


def measure_throughput(app, sandbox, redis, customer_id, product_ids, workers, invoices, first):
    """Queue `invoices` pushes, then time `workers` worker processes draining them."""
    from jobs import get_redis
    reset_data(app)
    get_redis().flushdb()
    invoice_ids = make_invoices(invoices, customer_id, product_ids, first_number=first)
    pool = WorkerPool(worker_env(app, redis.url, sandbox.base_url), workers)
    try:
        seconds = wait_until_synced(invoice_ids, timeout=900)
    finally:
        pool.stop()
    return invoice_ids, seconds


def api_calls_per_invoice(invoice_ids):
    from backoffice.db import db
    from exact_plugin.models import OutboundRequest
    count = db.session.execute(db.select(db.func.count(OutboundRequest.id)).filter(
        OutboundRequest.context.like("Invoice %"))).scalar()
    return count / len(invoice_ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--fault-invoices", type=int, default=1000)
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()

    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import SandboxProcess
    redis = PrivateRedis()
    app, upgrade = bench_app(redis.url)
    sandbox_process = SandboxProcess("--minutely-limit", "1000000000", "--daily-limit",
                                     "1000000000", "--no-error-block")
    sandbox = sandbox_process.sandbox
    try:
        with app.app_context():
            upgrade()
            from exact_plugin.models import IntegrationSettings
            from backoffice.db import db
            company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
            settings = IntegrationSettings.get()
            settings.default_connection_id = company.id
            db.session.commit()
            customer_id, product_ids = make_customer_and_products(company)
            print(f"Sync benchmark: {args.invoices} invoices of 3 lines, customer and products "
                  f"already in Exact, PostgreSQL, sandbox subprocess without rate limits")
            for workers, first in ((1, 100000), (4, 200000)):
                invoice_ids, seconds = measure_throughput(app, sandbox, redis, customer_id,
                                                          product_ids, workers, args.invoices,
                                                          first)
                print(f"  {workers} worker(s): {len(invoice_ids) / seconds:7.1f} invoices/s "
                      f"({seconds:.1f} s), API calls per invoice: "
                      f"{api_calls_per_invoice(invoice_ids):.2f} (target 1.0)")
            if not args.skip_faults:
                reset_data(app)
                print(f"Fault run: {args.fault_invoices} invoices, 4 workers, 5 % dropped "
                      f"responses, 5 % 503, a worker killed, Redis restarted")
                problems, figures = fault_run(app, sandbox, company, redis, args.fault_invoices,
                                              customer_id, product_ids, first_number=300000)
                print(f"  done in {figures['seconds']:.1f} s; sandbox faults: "
                      f"{figures['stats'].get('faults')}")
                print("  Exact holds every invoice exactly once with its lines, totals and "
                      "number" if not problems else f"  PROBLEMS ({len(problems)}): "
                      f"{problems[:10]}")
    finally:
        sandbox_process.stop()
        redis.stop()


if __name__ == "__main__":
    main()
