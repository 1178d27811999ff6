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

def init_app(app):
    from backoffice import hooks
    from exact_plugin.syncing import cli, forms, jobs, notices, outbox

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
