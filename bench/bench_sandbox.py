"""Benchmark the Exact sandbox: seeding time, bulk page and single-record throughput.

    .venv/bin/python bench/bench_sandbox.py [--accounts 100000] [--seconds 5]

Starts ``python -m exact_sandbox`` in a subprocess with the rate limits lifted,
then measures over real HTTP from this process.
"""
import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.sandbox import SandboxProcess  # noqa: E402

UNLIMITED = ("--minutely-limit", "1000000000", "--daily-limit", "1000000000", "--no-error-block")


def rate(label: str, call, seconds: float) -> float:
    """Run ``call`` repeatedly for ``seconds``; print and return calls per second."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        call()
        count += 1
    per_second = count / (time.perf_counter() - started)
    print(f"  {label:<52} {per_second:8.1f} req/s  ({count} requests)")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    started = time.perf_counter()
    process = SandboxProcess("--accounts", args.accounts, "--items", 1000, "--divisions", 1, *UNLIMITED,
                             startup_timeout=120)
    startup = time.perf_counter() - started
    seeded = float(re.search(r"seeded in\s+([\d.]+) s", process.output).group(1))
    try:
        sandbox = process.sandbox
        api = sandbox.api(sandbox.get_token()["access_token"])
        bulk = sandbox.url("100001/bulk/CRM/Accounts")
        select = {"$select": "ID,Code,Name,City,Country,Modified"}
        # Exact: bulk endpoints with a sync counterpart need a $filter (docs/sandbox.md §Strictness rules)
        bulk_query = {**select, "$filter": "Blocked eq false"}
        first = api.get(bulk, params=bulk_query).json()["d"]
        deep = first
        for _ in range(50):  # a page halfway through 100k rows: keyset paging must not slow down
            deep = api.get(deep["__next"]).json()["d"]
        one_key = first["results"][123]["ID"]
        single = sandbox.url(f"100001/crm/Accounts(guid'{one_key}')")

        def check(response):
            assert response.status_code == 200, response.status_code
            return response

        print(f"Exact sandbox benchmark ({args.accounts} accounts, 1 division)")
        print(f"  {'seeding (create_app, in the subprocess)':<52} {seeded:8.2f} s")
        print(f"  {'start-up until first HTTP answer':<52} {startup:8.2f} s")
        rate("bulk/CRM/Accounts, first 1000-row page", lambda: check(api.get(bulk, params=bulk_query)),
             args.seconds)
        rate("bulk/CRM/Accounts, 1000-row page #52 (skiptoken)",
             lambda: check(api.get(deep["__next"])), args.seconds)
        rate("sync/CRM/Accounts, 1000-row page", lambda: check(api.get(
            sandbox.url("100001/sync/CRM/Accounts"), params={**select, "$filter": "Timestamp gt 50000L"})),
             args.seconds)
        rate("crm/Accounts(guid'...') single record", lambda: check(api.get(single)), args.seconds)
        rate("crm/Accounts?$filter=Code eq '...' (padded)", lambda: check(api.get(
            sandbox.url("100001/crm/Accounts"), params={"$filter": f"Code eq '{'77777':>18}'"})), args.seconds)
    finally:
        process.stop()


if __name__ == "__main__":
    main()
