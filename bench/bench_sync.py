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

The helpers here (PrivateRedis, WorkerPool, make_invoices, wait_until_synced,
check_exact_invoices) are also used by tests/exact_plugin/syncing/test_faults.py, which runs a smaller
fault run in the suite.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import redis as redis_lib

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402

# Workers of the fault run retry and take over quickly (production defaults are minutes).
FAST_WORKER_SETTINGS = {
    "EXACT_SYNC_RELAY_SECONDS": "2", "EXACT_SYNC_LEASE_SECONDS": "8",
    "EXACT_SYNC_LOCK_SECONDS": "15", "EXACT_SYNC_LOCK_WAIT_SECONDS": "5",
    "EXACT_SYNC_RETRY_SECONDS": "1", "EXACT_SYNC_MAX_BACKOFF_SECONDS": "4",
    "EXACT_RETRY_WAIT_INITIAL": "0.05", "EXACT_RETRY_WAIT_MAX": "0.5",
}
UNLIMITED = {"minutely_limit": 10 ** 9, "daily_limit": 10 ** 9, "error_block": False}
LINES = ((3, "95.00"), (1, "12.50"), (2, "40.00"))


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port (no persistence), to restart at will."""

    def __init__(self):
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed; the sync fault run needs it.")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis_lib.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self):
        """Everything queued is lost: the outbox and its relay must make up for it."""
        self.stop()
        self.start()


def worker_env(app, redis_url, sandbox_url, extra=None):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
        "ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"], "SECRET_KEY": app.config["SECRET_KEY"],
        "PLUGINS": ",".join(app.config["PLUGINS"]), "INSTANCE_PATH": app.instance_path,
        "EXACT_SANDBOX_URL": sandbox_url, "PYTHONUNBUFFERED": "1", **(extra or {})})
    return env


class WorkerPool:
    """N `flask --app app worker` processes; dead ones can be restarted (like systemd would)."""

    def __init__(self, env, count):
        self.env = env
        self.logs = []
        self.processes = [self._start() for _ in range(count)]

    def _start(self):
        log = tempfile.TemporaryFile(mode="w+")
        self.logs.append(log)
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"],
                                env=self.env, cwd=REPOSITORY, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, index):
        """SIGKILL: the worker dies wherever it is, maybe between sending and recording."""
        os.killpg(self.processes[index].pid, signal.SIGKILL)
        self.processes[index].wait()

    def restart_dead(self):
        restarted = 0
        for index, process in enumerate(self.processes):
            if process.poll() is not None:
                self.processes[index] = self._start()
                restarted += 1
        return restarted

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def output(self):
        """What the workers said besides their routine INFO lines (errors, tracebacks)."""
        texts = []
        for log in self.logs:
            log.flush()
            log.seek(0)
            lines = [line for line in log.read().splitlines() if " INFO " not in line
                     and not line.startswith("INFO")]
            texts.append("\n".join(lines)[-6000:])
        return "\n---\n".join(texts)


def make_customer_and_products(company):
    """One customer and three products, in Exact already (pushed in this process)."""
    from backoffice.db import db
    from backoffice.models import Customer, Product, Site
    from exact_plugin.syncing import jobs as sync_jobs
    customer = Customer(name="Bench Customer BV", accounting_id="88001")
    customer.sites.append(Site(name="Main", is_main=True, address_line1="Kade 1", city="Delft",
                               country="NL"))
    products = [Product(name=f"Bench product {n}", accounting_id=f"88{n:03d}",
                        price=Decimal("10"), cost=Decimal("5")) for n in range(1, 4)]
    db.session.add_all([customer, *products])
    db.session.commit()
    sync_jobs.drain()
    return customer.id, [product.id for product in products]


def make_invoices(count, customer_id, product_ids, first_number=1, on_each=None):
    """`count` invoices of three lines, one commit each (each commit queues its push)."""
    from backoffice.db import db
    from backoffice.models import Invoice, InvoiceLine
    ids = []
    for offset in range(count):
        with db.session.no_autoflush:
            invoice = Invoice(number=f"BENCH-{first_number + offset:06d}", customer_id=customer_id)
            db.session.add(invoice)
            for product_id, (quantity, price) in zip(product_ids, LINES):
                invoice.lines.append(InvoiceLine(product_id=product_id, description="Bench line",
                                                 quantity=Decimal(quantity),
                                                 unit_price=Decimal(price)))
        db.session.commit()
        ids.append(invoice.id)
        if on_each:
            on_each(offset + 1)
    return ids


def synced_invoices(invoice_ids):
    from backoffice.db import db
    from exact_plugin.models import Binding
    db.session.rollback()
    return db.session.execute(db.select(db.func.count(Binding.id)).filter(
        Binding.host_model == "Invoice", Binding.host_id.in_(invoice_ids),
        Binding.sync_state == "synced", Binding.exact_number.is_not(None))).scalar()


def unsynced_details(invoice_ids):
    from backoffice.db import db
    from exact_plugin.models import Binding
    from exact_plugin.syncing.models import ExportState, OutboxEntry
    details = []
    for binding in db.session.execute(db.select(Binding).filter(
            Binding.host_model == "Invoice", Binding.host_id.in_(invoice_ids))).scalars():
        if binding.sync_state == "synced" and binding.exact_number:
            continue
        state = db.session.execute(db.select(ExportState).filter_by(
            binding_id=binding.id)).scalar_one_or_none()
        rows = db.session.execute(db.select(OutboxEntry).filter_by(
            host_model="Invoice", host_id=binding.host_id)).scalars().all()
        details.append({"invoice": binding.host_id, "state": binding.sync_state,
                        "error": binding.last_error, "exact_id": binding.exact_id,
                        "number": binding.exact_number,
                        "create_sent_at": state and state.create_sent_at,
                        "outbox": [(r.id, r.attempts, str(r.claimed_at), str(r.available_at),
                                    r.last_error) for r in rows]})
    return details[:10]


def wait_until_synced(invoice_ids, timeout, tick=None):
    """Poll until every invoice is synced with an Exact number; returns the seconds taken."""
    started = time.monotonic()
    while synced_invoices(invoice_ids) < len(invoice_ids):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"only {synced_invoices(invoice_ids)} of {len(invoice_ids)} "
                               f"invoices were synced after {timeout} s; the others: "
                               f"{unsynced_details(invoice_ids)}")
        if tick:
            tick()
        time.sleep(0.25)
    return time.monotonic() - started


def check_exact_invoices(sandbox, division, invoice_ids):
    """Problems found comparing Exact with the host: [] when each invoice is there exactly once
    with its three lines and totals, and the host shows Exact's number."""
    from backoffice.db import db
    from backoffice.models import Invoice
    from exact_plugin.models import Binding
    db.session.rollback()
    exact = [row for row in sandbox.records(division, "SalesInvoices", limit=100000)]
    lines = Counter()
    amounts = {}
    for line in sandbox.records(division, "SalesInvoiceLines", limit=1000000):
        lines[line["InvoiceID"]] += 1
        amounts[line["InvoiceID"]] = amounts.get(line["InvoiceID"], 0) + line["AmountFC"]
    by_ref = Counter(row["YourRef"] for row in exact)
    problems = []
    for invoice_id in invoice_ids:
        invoice = db.session.get(Invoice, invoice_id)
        binding = db.session.execute(db.select(Binding).filter_by(
            host_model="Invoice", host_id=invoice_id)).scalar_one()
        ref = binding.exact_code
        if by_ref[ref] != 1:
            problems.append(f"{ref}: {by_ref[ref]} invoices in Exact")
            continue
        row = next(row for row in exact if row["YourRef"] == ref)
        if lines[row["InvoiceID"]] != 3:
            problems.append(f"{ref}: {lines[row['InvoiceID']]} lines in Exact")
        if round(row["AmountFCExclVat"], 2) != float(invoice.total_net):
            problems.append(f"{ref}: Exact total {row['AmountFCExclVat']} != {invoice.total_net}")
        if invoice.number != str(row["InvoiceNumber"]):
            problems.append(f"{ref}: host number {invoice.number} != Exact {row['InvoiceNumber']}")
    return problems


