""""Send to Exact Online" on 2,000 selected customers, within Exact's call budget.

    .venv/bin/python bench/bench_send_selected.py [--customers 2000] [--window 3] [--workers 4]

Against a sandbox subprocess limited to 60 calls a minute whose "minute" is shortened to
`--window` seconds (exact_sandbox/limits.py, `--window-seconds`), PostgreSQL (database
psa_bench_send) and a private redis-server, with `--workers` `flask --app app worker`
processes, it:
1. makes the customers (each with a main site and an accounting ID, no Exact company yet),
   connects a company through the sandbox's OAuth flow and makes it the default;
2. serves the back office over HTTP, logs in, and presses "Send to Exact Online" on every
   customer with "all N matching" ticked (one POST, as the list page does), timing the answer;
3. while the workers send, asks the progress page, its JSON and the customer list every
   0.25 s and times every answer;
4. prints: customers in Exact (every one must arrive), calls sent, 429 answers, the share of
   the budget used (calls / (60 x windows the sending spanned)), and page answer times.
"""
import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402
from tests.fixtures.sync_faults import PrivateRedis, WorkerPool, worker_env  # noqa: E402

PASSWORD = "bench-password-123"
LIMIT = 60


def quiet_request_log():
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def make_app(redis_url):
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": fresh_postgres_url("psa_bench_send"),
                       "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-send-"), "TESTING": True,
                       "WTF_CSRF_ENABLED": True, "JOBS_ASYNC": True, "REDIS_URL": redis_url})


def make_customers(count):
    from backoffice.db import db
    from backoffice.models import Customer, Site, User
    user = User(login="admin", active=True)
    user.set_password(PASSWORD)
    db.session.add(user)
    for number in range(count):
        customer = Customer(name=f"Bench customer {number:05d}", accounting_id=str(100000 + number))
        customer.sites.append(Site(name="Main", is_main=True, address_line1=f"Street {number}",
                                   postcode="3511 AA", city="Utrecht", country="NL"))
        db.session.add(customer)
    db.session.commit()


def csrf(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(base_url):
    import requests
    http = requests.Session()
    token = csrf(http.get(f"{base_url}/login").text)
    answer = http.post(f"{base_url}/login", data={"login": "admin", "password": PASSWORD,
                                                  "csrf_token": token})
    assert "/login" not in answer.url, "login refused"
    return http


class Poller(threading.Thread):
    """Asks the pages an admin watches while the sending goes on, timing every answer."""

    def __init__(self, http, urls):
        super().__init__(daemon=True)
        self.http, self.urls, self.errors = http, urls, []
        self.times = {url: [] for url in urls}
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for url in self.urls:
                started = time.perf_counter()
                answer = self.http.get(url)
                self.times[url].append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    self.errors.append(f"{url}: {answer.status_code}")
            time.sleep(0.25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--window", type=int, default=30, help="the sandbox's 'minute', seconds")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    from tests.fixtures.browser import LiveServer
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import SandboxProcess
    redis = PrivateRedis()
    app = make_app(redis.url)
    sandbox_process = SandboxProcess("--minutely-limit", str(LIMIT), "--window-seconds",
                                     str(args.window), "--daily-limit", "1000000",
                                     "--no-error-block")
    sandbox = sandbox_process.sandbox
    workers = server = poller = None
    try:
        with app.app_context():
            from backoffice.db import db, upgrade
            from exact_plugin.models import Binding, IntegrationSettings, OutboundRequest
            upgrade()
            make_customers(args.customers)
            company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
            IntegrationSettings.get().default_connection_id = company.id
            db.session.commit()
            division = company.division
            sandbox.reset_stats()

            quiet_request_log()
            server = LiveServer(app).start()
            http = login(server.url)
            list_page = http.get(f"{server.url}/admin/customer/").text
            workers = WorkerPool(worker_env(app, redis.url, sandbox.base_url), args.workers)
            started = time.time()
            click_started = time.perf_counter()
            answer = http.post(f"{server.url}/admin/customer/action/", data={
                "csrf_token": csrf(list_page), "action": "exact_send", "all_matching": "1",
                "url": "/admin/customer/"}, allow_redirects=False)
            click_ms = (time.perf_counter() - click_started) * 1000
            progress_url = server.url + answer.headers["Location"]
            batch_json = re.sub(r"\?.*$", "", progress_url) + ".json"
            poller = Poller(http, [progress_url, batch_json, f"{server.url}/admin/customer/"])
            poller.start()
            print(f"Send to Exact Online: {args.customers} customers, sandbox limited to {LIMIT} "
                  f"calls per {args.window}-second window, {args.workers} workers, PostgreSQL")
            print(f"  the click (POST, every matching customer) answered in {click_ms:.0f} ms")
            deadline = time.time() + 4 * args.customers / LIMIT * args.window + 120
            figures = {}
            while time.time() < deadline:
                figures = http.get(batch_json).json()
                if figures["waiting"] == 0:
                    break
                time.sleep(1)
            poller.stopping.set()
            poller.join()
            elapsed = time.time() - started

            db.session.expire_all()
            calls = db.session.execute(db.select(OutboundRequest.created_at).filter(
                OutboundRequest.connection_id == company.id).order_by(OutboundRequest.id)
            ).scalars().all()
            refused = db.session.execute(db.select(db.func.count(OutboundRequest.id)).filter(
                OutboundRequest.status == 429)).scalar()
            synced = db.session.execute(db.select(db.func.count(Binding.id)).filter(
                Binding.host_model == "Customer", Binding.sync_state == "synced",
                Binding.exact_id.is_not(None))).scalar()
            in_exact = sandbox.stats()["entities"]
            accounts = len([row for row in sandbox.records(division, "Accounts",
                                                           limit=args.customers + 1000)
                            if str(row.get("Name", "")).startswith("Bench customer")])
            stats = sandbox.stats()
            windows = 0
            if calls:
                first, last = calls[0].timestamp(), calls[-1].timestamp()
                windows = int(last // args.window) - int(first // args.window) + 1
            used = len(calls) / (LIMIT * windows) if windows else 0
            print(f"  done in {elapsed:.1f} s; progress says {figures}")
            print(f"  customers in Exact: {accounts} of {args.customers}; synced bindings with "
                  f"an Exact ID: {synced}")
            print(f"  API calls logged: {len(calls)} over {windows} windows of {args.window} s "
                  f"-> budget used {100 * used:.1f} % (target >= 95 %); sandbox answered "
                  f"{stats['by_status']}; 429 answers logged: {refused}")
            print(f"  page answers while sending (target < 300 ms); errors: {poller.errors[:5]}")
            for url, times in poller.times.items():
                times = sorted(times)
                print(f"    {url.replace(server.url, ''):60s} {len(times):4d} requests, median "
                      f"{statistics.median(times):5.0f} ms, p95 "
                      f"{times[max(int(0.95 * len(times)) - 1, 0)]:5.0f} ms, max {times[-1]:5.0f} ms")
            print(f"  sandbox entity counts: {in_exact}")
    finally:
        if poller is not None:
            poller.stopping.set()
        if workers is not None:
            print(workers.output()[-2000:] if "--verbose" in sys.argv else "", end="")
            workers.stop()
        if server is not None:
            server.stop()
        sandbox_process.stop()
        redis.stop()


if __name__ == "__main__":
    main()
