"""Fault injection for /api/v1/ calls (off by default, docs/sandbox.md §Faults).

Spec syntax: ``latency=0.05,error503=0.05,drop=0.05,revoke=0.01,seed=7`` where
latency is seconds added to every call and the others are shares (0..1) of calls.

The malformed-200 faults hit GET calls only: ``empty200`` (200 with an empty body),
``null200`` (``{"d": null}``), ``html200`` (200 with an HTML page, as a maintenance page or a
proxy answers), ``noid`` (the rows of a list without their ``ID``) and ``loopnext`` (a
``__next`` link pointing back at the page itself). They are what a real API's bad day can look
like, never what Exact sends normally, so each is a fault, off unless asked for.
"""
import json
import random
import socket
import threading
import time

from flask import Response

KINDS = ("latency", "error503", "drop", "revoke", "empty200", "null200", "html200", "noid",
         "loopnext")
DRAWN = KINDS[1:]
MALFORMED = ("empty200", "null200", "html200", "noid", "loopnext")


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
            return {kind: self.random.random() < self.faults[kind] for kind in DRAWN}

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
        if environ.get("REQUEST_METHOD") == "GET":
            for kind in MALFORMED:
                if hits[kind]:
                    self.state.stats.record_fault(kind)
                    return self.malformed(kind, environ, start_response)
        return self.wsgi_app(environ, start_response)

    def malformed(self, kind, environ, start_response):
        """A 200 answer that is not what Exact sends (see the module docstring)."""
        if kind == "empty200":
            return Response(b"", 200, mimetype="application/json")(environ, start_response)
        if kind == "null200":
            return Response(b'{"d": null}', 200, mimetype="application/json")(environ, start_response)
        if kind == "html200":
            page = b"<!DOCTYPE html><html><body><h1>Exact Online is being updated</h1></body></html>"
            return Response(page, 200, mimetype="text/html")(environ, start_response)
        captured = {}

        def keep(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None
        body = b"".join(self.wsgi_app(environ, keep))
        try:
            payload = json.loads(body)
            data = payload["d"]
        except (ValueError, KeyError, TypeError):
            return Response(body, captured.get("status", "200 OK"))(environ, start_response)
        rows = data.get("results") if isinstance(data, dict) else None
        if kind == "noid" and isinstance(rows, list):
            for row in rows:
                row.pop("ID", None)
        if kind == "loopnext" and isinstance(rows, list):
            query = environ.get("QUERY_STRING")
            data["__next"] = (f"{self.state.base_url}{environ.get('PATH_INFO', '')}"
                              + (f"?{query}" if query else ""))
        return Response(json.dumps(payload), 200, mimetype="application/json")(environ, start_response)

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
