"""Benchmark: the reconciliation report over 20,000 customers and 5,000 products (issue 15).

    .venv/bin/python bench/bench_reconcile.py [--backend sqlite|postgresql|both]
                                              [--customers 20000] [--items 5000]

Starts `python -m exact_sandbox` with the rate limit lifted and enough accounts for the wanted
number of customers (every 20th account is a supplier), then per backend:
1. setup, in its own process: connect a company through the real OAuth flow, import the
   customers (sync endpoint), bind the items (staged from the sandbox's rows: the product
   import's sync read is fixed on another branch), and make drift in the sandbox: 100 names
   changed, 10 accounts deleted, 10 new;
2. the reconciliation, in a fresh process (so its peak memory is its own): customers and
   products, printing the API calls (target: at most ceil(customers/1000) + ceil(items/1000)
   + 5), the seconds, records compared per second, the counts found and the process's peak
   memory (ru_maxrss).
"""
import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import database_url  # noqa: E402

BENCH_DATABASE = "psa_bench_reconcile"
SUPPLIER_EVERY = 20   # exact_sandbox/seed.py: every 20th account is a supplier


def build_app(url, workdir, key):
    from app import create_app
    from backoffice.db import upgrade
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "ENCRYPTION_KEY": key, "REDIS_URL": None, "JOBS_ASYNC": False,
                      "TESTING": True, "INSTANCE_PATH": str(workdir)})
    with app.app_context():
        upgrade()
    return app


def setup(args):
    from sqlalchemy import func, select

    from backoffice.db import db
    from backoffice.models import Customer, Product
    from exact_plugin.importing.runs import import_now
    from tests.factories import import_staged
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import Sandbox

    sandbox = Sandbox(args.sandbox_url)
    app = build_app(args.url, Path(args.workdir), args.key)
    with app.app_context():
        company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
        app.config["EXACT_SANDBOX_URL"] = sandbox.base_url
        run = import_now(company.id, "customers")
        if run.state != "done":
            raise SystemExit(f"customer import stopped: {run.message}")
        items = sandbox.records(company.division, "Items", limit=args.items)
        import_staged(company, "products", items)
        accounts = [record for record in sandbox.records(company.division, "Accounts", limit=400)
                    if record["Status"] == "C"]
        for number, record in enumerate(accounts[:100]):
            sandbox.update_record(company.division, "Accounts", record["ID"],
                                  {"Name": f"Changed in Exact {number}"})
        for record in accounts[100:110]:
            sandbox.delete_record(company.division, "Accounts", record["ID"])
        for number in range(10):
            sandbox.create_record(company.division, "Accounts", {
                "Code": str(args.first_new_code + number), "Name": f"New in Exact {number}",
                "Status": "C"})
        print(f"  setup: {db.session.scalar(select(func.count(Customer.id)))} customers and "
              f"{db.session.scalar(select(func.count(Product.id)))} products bound; drift made "
              "(100 changed, 10 deleted, 10 new in Exact)")
        print(f"COMPANY {company.id}")


def measure(args):
    from sqlalchemy import func, select

    from backoffice.db import db
    from exact_plugin.models import OutboundRequest
    from exact_plugin.realtime import reconcile

    app = build_app(args.url, Path(args.workdir), args.key)
    with app.app_context():
        app.config["EXACT_SANDBOX_URL"] = args.sandbox_url
        company_id = args.company

        def calls():
            return db.session.scalar(select(func.count()).where(
                OutboundRequest.connection_id == company_id,
                OutboundRequest.url.contains("/api/v1/")))

        before, started = calls(), time.perf_counter()
        reports = reconcile.reconcile_company(company_id)
        elapsed = time.perf_counter() - started
        spent = calls() - before
        target = math.ceil(args.customers / 1000) + math.ceil(args.items / 1000) + 5
        compared = sum(report.compared for report in reports)
        for report in reports:
            print(f"  {report.entity}: {report.state}, {report.compared} compared, "
                  f"{report.differing} differing, {report.only_here} only here, "
                  f"{report.only_exact} only in Exact, {report.calls} list pages"
                  + (f" ({report.message})" if report.message else ""))
        print(f"  reconciliation: {spent} API calls (target <= {target}: "
              f"{'OK' if spent <= target else 'OVER'}), {elapsed:.2f} s, "
              f"{compared / elapsed:,.0f} records compared/s, peak memory of this process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
              f"load average {os.getloadavg()[0]:.1f}")


def bench_backend(backend, sandbox_url, args):
    from cryptography.fernet import Fernet
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-reconcile-{backend}-"))
    url = database_url(backend, workdir, BENCH_DATABASE)
    common = ["--sandbox-url", sandbox_url, "--url", url, "--workdir", str(workdir),
              "--key", Fernet.generate_key().decode(), "--customers", str(args.customers),
              "--items", str(args.items)]
    print(f"{backend}:")
    # The sandbox is shared by the backends: each makes new accounts with codes of its own.
    first_new_code = 900_000 + 10_000 * ("sqlite", "postgresql").index(backend)
    done = subprocess.run([sys.executable, __file__, "--phase", "setup", *common,
                           "--first-new-code", str(first_new_code)], capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"setup on {backend} failed:\n{done.stderr[-3000:]}")
    output = done.stdout
    print("\n".join(line for line in output.splitlines() if not line.startswith("COMPANY")))
    company = [line.split()[1] for line in output.splitlines() if line.startswith("COMPANY")][0]
    subprocess.run([sys.executable, __file__, "--phase", "measure", "--company", company,
                    *common], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--phase", choices=("setup", "measure"))
    parser.add_argument("--sandbox-url")
    parser.add_argument("--url")
    parser.add_argument("--workdir")
    parser.add_argument("--key")
    parser.add_argument("--company", type=int)
    parser.add_argument("--first-new-code", type=int, default=900_000)
    args = parser.parse_args()
    if args.phase == "setup":
        return setup(args)
    if args.phase == "measure":
        return measure(args)
    from tests.fixtures.sandbox import SandboxProcess
    # Enough accounts for the wanted customers: one in SUPPLIER_EVERY is a supplier.
    accounts = math.ceil(args.customers * SUPPLIER_EVERY / (SUPPLIER_EVERY - 1))
    print(f"Starting the sandbox with {accounts} accounts and {args.items} items...")
    with SandboxProcess("--accounts", accounts, "--items", args.items, "--divisions", 1,
                        "--minutely-limit", 1_000_000, "--daily-limit", 100_000_000,
                        "--no-error-block", startup_timeout=600) as sandbox:
        backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
        for backend in backends:
            bench_backend(backend, sandbox.base_url, args)


if __name__ == "__main__":
    main()
