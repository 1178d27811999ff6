"""Payment status of pushed invoices refreshed from Exact's receivables: API calls and seconds.

    .venv/bin/python bench/bench_payment_status.py [--invoices 10000] [--paid 2000]
        [--partly-paid 500] [--then-paid 1000]

An in-process sandbox server (real HTTP for the plugin, default rate limits: 60 calls a
minute) holds `--invoices` processed invoices made through its control API (called in-process
to set up quickly), each bound to a back-office invoice (PostgreSQL, database
psa_bench_payments). Some are paid in full or in part "in Exact" first. It prints, for
the first refresh (nothing known yet) and for a second one after `--then-paid` more payments
(incremental), the API calls (the sandbox's own count) against the target
ceil(invoices / 1000) + 5, and the seconds taken.
"""
import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
from bench.benchdb import fresh_postgres_url  # noqa: E402


def control(server, path, body):
    """The sandbox's control API, called in-process (the set-up is not what is measured)."""
    from tests.fixtures.sandbox import CONTROL_TOKEN
    response = server.app.test_client().post(f"/_sandbox/{path}", json=body,
                                             headers={"X-Sandbox-Token": CONTROL_TOKEN})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


def make_exact_invoices(server, division, count):
    """Processed invoices made "in Exact" (control API, not rate limited); [(id, number, ref)]."""
    made = []
    for n in range(1, count + 1):
        body = {"AccountCode": "1", "YourRef": f"INV-{n:06d}", "process": True,
                "SalesInvoiceLines": [{"ItemCode": "SRV00001", "Quantity": 1}]}
        invoice = control(server, f"invoices/{division}", body)
        made.append((invoice["InvoiceID"], str(invoice["InvoiceNumber"]), body["YourRef"]))
    return made


def pay(server, division, invoices, share=None):
    for invoice in invoices:
        payment = {"InvoiceID": invoice[0]}
        if share is not None:
            payment["Amount"] = share
        control(server, f"payments/{division}", payment)


def bind_host_invoices(company, exact_invoices):
    """One host invoice per Exact invoice, bound to it as a push would have left it."""
    from backoffice.db import db
    from backoffice.models import Customer, Invoice
    from exact_plugin.models import Binding
    customer = Customer(name="Bench customer", accounting_id="1")
    db.session.add(customer)
    db.session.flush()
    db.session.execute(db.insert(Invoice), [
        {"number": number, "customer_id": customer.id, "status": "sent", "currency": "EUR",
         "total_net": 0, "total_tax": 0, "total_gross": 0} for _id, number, _ref in exact_invoices])
    ids = dict(db.session.execute(db.select(Invoice.number, Invoice.id)).all())
    db.session.execute(db.insert(Binding), [
        {"connection_id": company.id, "host_model": "Invoice", "host_id": ids[number],
         "exact_id": exact_id, "exact_code": ref, "exact_number": number,
         "sync_state": "synced"} for exact_id, number, ref in exact_invoices])
    db.session.commit()


def refresh(company_id, sandbox):
    from exact_plugin.ledger import payments
    sandbox.reset_stats()
    started = time.perf_counter()
    summary = payments.refresh_company(company_id)
    seconds = time.perf_counter() - started
    stats = sandbox.stats()
    calls = sum(count for name, count in stats["calls"].items() if "Receivables" in name)
    return summary, calls, seconds


def statuses():
    from backoffice.db import db
    from exact_plugin.ledger.models import PaymentStatus
    return dict(db.session.execute(db.select(PaymentStatus.status, db.func.count())
                                   .group_by(PaymentStatus.status)).all())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10000)
    parser.add_argument("--paid", type=int, default=2000)
    parser.add_argument("--partly-paid", type=int, default=500)
    parser.add_argument("--then-paid", type=int, default=1000)
    args = parser.parse_args()

    from app import create_app
    from backoffice.db import upgrade
    from tests.fixtures.exact import connect_company
    from tests.fixtures.sandbox import InProcessServer, Sandbox
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_postgres_url("psa_bench_payments"),
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-payments-"),
                      "TESTING": True})
    server = InProcessServer({"accounts": 30, "items": 5})
    sandbox = Sandbox(server.base_url)
    target = math.ceil(args.invoices / 1000) + 5
    try:
        with app.app_context():
            upgrade()
            company = connect_company(app, sandbox, "Bench company", sandbox.divisions[0])
            division = company.division
            started = time.perf_counter()
            made = make_exact_invoices(server, division, args.invoices)
            paid_first = made[:args.paid]
            partly = made[args.paid:args.paid + args.partly_paid]
            pay(server, division, paid_first)
            pay(server, division, partly, share=10.0)
            bind_host_invoices(company, made)
            print(f"Payment status benchmark: {args.invoices} processed invoices in Exact, "
                  f"{args.paid} paid, {args.partly_paid} partly paid (set up in "
                  f"{time.perf_counter() - started:.0f} s); target at most {target} calls")
            summary, calls, seconds = refresh(company.id, sandbox)
            print(f"  first refresh:       {calls:3d} API calls, {seconds:6.1f} s  "
                  f"({summary}) -> {statuses()}")
            later = made[args.paid + args.partly_paid:][:args.then_paid]
            pay(server, division, later)
            summary, calls, seconds = refresh(company.id, sandbox)
            print(f"  after {args.then_paid} more payments: {calls:3d} API calls, "
                  f"{seconds:6.1f} s  ({summary}) -> {statuses()}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
