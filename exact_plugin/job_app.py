"""The one app context a plugin job runs in.

Inside the web app, the embedded queue and the tests a job finds the current app; a plain
`rq worker` started without the Flask CLI has none, so one app is built per process.
"""
from contextlib import contextmanager

from flask import current_app, has_app_context

_worker_app = None


def job_app():
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app
        _worker_app = create_app()
    return _worker_app


@contextmanager
def app_context():
    """The current app context, or the worker's app pushed for the job."""
    if has_app_context():
        yield current_app
        return
    app = job_app()
    with app.app_context():
        yield app
