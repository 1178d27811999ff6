"""Where a database write comes from, so the plugin's own writes are not sent back to Exact.

The importer's writes (IMPORT) and the exporter's write-backs (EXPORT) are tagged on the
session; the outbox listener skips tagged flushes (DESIGN.md rule 5: no loops).
"""
from contextlib import contextmanager

from backoffice.db import db

ORIGIN_KEY = "exact_origin"
IMPORT = "import"
EXPORT = "export"


@contextmanager
def tagged(origin):
    """Every flush inside is tagged as coming from `origin`; the previous tag comes back after."""
    info = db.session.info
    previous = info.get(ORIGIN_KEY)
    info[ORIGIN_KEY] = origin
    try:
        yield db.session
    finally:
        if previous is None:
            info.pop(ORIGIN_KEY, None)
        else:
            info[ORIGIN_KEY] = previous


def importing_session():
    return tagged(IMPORT)


def is_plugin_write(session):
    """Whether this session's writes come from the importer or the exporter."""
    return session.info.get(ORIGIN_KEY) in (IMPORT, EXPORT)
