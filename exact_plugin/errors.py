"""Typed errors of the Exact Online integration.

Each carries a message an admin can act on; `retryable` says whether a job may try again later.
"""


class ExactError(Exception):
    """Base class. `message` is shown to admins as is."""
    retryable = False

    def __init__(self, message, *, status=None, body=None, url=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.url = url


class ExactTransientError(ExactError):
    """502/503/504 or a time-out: try again with backoff."""
    retryable = True


class ExactUnavailable(ExactTransientError):
    """Exact could not answer (502/503/504, a time-out, a dropped connection on a read or an
    idempotent write): the client retries these itself with backoff."""


class ExactOutcomeUnknown(ExactTransientError):
    """The connection dropped after the request was sent: a write may or may not have happened.

    Never re-send a create after this: look the record up by its natural key first.
    """


class ExactRateLimited(ExactTransientError):
    """The division's call budget is spent. `reset_at` is the epoch second it refills."""

    def __init__(self, message, *, reset_at=None, daily=False, **kwargs):
        super().__init__(message, **kwargs)
        self.reset_at = reset_at
        self.daily = daily


class ExactBudgetReserved(ExactRateLimited):
    """The call's class (budget.py) stops before the reserve of today's budget: the work is
    deferred to the daily reset, which `reset_at` gives."""

    def __init__(self, message, **kwargs):
        super().__init__(message, daily=True, **kwargs)


class ExactValidationError(ExactError):
    """Exact refused the data (500 with an OData error body, or 400): not retried."""


class ExactNotFound(ExactError):
    """404: the record or endpoint does not exist."""


class ExactForbidden(ExactError):
    """403, with Exact's `Reason` header (NoDivisionAccess, BlockedUser, ...)."""

    def __init__(self, message, *, reason=None, **kwargs):
        super().__init__(message, **kwargs)
        self.reason = reason


class ExactErrorBudgetExhausted(ExactError):
    """We stopped calling an endpoint before Exact's 10-errors-per-hour block."""
    retryable = True


class NeedsReconnect(ExactError):
    """The company's authorisation is gone (refresh token used, expired or app revoked).

    Only the admin can fix it, by reconnecting the company.
    """


class NotConnected(ExactError):
    """The company has no token or no division chosen yet."""


class LocalValidationError(ExactError):
    """Refused before any API call, e.g. a product without a product ID on an invoice line."""


class ExactBadAnswer(ExactTransientError):
    """Exact answered 200 with something it never sends (an empty body, `{"d": null}`, an HTML
    page, rows without their key, a `__next` link that repeats). Nothing of it is used: an
    import stops without counting or deleting anything, a sync is tried again later."""