def fault_run(app, sandbox, company, redis, invoices, customer_id, product_ids, workers=4,
              timeout=600, first_number=1, report=print):
    """The issue's fault run; returns (problems, figures)."""
    sandbox.set_limits(**UNLIMITED)
    sandbox.set_faults(drop=0.05, error503=0.05, seed=7)
    pool = WorkerPool(worker_env(app, redis.url, sandbox.base_url, FAST_WORKER_SETTINGS), workers)
    events = {"killed": False, "redis_restarted": False}
    try:
        started = time.monotonic()

        def chaos(done):
            if not events["killed"] and done >= invoices // 3:
                pool.kill(0)
                pool.restart_dead()
                events["killed"] = True
                report(f"  killed worker 1 after {done} invoices and started it again")
            if not events["redis_restarted"] and done >= 2 * invoices // 3:
                redis.restart()
                events["redis_restarted"] = True
                report(f"  restarted Redis after {done} invoices (its queue was lost)")
            if done % 25 == 0:
                pool.restart_dead()

        invoice_ids = make_invoices(invoices, customer_id, product_ids, first_number=first_number,
                                    on_each=chaos)
        wait_until_synced(invoice_ids, timeout, tick=pool.restart_dead)
        seconds = time.monotonic() - started
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}\nworker output:\n{pool.output()}") from None
    finally:
        pool.stop()
        sandbox.set_faults()
    stats = sandbox.stats()
    problems = check_exact_invoices(sandbox, company.division, invoice_ids)
    return problems, {"seconds": seconds, "stats": stats}


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
