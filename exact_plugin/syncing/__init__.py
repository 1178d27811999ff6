"""Syncing back-office changes to Exact Online (the guide's "Syncing to Exact Online").

Customers, suppliers, products and invoices are pushed on every save, exactly once:
- outbox.py: session events write an outbox row in the saving transaction and queue a job;
- jobs.py: the push job, the periodic relay and the drain used by `exact push-pending`;
- exporter.py: local checks, dependencies first, create or update, lost answers resolved by
  natural key; mappers in exact_plugin/mappers/outbound.py;
- forms.py: the "Exact Online company" field, the product ID Generate button, the sync badge
  with its Retry button and the list column, added to the host's admin views through hooks.
docs/syncing.md describes the whole flow.
"""
from exact_plugin.syncing import models  # noqa: F401  (registers the tables)

# Tunables, each overridable by an environment variable of the same name (seconds).
SETTINGS = {
    # How often the relay looks for outbox rows nobody queued (Redis down, worker killed).
    "EXACT_SYNC_RELAY_SECONDS": 60,
    # A row taken by a job longer ago than this is taken again (its worker died).
    "EXACT_SYNC_LEASE_SECONDS": 300,
    # The per-record lock expires after this, so a killed worker cannot hold a record.
    "EXACT_SYNC_LOCK_SECONDS": 120,
    # How long a push waits for the record's lock held by another job.
    "EXACT_SYNC_LOCK_WAIT_SECONDS": 30,
    # First wait before an outbox row is tried again after a transient failure (doubles).
    "EXACT_SYNC_RETRY_SECONDS": 30,
    "EXACT_SYNC_MAX_BACKOFF_SECONDS": 3600,
}


def init_app(app):
    from backoffice import hooks
    from backoffice.settings import env_int
    from exact_plugin.syncing import cli, forms, jobs, notices, outbox

    for name, default in SETTINGS.items():
        app.config.setdefault(name, env_int(name, default))
    app.extensions["exact_sync"] = {}
    outbox.install_listeners()
    for extension in forms.extensions():
        hooks.register_view_extension(app, extension())
    hooks.register_banner_source(app, notices.pending_banners)
    hooks.register_admin_setup(app, _add_admin_views)
    import jobs as job_queue
    job_queue.register_periodic_job(
        app, jobs.RELAY_JOB_ID, jobs.relay_outbox,
        interval=app.config["EXACT_SYNC_RELAY_SECONDS"])
    cli.init_app(app)


def _add_admin_views(admin, app):
    from exact_plugin.admin import sync as exact_sync
    exact_sync.add_views(admin)
