"""The fault soak of issue 11 at full size: what the screens say is what Exact holds.

    .venv/bin/python bench/soak_faults.py [--companies 20] [--invoices 5000] [--workers 4]
        [--timeout 3600]

On PostgreSQL (its own database psa_bench_soak), a private redis-server on a free port (never
the shared 6379) and a sandbox subprocess with one division per company (rate limits lifted,
Exact's error block ON): each company gets a customer and three products, then invoices are
made round robin with customer e-mail and product name edits between them, through `--workers`
`flask --app app worker` processes, while the sandbox drops 5 % of answers after committing and
answers 5 % with 503. Along the way: a worker is killed (SIGKILL) and restarted, Redis is
restarted (its queue lost), the app's database connections are terminated
(pg_terminate_backend on the bench's own database only), the module is disabled (edits made
meanwhile must wait) and enabled again. Then the checker compares every record with what the
sandbox holds and prints lost, duplicated, badges disagreeing with Exact, error-block hits, the
API calls and the run time. The scenario is tests/fixtures/soak.py; the suite runs it small
(tests/exact_plugin/syncing/test_soak.py).
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402

from tests.fixtures.soak import soak  # noqa: E402
from tests.fixtures.sync_faults import PrivateRedis  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()

    from app import create_app
    from backoffice.db import db, upgrade
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import SandboxProcess
    started = time.monotonic()
    redis = PrivateRedis()
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_postgres_url("psa_bench_soak"),
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-soak-"), "TESTING": True,
                      "JOBS_ASYNC": True, "REDIS_URL": redis.url})
    sandbox_process = SandboxProcess("--minutely-limit", "1000000000", "--daily-limit",
                                     "1000000000", "--divisions", str(args.companies),
                                     "--accounts", "0", "--items", "0")
    sandbox = sandbox_process.sandbox
    try:
        with app.app_context():
            upgrade()
            from exact_plugin.models import OutboundRequest
            companies = [connect_company(app, sandbox, f"Soak company {n + 1}", division)
                         for n, division in enumerate(sandbox.divisions[:args.companies])]
            print(f"Fault soak: {len(companies)} companies, {args.invoices} invoices of 3 lines "
                  f"plus customer/product edits, {args.workers} workers, PostgreSQL, private "
                  f"Redis; sandbox drops 5 % of answers and answers 5 % with 503")
            problems, figures = soak(app, sandbox, companies, redis, args.invoices,
                                     args.workers, args.timeout)
            calls = db.session.execute(db.select(db.func.count(OutboundRequest.id))).scalar()
            kinds = {}
            for problem in problems:
                kinds[problem.split(":")[0]] = kinds.get(problem.split(":")[0], 0) + 1
            stats = figures["stats"]
            print(f"  settled in {figures['seconds']:.1f} s (whole run {time.monotonic() - started:.1f} s); "
                  f"{figures['edits']} edits ({figures['edits_while_off']} while the module was off)")
            print(f"  API calls: {calls} logged by the plugin, {stats.get('total_calls')} answered "
                  f"by the sandbox; faults: {stats.get('faults')}; by status: "
                  f"{stats.get('by_status')}")
            print(f"  lost: {kinds.get('lost', 0)}, duplicated: {kinds.get('duplicated', 0)}, "
                  f"badges disagreeing with Exact: {kinds.get('badge disagrees', 0)}, not settled: "
                  f"{kinds.get('not settled', 0)}, error block: "
                  f"{kinds.get('error block', 0) + kinds.get('error block risk', 0)}")
            for problem in problems[:20]:
                print(f"    {problem}")
    finally:
        sandbox_process.stop()
        redis.stop()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
