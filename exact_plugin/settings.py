"""Every setting of the Exact Online plugin, in one place.

Each is read from the environment variable of the same name (typed by the host's parse
helpers), else the default here; a value already in the app's config (tests) wins. The host's
own settings (database, Redis, keys, PLUGINS) stay in backoffice/settings.py.
"""
from backoffice.settings import env_int, env_str


def env_float(name, default):
    value = env_str(name)
    return float(value) if value is not None else default


def plugin_settings():
    return {
        # Base URL of the local Exact Online sandbox (the "Local sandbox" location).
        "EXACT_SANDBOX_URL": env_str("EXACT_SANDBOX_URL", "http://127.0.0.1:5055"),
        "EXACT_REDIS_PREFIX": env_str("EXACT_REDIS_PREFIX", "exact"),
        "EXACT_HTTP_TIMEOUT": (10, env_float("EXACT_HTTP_READ_TIMEOUT", 60.0)),
        # The client's one retry policy for 502/503/504, time-outs and dropped reads: jobs and
        # the CLI, then web pages (DESIGN.md rule 3); what still fails goes back to the outbox.
        "EXACT_RETRY_ATTEMPTS": env_int("EXACT_RETRY_ATTEMPTS", 4),
        "EXACT_WEB_RETRY_ATTEMPTS": env_int("EXACT_WEB_RETRY_ATTEMPTS", 2),
        "EXACT_RETRY_WAIT_INITIAL": env_float("EXACT_RETRY_WAIT_INITIAL", 1.0),
        "EXACT_RETRY_WAIT_MAX": env_float("EXACT_RETRY_WAIT_MAX", 30.0),
        # Jobs wait for a rate-limit reset up to this long, then give up with ExactRateLimited.
        "EXACT_RATE_MAX_WAIT": env_float("EXACT_RATE_MAX_WAIT", 120.0),
        # Wait this much past Exact's reset time (clocks differ a little).
        "EXACT_RATE_RESET_MARGIN": env_float("EXACT_RATE_RESET_MARGIN", 0.5),
        "EXACT_429_RETRIES": env_int("EXACT_429_RETRIES", 5),
        # Stop calling an endpoint after this many errors in an hour (Exact blocks at 10).
        "EXACT_ERROR_BUDGET": env_int("EXACT_ERROR_BUDGET", 8),
        # Sync (seconds): how often the relay looks for outbox rows nobody queued (Redis down,
        # worker killed).
        "EXACT_SYNC_RELAY_SECONDS": env_int("EXACT_SYNC_RELAY_SECONDS", 60),
        # How often the payment status of invoices is read from Exact (docs/ledger.md).
        "EXACT_PAYMENTS_REFRESH_SECONDS": env_int("EXACT_PAYMENTS_REFRESH_SECONDS", 900),
        # A row taken by a job longer ago than this is taken again (its worker died).
        "EXACT_SYNC_LEASE_SECONDS": env_int("EXACT_SYNC_LEASE_SECONDS", 300),
        # The per-record lock expires after this, so a killed worker cannot hold a record.
        "EXACT_SYNC_LOCK_SECONDS": env_int("EXACT_SYNC_LOCK_SECONDS", 120),
        # How long a push waits for the record's lock held by another job.
        "EXACT_SYNC_LOCK_WAIT_SECONDS": env_int("EXACT_SYNC_LOCK_WAIT_SECONDS", 30),
        # First wait before an outbox row is tried again after a transient failure (doubles).
        "EXACT_SYNC_RETRY_SECONDS": env_int("EXACT_SYNC_RETRY_SECONDS", 30),
        "EXACT_SYNC_MAX_BACKOFF_SECONDS": env_int("EXACT_SYNC_MAX_BACKOFF_SECONDS", 3600),
        # A push job drains at most this many records of one company, for at most this many
        # seconds, then leaves the rest to the company's next job (syncing/pipeline.py), so
        # one company's backlog never holds a worker while another company waits.
        "EXACT_SYNC_BATCH_SIZE": env_int("EXACT_SYNC_BATCH_SIZE", 100),
        "EXACT_SYNC_BATCH_SECONDS": env_float("EXACT_SYNC_BATCH_SECONDS", 5.0),
        # Share of each division's daily call budget kept for admin actions and pushes:
        # imports and other background work stop before it (budget.py).
        "EXACT_DAILY_RESERVE": env_float("EXACT_DAILY_RESERVE", 0.2),
        # The outbound request log keeps every call (with its bodies) this many days; a daily
        # job removes older rows.
        "EXACT_OUTBOUND_RETENTION_DAYS": env_int("EXACT_OUTBOUND_RETENTION_DAYS", 90),
        # Webhooks (issue 15): requests a minute one receiver accepts; how long the job waits
        # for the rest of a burst; how long one of our writes waits for its notification.
        "EXACT_WEBHOOK_RATE_PER_MINUTE": env_int("EXACT_WEBHOOK_RATE_PER_MINUTE", 1200),
        "EXACT_WEBHOOK_COALESCE_SECONDS": env_float("EXACT_WEBHOOK_COALESCE_SECONDS", 1.0),
        "EXACT_WEBHOOK_ECHO_SECONDS": env_int("EXACT_WEBHOOK_ECHO_SECONDS", 300),
        # Reconciliation: the share of the daily call budget the nightly report may use.
        "EXACT_RECONCILE_BUDGET_SHARE": env_float("EXACT_RECONCILE_BUDGET_SHARE", 0.2),
        # Import runs (seconds): the process running one writes its heartbeat this often; one
        # without a heartbeat for the lease died with its worker and is shown stopped.
        "EXACT_IMPORT_HEARTBEAT": env_float("EXACT_IMPORT_HEARTBEAT", 5.0),
        "EXACT_IMPORT_LEASE": env_float("EXACT_IMPORT_LEASE", 30.0),
    }


def init_app(app):
    for name, value in plugin_settings().items():
        app.config.setdefault(name, value)
