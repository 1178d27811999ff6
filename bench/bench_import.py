"""Benchmark: import 50,000 customers and 10,000 products from the sandbox, then an incremental run.

    .venv/bin/python bench/bench_import.py [--backend sqlite|postgresql|both]
                                           [--accounts 50000] [--items 10000]

Starts `python -m exact_sandbox` with the rate limit lifted, builds the back office on a fresh
database of each backend (SQLite file, PostgreSQL database `psa_bench_import`), connects a
company through the real OAuth flow, then prints for customers and products:
- API calls (target: at most ceil(N/1000) + a small constant per entity),
- records per second through the whole pipeline: fetch + plan + write (target: >= 5,000/s),
- peak memory of the process (target: < 300 MB),
and, after changing 100 customers in the sandbox, the calls and time of the incremental run.
Each backend runs in its own process so peak memory is measured per backend.
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

BENCH_DATABASE = "psa_bench_import"
CHANGED_CUSTOMERS = 100
# Per entity beyond the 1000-row pages: sync/Deleted, the empty last page when N is a
# multiple of 1000, and item groups (products).
CALL_ALLOWANCE = 3



def build_app(backend, workdir):
    from cryptography.fernet import Fernet
    from backoffice.db import upgrade

    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(backend, workdir, BENCH_DATABASE),
                      "SECRET_KEY": "bench", "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                      "REDIS_URL": None, "JOBS_ASYNC": False, "TESTING": True,
                      "INSTANCE_PATH": str(workdir)})
    with app.app_context():
        upgrade()
    return app


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def calls_of(company_id):
    from sqlalchemy import func, select

    from backoffice.db import db
    from exact_plugin.models import OutboundRequest
    return db.session.execute(select(func.count()).where(
        OutboundRequest.connection_id == company_id)).scalar()


def timed_import(company_id, entity_name):
    from exact_plugin.importing.runs import import_now
    before = calls_of(company_id)
    started, cpu_started = time.perf_counter(), time.process_time()
    run = import_now(company_id, entity_name)
    elapsed = time.perf_counter() - started
    run.cpu_seconds = time.process_time() - cpu_started
    if run.state != "done":
        raise SystemExit(f"{entity_name} import stopped: {run.message}")
    return run, calls_of(company_id) - before, elapsed


def report(label, count, calls, elapsed, run):
    target_calls = math.ceil(count / 1000) + CALL_ALLOWANCE
    print(f"  {label}: {count} records, {calls} API calls (target <= {target_calls}), "
          f"{elapsed:.2f} s, {count / elapsed:,.0f} records/s (target >= 5,000), "
          f"created {run.created}, failed {run.failed}; this process used "
          f"{run.cpu_seconds:.2f} CPU s ({os.getloadavg()[0]:.1f} load average)")


def bench_backend(backend, base_url):
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import Sandbox

    sandbox = Sandbox(base_url)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-import-{backend}-"))
    app = build_app(backend, workdir)
    with app.app_context():
        company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
        # A few more than needed (some accounts are suppliers); never the whole company, so
        # the peak memory printed is the import's own.
        customers = [r for r in sandbox.records(company.division, "Accounts",
                                                limit=CHANGED_CUSTOMERS * 2)
                     if r["Status"] == "C"][:CHANGED_CUSTOMERS]
        print(f"{backend}:")
        run, calls, elapsed = timed_import(company.id, "customers")
        report("customers", run.fetched, calls, elapsed, run)
        run, calls, elapsed = timed_import(company.id, "products")
        report("products", run.fetched, calls, elapsed, run)
        for number, record in enumerate(customers):
            sandbox.update_record(company.division, "Accounts", record["ID"],
                                  {"Name": f"Changed on {backend} {number}"})
        run, calls, elapsed = timed_import(company.id, "customers")
        print(f"  incremental customers: {run.fetched} changed read, {run.updated} updated, "
              f"{calls} API calls, {elapsed:.2f} s")
        print(f"  peak memory: {peak_mb():.0f} MB (target < 300 MB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--sandbox-url", help="use a running sandbox instead of starting one")
    args = parser.parse_args()
    if args.sandbox_url:
        bench_backend(args.backend, args.sandbox_url)
        return
    from tests.fixtures.sandbox import SandboxProcess
    print(f"Starting the sandbox with {args.accounts} accounts and {args.items} items...")
    started = time.perf_counter()
    with SandboxProcess("--accounts", args.accounts, "--items", args.items, "--divisions", 1,
                        "--minutely-limit", 1_000_000, "--daily-limit", 100_000_000,
                        "--no-error-block", startup_timeout=600) as sandbox:
        print(f"  ready in {time.perf_counter() - started:.0f} s")
        backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
        for backend in backends:
            # One process per backend, so each peak memory figure is its own.
            subprocess.run([sys.executable, __file__, "--backend", backend, "--accounts",
                            str(args.accounts), "--items", str(args.items), "--sandbox-url",
                            sandbox.base_url], check=True)


if __name__ == "__main__":
    main()
