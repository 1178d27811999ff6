"""Marking the importer's writes so they are not sent back to Exact (DESIGN.md rule 5)."""
from contextlib import contextmanager

from backoffice.db import db

ORIGIN_KEY = "exact_origin"
IMPORT_ORIGIN = "import"


@contextmanager
def importing_session():
    """Every flush inside is tagged as coming from an import; the outbound listener skips it."""
    info = db.session.info
    previous = info.get(ORIGIN_KEY)
    info[ORIGIN_KEY] = IMPORT_ORIGIN
    try:
        yield db.session
    finally:
        if previous is None:
            info.pop(ORIGIN_KEY, None)
        else:
            info[ORIGIN_KEY] = previous
