"""A local stand-in for Exact Online (docs/sandbox.md).

``create_app(config)`` builds the Flask app; ``app.extensions["exact_sandbox"]``
holds the ``SandboxState`` for in-process use.
"""
from flask import Flask

from . import browser, control, oauth, rest
from .faults import FaultMiddleware
from .state import DEFAULT_CONFIG, SandboxState

__all__ = ["create_app", "SandboxState", "DEFAULT_CONFIG"]


def create_app(config: dict | None = None) -> Flask:
    state = SandboxState(config)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["exact_sandbox"] = state
    app.register_blueprint(oauth.create_blueprint(state))
    app.register_blueprint(rest.create_blueprint(state))
    app.register_blueprint(control.create_blueprint(state))
    app.register_blueprint(browser.create_blueprint(state))
    app.wsgi_app = FaultMiddleware(app.wsgi_app, state)
    return app
