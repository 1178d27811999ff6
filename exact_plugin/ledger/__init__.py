"""The ledger after the push: payments read back from Exact, credit notes, deletions.

- models.py: the payment status of each invoice that reached Exact (plugin side; the host
  knows only its own invoices and credit notes);
- payments.py: the incremental refresh from Exact's receivables, within the rate budget;
- screens.py: the invoice list's payment column and filter, the lock on paid invoices, and
  the refusal to delete records bound to Exact ("archive instead");
- codes.py: the supplier code rule on the supplier and customer forms.
docs/ledger.md describes the rules.
"""
from exact_plugin.ledger import models  # noqa: F401  (registers the tables)

REFRESH_JOB_ID = "exact-payment-status"


def init_app(app):
    from backoffice import hooks
    from exact_plugin.ledger import payments, screens
    import jobs
    for extension in screens.extensions():
        hooks.register_view_extension(app, extension)
    jobs.register_periodic_job(app, REFRESH_JOB_ID, payments.refresh_all_companies,
                               interval=app.config["EXACT_PAYMENTS_REFRESH_SECONDS"])
