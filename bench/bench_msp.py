"""Many companies at once (issue 16): push throughput, fairness under the rate limits, imports.

    .venv/bin/python bench/bench_msp.py [--companies 20] [--invoices 600] [--window 15]
        [--minutely 30] [--windows 5] [--backlog 5000] [--backlog-others 200]
        [--import-customers 10000] [--skip-import]

One run against a sandbox subprocess with 20 divisions, PostgreSQL (database psa_bench_msp),
a private redis-server and real `flask --app app worker` processes; it prints
1. pushes per second with 1 and 4 workers, the sandbox without rate limits, the invoices
   spread over the companies (their customers and products already in Exact), and the API
   calls per invoice (target: >= 100 pushes a second with 4 workers; 1.0 call per invoice);
2. fairness: every division limited to --minutely calls per --window seconds (Exact's minute
   shortened), one company with a backlog of --backlog invoices, the others with
   --backlog-others each, and one company that gets a single invoice every few seconds:
   the budget use per division (min / median / max over the full windows; target >= 90 %),
   the 429s (target 0) and the worst wait of a single invoice (target <= one window);
3. the peak memory (RSS) of 20 imports of --import-customers customers each, run at once by 4
   workers (each company at its own API floor: one call per 1,000 rows).
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402

from tests.fixtures.sync_faults import (  # noqa: E402
    LINES, PrivateRedis, WorkerPool, worker_env)


def bench_app(redis_url):
    from backoffice.db import upgrade

    from app import create_app
    instance = tempfile.mkdtemp(prefix="bench-msp-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_postgres_url("psa_bench_msp"),
                      "INSTANCE_PATH": instance, "TESTING": True, "JOBS_ASYNC": True,
                      "REDIS_URL": redis_url, "EXACT_REDIS_PREFIX": "exact-bench"})
    with app.app_context():
        upgrade()
    return app


def connect_companies(app, sandbox, count):
    from backoffice.db import db
    from exact_plugin.models import IntegrationSettings
    from tests.fixtures.exact import connect_company
    companies = [connect_company(app, sandbox, f"MSP company {n + 1}", sandbox.divisions[n])
                 for n in range(count)]
    IntegrationSettings.get().default_connection_id = companies[0].id
    db.session.commit()
    return [company.id for company in companies]


def make_masters(company_ids):
    """Per company one customer and three products, pushed to Exact in this process."""
    from decimal import Decimal

    from backoffice.db import db
    from backoffice.models import Customer, Product, Site
    from exact_plugin.syncing import companies as sync_companies
    from exact_plugin.syncing import jobs as sync_jobs
    masters = {}
    for index, company_id in enumerate(company_ids):
        customer = Customer(name=f"MSP customer {index}", accounting_id=f"9{index:03d}01")
        customer.sites.append(Site(name="Main", is_main=True, address_line1="Kade 1",
                                   city="Delft", country="NL"))
        products = [Product(name=f"MSP product {index}-{n}", accounting_id=f"9{index:03d}{n:02d}",
                            price=Decimal("10"), cost=Decimal("5")) for n in range(2, 5)]
        db.session.add_all([customer, *products])
        db.session.flush()
        for record in (customer, *products):
            sync_companies.set_company(type(record).__name__, record.id, company_id)
        db.session.commit()
        masters[company_id] = (customer.id, [product.id for product in products])
    sync_jobs.drain()
    return masters


def add_invoices(masters, company_id, count, prefix, one_commit=True):
    """`count` invoices of three lines for the company's customer; one commit (a backlog),
    or one commit each."""
    from decimal import Decimal

    from backoffice.db import db
    from backoffice.models import Invoice, InvoiceLine
    customer_id, product_ids = masters[company_id]
    invoices = []
    with db.session.no_autoflush:
        for n in range(count):
            invoice = Invoice(number=f"{prefix}-{company_id}-{n:05d}", customer_id=customer_id)
            for product_id, (quantity, price) in zip(product_ids, LINES):
                invoice.lines.append(InvoiceLine(product_id=product_id, description="MSP line",
                                                 quantity=Decimal(quantity),
                                                 unit_price=Decimal(price)))
            db.session.add(invoice)
            invoices.append(invoice)
            if not one_commit:
                db.session.commit()
    db.session.flush()
    ids = [invoice.id for invoice in invoices]   # before the commit expires them all
    db.session.commit()
    return ids


def pending_invoices():
    from backoffice.db import db
    from exact_plugin.models import Binding
    db.session.rollback()
    return db.session.execute(db.select(db.func.count(Binding.id)).filter(
        Binding.host_model == "Invoice", Binding.sync_state != "synced")).scalar()


def clear_invoices():
    from backoffice.db import db
    from backoffice.models import Invoice, InvoiceLine
    from exact_plugin.models import Binding, OutboundRequest
    from exact_plugin.syncing.models import ExportState, OutboxEntry
    db.session.execute(db.delete(OutboxEntry))
    invoice_bindings = db.select(Binding.id).filter(Binding.host_model == "Invoice")
    db.session.execute(db.delete(ExportState).filter(ExportState.binding_id.in_(invoice_bindings)))
    db.session.execute(db.delete(Binding).filter(Binding.host_model == "Invoice"))
    db.session.execute(db.delete(InvoiceLine))
    db.session.execute(db.delete(Invoice))
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()


def invoice_calls():
    """API calls made for invoices; a token renewal (not a division call, and due every 10
    minutes per company whatever is pushed) is counted apart."""
    from backoffice.db import db
    from exact_plugin.models import OutboundRequest
    from exact_plugin.tokens import TOKEN_ENTITY
    def count(*filters):
        return db.session.execute(db.select(db.func.count(OutboundRequest.id)).filter(
            OutboundRequest.context.like("Invoice %"), *filters)).scalar()
    return (count(OutboundRequest.entity != TOKEN_ENTITY),
            count(OutboundRequest.entity == TOKEN_ENTITY))


# -- 1. throughput ---------------------------------------------------------------------------

def throughput(app, env, masters, workers, invoices):
    from jobs import get_redis
    clear_invoices()
    get_redis().flushdb()
    company_ids = list(masters)
    per_company = invoices // len(company_ids)
    for company_id in company_ids:
        add_invoices(masters, company_id, per_company, f"T{workers}")
    total = per_company * len(company_ids)
    pool = WorkerPool(env, workers)
    try:
        wait_for_workers(pool)
        started = time.perf_counter()  # the jobs are queued: the first worker starts on them
        while pending_invoices():
            if time.perf_counter() - started > 900:
                raise SystemExit("throughput run did not finish in 15 minutes:\n" + pool.output())
            time.sleep(0.2)
        seconds = time.perf_counter() - started
    finally:
        pool.stop()
    calls, renewals = invoice_calls()
    return total, seconds, calls / total, renewals


def wait_for_workers(pool):
    """Until the first worker process has started (its boot is not the pipeline's time)."""
    from rq import Worker

    from jobs import get_redis
    deadline = time.perf_counter() + 120
    while not Worker.count(connection=get_redis()) and time.perf_counter() < deadline:
        time.sleep(0.05)


# -- 2. fairness -----------------------------------------------------------------------------

def fairness(app, env, sandbox, masters, args):
    from backoffice.db import db
    from exact_plugin.models import Binding, OutboundRequest
    from jobs import get_redis
    clear_invoices()
    get_redis().flushdb()
    company_ids = list(masters)
    big, single, others = company_ids[0], company_ids[-1], company_ids[1:-1]
    sandbox.set_limits(minutely_limit=args.minutely, window_seconds=args.window)
    add_invoices(masters, big, args.backlog, "BIG")
    for company_id in others:
        add_invoices(masters, company_id, args.backlog_others, "OTHER")
    waits, stop = [], threading.Event()

    def single_invoices():
        with app.app_context():
            n = 0
            while not stop.is_set():
                invoice_id, = add_invoices(masters, single, 1, f"ONE{n}")
                committed = time.time()
                while not stop.is_set():
                    binding = db.session.execute(db.select(Binding).filter_by(
                        host_model="Invoice", host_id=invoice_id)).scalar_one()
                    if binding.sync_state == "synced":
                        waits.append(time.time() - committed)
                        break
                    db.session.rollback()
                    time.sleep(0.1)
                n += 1
                stop.wait(args.window / 3)

    pool = WorkerPool(env, 4)
    started = time.time()
    thread = threading.Thread(target=single_invoices, daemon=True)
    thread.start()
    try:
        time.sleep(args.window * args.windows)
    finally:
        stop.set()
        thread.join(timeout=60)
        pool.stop()
    ended = time.time()
    # Full windows only (the sandbox's windows are aligned to multiples of --window).
    first = (int(started // args.window) + 1) * args.window
    last = int(ended // args.window) * args.window
    windows = max(int((last - first) // args.window), 1)
    db.session.rollback()
    from datetime import datetime, timezone

    def naive(epoch):
        return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)
    uses = []
    for company_id in [big, *others]:
        calls = db.session.execute(db.select(db.func.count(OutboundRequest.id)).filter(
            OutboundRequest.connection_id == company_id, OutboundRequest.status < 400,
            OutboundRequest.created_at >= naive(first),
            OutboundRequest.created_at < naive(last))).scalar()
        uses.append(calls / (args.minutely * windows))
    too_many = db.session.execute(db.select(db.func.count(OutboundRequest.id)).filter(
        OutboundRequest.status == 429)).scalar()
    sandbox.set_limits(minutely_limit=1_000_000_000, window_seconds=60)
    return uses, too_many, waits, windows


# -- 3. imports in parallel ------------------------------------------------------------------

def parallel_imports(app, env, company_ids, customers):
    """Queue a customers import for every company at once; sample the RSS of the workers and
    their work horses every 0.2 s."""
    from backoffice.db import db
    from exact_plugin.importing.models import ImportRun
    from exact_plugin.importing import runs
    from exact_plugin.models import OutboundRequest
    from jobs import get_redis
    get_redis().flushdb()
    db.session.execute(db.delete(OutboundRequest))
    db.session.commit()
    pool = WorkerPool(env, 4)
    peak = {"one": 0, "all": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            total = 0
            for process in pool.processes:
                for pid in process_tree(process.pid):
                    rss = rss_bytes(pid)
                    peak["one"] = max(peak["one"], rss)
                    total += rss
            peak["all"] = max(peak["all"], total)
            time.sleep(0.2)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        run_ids = [runs.start_run(company_id, "customers", auto_apply=True).id
                   for company_id in company_ids]
        while True:
            db.session.rollback()
            states = db.session.execute(db.select(ImportRun.state).filter(
                ImportRun.id.in_(run_ids))).scalars().all()
            if all(state not in ("fetching", "applying") for state in states):
                break
            if time.perf_counter() - started > 1800:
                raise SystemExit("imports did not finish in 30 minutes:\n" + pool.output())
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        sampler.join()
        pool.stop()
    runs_done = db.session.execute(db.select(ImportRun).filter(ImportRun.id.in_(run_ids))
                                   ).scalars().all()
    calls = dict(db.session.execute(db.select(
        OutboundRequest.connection_id, db.func.count(OutboundRequest.id)).filter(
        OutboundRequest.entity.ilike("%accounts%")).group_by(OutboundRequest.connection_id)).all())
    return runs_done, seconds, peak, [calls.get(company_id, 0) for company_id in company_ids]


def process_tree(pid):
    """The process and its children (a worker and its work horse), from /proc."""
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            for child in children:
                found.extend(process_tree(int(child)))
    except OSError:
        pass
    return found


def rss_bytes(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=600)
    parser.add_argument("--window", type=int, default=15)
    parser.add_argument("--minutely", type=int, default=30)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--backlog-others", type=int, default=200)
    parser.add_argument("--import-customers", type=int, default=10000)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    from tests.fixtures.sandbox import SandboxProcess
    redis = PrivateRedis()
    app = bench_app(redis.url)
    sandbox_process = SandboxProcess(
        "--divisions", args.companies, "--accounts", args.import_customers,
        "--distinct-account-codes",
        "--minutely-limit", "1000000000", "--daily-limit", "1000000000", "--no-error-block",
        startup_timeout=900)
    sandbox = sandbox_process.sandbox
    try:
        with app.app_context():
            company_ids = connect_companies(app, sandbox, args.companies)
            env = worker_env(app, redis.url, sandbox.base_url,
                             {"EXACT_REDIS_PREFIX": app.config["EXACT_REDIS_PREFIX"]})
            masters = make_masters(company_ids)
            print(f"MSP benchmark: {args.companies} companies (sandbox divisions), PostgreSQL, "
                  f"private Redis, `flask worker` processes; invoices of 3 lines whose customer "
                  f"and products are in Exact already")
            print("1. Pushes, sandbox without rate limits "
                  f"({args.invoices} invoices spread over the companies):")
            for workers in (1, 4):
                total, seconds, per_invoice, renewals = throughput(app, env, masters, workers,
                                                                   args.invoices)
                print(f"   {workers} worker(s): {total / seconds:6.1f} pushes/s ({total} in "
                      f"{seconds:.1f} s), API calls per invoice {per_invoice:.2f} "
                      f"(target >= 100/s with 4 workers, 1.0 call); token renewals on the "
                      f"way: {renewals}")
            print(f"2. Fairness: {args.companies} divisions limited to {args.minutely} calls per "
                  f"{args.window} s window, 4 workers, {args.windows} windows; company 1 has a "
                  f"backlog of {args.backlog} invoices, companies 2-{args.companies - 1} "
                  f"{args.backlog_others} each, company {args.companies} a single invoice "
                  f"every {args.window / 3:.0f} s:")
            uses, too_many, waits, windows = fairness(app, env, sandbox, masters, args)
            print(f"   budget use per division over {windows} full windows: min "
                  f"{min(uses):.0%} / median {statistics.median(uses):.0%} / max "
                  f"{max(uses):.0%} (target >= 90 %); 429s: {too_many} (target 0)")
            print(f"   single invoices of company {args.companies}: {len(waits)} pushed, worst "
                  f"wait {max(waits) if waits else float('nan'):.1f} s, median "
                  f"{statistics.median(waits) if waits else float('nan'):.1f} s (target <= one "
                  f"window, {args.window} s)")
            if not args.skip_import:
                print(f"3. Imports: {args.companies} companies x {args.import_customers} "
                      f"customers at once, 4 workers:")
                done, seconds, peak, calls = parallel_imports(app, env, company_ids,
                                                              args.import_customers)
                states = {state: sum(run.state == state for run in done)
                          for state in sorted({run.state for run in done})}
                fetched = sum(run.fetched or 0 for run in done)
                print(f"   {fetched} customers read in {seconds:.0f} s, runs {states}; Accounts "
                      f"calls per company min {min(calls)} / max {max(calls)} (floor: "
                      f"{-(-args.import_customers // 1000)} pages of 1,000 + the deleted "
                      f"list); peak RSS of one worker process {peak['one'] / 2**20:.0f} MB, "
                      f"all worker processes together {peak['all'] / 2**20:.0f} MB")
    finally:
        sandbox_process.stop()
        redis.stop()


if __name__ == "__main__":
    main()
