"""Benchmark: how much of Exact's per-division call limit four workers use, and no 429.

    .venv/bin/python bench/bench_rate_limit.py [--workers 4] [--limit 60] [--window 5]
                                               [--windows 12] [--backend sqlite|postgresql]
                                               [--redis-url redis://127.0.0.1:6379/0]

Starts `python -m exact_sandbox` limited to `--limit` calls per division per window, with the
window shortened from Exact's minute to `--window` seconds (so a run of twelve "minutes" takes a
minute), connects a company through the real OAuth flow, then runs `--workers` processes that
call `crm/Accounts` through ExactClient as fast as the shared budget (in Redis) lets them, for
`--windows` whole windows. Prints the calls per window (= per Exact minute) achieved, the share
of the limit used (target: at least 95 %) and the number of 429 answers (target: 0).
"""
import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import database_url  # noqa: E402

BENCH_DATABASE = "psa_bench_rate_limit"



def app_config(args, workdir, sandbox_url):
    from cryptography.fernet import Fernet
    return {"SQLALCHEMY_DATABASE_URI": database_url(args.backend, workdir, BENCH_DATABASE),
            "SECRET_KEY": "bench", "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "REDIS_URL": args.redis_url, "JOBS_ASYNC": False, "TESTING": True,
            "INSTANCE_PATH": str(workdir), "EXACT_SANDBOX_URL": sandbox_url,
            # A prefix of its own: nothing of another run (or a test) shares this budget.
            "EXACT_REDIS_PREFIX": f"bench-rate-{uuid.uuid4().hex[:8]}"}


def worker(config, company_id, start_at, stop_at, results):
    """One worker process: call Exact until `stop_at`, noting when each call was answered."""
    from app import create_app
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import ExactError

    app = create_app(config)
    answered, failures = [], []
    with app.app_context():
        client = ExactClient.for_connection(company_id, context="rate-limit benchmark")
        time.sleep(max(start_at - time.time(), 0))
        while time.time() < stop_at:
            try:
                client.find_one("crm/Accounts", "Blocked eq false", ["ID"])
                answered.append(time.time())
            except ExactError as error:
                failures.append(error.message)
    results.put(json.dumps({"answered": answered, "failures": failures[:5]}))


def run(args, sandbox):
    from backoffice.db import upgrade

    from app import create_app
    from tests.fixtures.exact import connect_company

    sandbox.set_limits(minutely_limit=args.limit, window_seconds=args.window,
                       daily_limit=1_000_000, error_block=False)
    with tempfile.TemporaryDirectory() as directory:
        config = app_config(args, Path(directory), sandbox.base_url)
        app = create_app(config)
        with app.app_context():
            upgrade()
            company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
            config["EXACT_REDIS_PREFIX"] = app.config["EXACT_REDIS_PREFIX"]
            company_id = company.id
        # Start on a window boundary, a little later, so every worker is up; stop on one.
        start_at = (math.floor(time.time() / args.window) + 2) * args.window
        stop_at = start_at + args.windows * args.window
        sandbox.reset_stats()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        processes = [context.Process(target=worker, args=(config, company_id, start_at, stop_at,
                                                          results)) for _ in range(args.workers)]
        for process in processes:
            process.start()
        outcomes = [json.loads(results.get(timeout=args.windows * args.window + 120))
                    for _ in processes]
        for process in processes:
            process.join(timeout=30)
        with app.app_context():
            refused = refused_calls(start_at)
    report(args, sandbox.stats(), outcomes, start_at, refused)


def refused_calls(start_at):
    """When the 429 answers came, in seconds after the start (from the outbound log)."""
    from datetime import timezone

    from backoffice.db import db
    from exact_plugin.models import OutboundRequest
    rows = db.session.execute(db.select(OutboundRequest.created_at).where(
        OutboundRequest.status == 429)).scalars()
    return [round(row.replace(tzinfo=timezone.utc).timestamp() - start_at, 2) for row in rows]


def report(args, stats, outcomes, start_at, refused):
    per_window = [0] * args.windows
    for outcome in outcomes:
        for moment in outcome["answered"]:
            index = int((moment - start_at) // args.window)
            if 0 <= index < args.windows:
                per_window[index] += 1
    answered = sum(per_window)
    limit_total = args.limit * args.windows
    too_many = stats["by_status"].get("429", 0)
    share = 100 * answered / limit_total
    failures = [message for outcome in outcomes for message in outcome["failures"]]
    print(f"workers: {args.workers}, limit: {args.limit} calls per division per window, "
          f"window: {args.window} s (Exact: 60 s), windows: {args.windows}, "
          f"backend: {args.backend}")
    print(f"calls answered per window (= per Exact minute): {per_window}")
    print(f"calls per minute achieved: {answered / args.windows:.1f} of {args.limit} "
          f"({share:.1f} % of the limit; target >= 95 %)")
    print(f"429 answers: {too_many} (target 0); all statuses: {stats['by_status']}")
    if refused:
        print(f"429 answers came at (seconds after the start): {refused}")
    if failures:
        print(f"errors raised to the workers: {failures}")
    ok = share >= 95 and too_many == 0 and not failures
    print("RESULT:", "PASS" if ok else "FAIL")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--window", type=int, default=5, help="seconds (Exact: 60)")
    parser.add_argument("--windows", type=int, default=12)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL",
                                                              "redis://127.0.0.1:6379/0"))
    parser.add_argument("--sandbox-url", help="use a running sandbox instead of starting one")
    args = parser.parse_args()

    from tests.fixtures.sandbox import Sandbox, SandboxProcess
    if args.sandbox_url:
        run(args, Sandbox(args.sandbox_url))
        return
    with SandboxProcess("--accounts", "50", startup_timeout=120) as process:
        run(args, process.sandbox)


if __name__ == "__main__":
    main()
