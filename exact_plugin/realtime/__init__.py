"""Real time and no drift (issue 15): Exact webhooks in (receiver.py, jobs.py), the company's
subscriptions (subscriptions.py) and the reconciliation report (reconcile.py).
docs/realtime.md tells the whole story."""
from exact_plugin.realtime import models  # noqa: F401  (registers the tables)

SWEEP_SECONDS = 60


def init_app(app):
    from backoffice import hooks
    from jobs import register_periodic_job
    from exact_plugin.realtime import jobs, receiver
    app.register_blueprint(receiver.create_blueprint())
    register_periodic_job(app, "exact-webhooks-sweep", jobs.sweep, interval=SWEEP_SECONDS)
    from exact_plugin.realtime import reconcile
    # Nightly, at a quiet hour (UTC), after the token keep-alive.
    register_periodic_job(app, "exact-reconcile-nightly", reconcile.nightly, cron="41 2 * * *")
    hooks.register_admin_setup(app, _add_admin_views)
    hooks.register_banner_source(app, reconcile.summary_banners)
    from exact_plugin.admin import realtime as screens
    screens.register_extensions(app)


def _add_admin_views(admin, app):
    from exact_plugin.admin import realtime
    realtime.add_views(admin)
