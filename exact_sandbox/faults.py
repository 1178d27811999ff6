"""Fault injection for /api/v1/ calls (off by default, docs/sandbox.md §Faults).

Spec syntax: ``latency=0.05,error503=0.05,drop=0.05,revoke=0.01,seed=7`` where
latency is seconds added to every call and the others are shares (0..1) of calls.
"""
import random
import socket
import threading
import time

from flask import Response

KINDS = ("latency", "error503", "drop", "revoke")


def parse_spec(spec: str | dict | None) -> dict:
    if isinstance(spec, dict):
        values = dict(spec)
    else:
        values = {}
        for part in filter(None, (spec or "").split(",")):
            name, _, value = part.partition("=")
            values[name.strip()] = value.strip()
    unknown = set(values) - set(KINDS) - {"seed"}
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
    faults = {kind: float(values.get(kind) or 0) for kind in KINDS}
    faults["seed"] = int(values.get("seed") or 0)
    return faults


class FaultPlan:
    def __init__(self, state, spec=None):
        self.state = state
        self.lock = threading.Lock()
        self.configure(spec)

    def configure(self, spec) -> None:
        with self.lock:
            self.faults = parse_spec(spec)
            self.random = random.Random(self.faults["seed"])

    def draw(self) -> dict:
        """Decide, deterministically for a seed, which faults hit the next call."""
        with self.lock:
            return {kind: self.random.random() < self.faults[kind] for kind in ("error503", "drop", "revoke")}

    def as_dict(self) -> dict:
        return dict(self.faults)


class FaultMiddleware:
    """WSGI wrapper: latency and 503 before anything, token revocation, dropped responses."""

    def __init__(self, wsgi_app, state):
        self.wsgi_app, self.state = wsgi_app, state

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/api/v1/"):
            return self.wsgi_app(environ, start_response)
        plan = self.state.faults
        if plan.faults["latency"]:
            time.sleep(plan.faults["latency"])
        hits = plan.draw()
        if hits["error503"]:
            self.state.stats.record_fault("error503")
            return Response("Service Unavailable", 503, mimetype="text/plain")(environ, start_response)
        if hits["revoke"]:
            self.revoke_caller(environ)
        if hits["drop"]:
            return self.drop(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def revoke_caller(self, environ) -> None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("bearer "):
            self.state.oauth.revoke(header[7:].strip())
            self.state.stats.record_fault("revoke")

    def drop(self, environ, start_response):
        """Commit the call, then close the connection without sending the response."""
        def swallow(status, headers, exc_info=None):
            return lambda data: None
        body = self.wsgi_app(environ, swallow)
        for _ in body:
            pass
        if hasattr(body, "close"):
            body.close()
        self.state.stats.record_fault("drop")
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # werkzeug treats ConnectionError from the app as a dropped client and stays quiet
        raise ConnectionAbortedError("sandbox fault: response dropped")
