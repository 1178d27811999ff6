"""Test control and statistics under /_sandbox/ (not part of Exact; docs/sandbox.md §Control)."""
import hmac
import json

from flask import Blueprint, jsonify, request

from . import entities as E
from .errors import ODataError
from .state import RUNTIME_SETTINGS

TOKEN_HEADER = "X-Sandbox-Token"
LIMIT_TYPES = {"minutely_limit": int, "daily_limit": int, "window_seconds": int, "token_daily_limit": int,
               "error_block": bool, "language": str}


def create_blueprint(state) -> Blueprint:
    bp = Blueprint("control", __name__, url_prefix="/_sandbox")

    @bp.errorhandler(ODataError)
    def odata_error(error):
        return jsonify(error.body()), error.status

    @bp.errorhandler(ValueError)
    def bad_value(error):
        return jsonify({"error": str(error)}), 400

    @bp.before_request
    def require_control_token():
        """Without the token nothing here answers: no other site or local user can reset,
        reseed or fault the sandbox (a cross-site form cannot send a header)."""
        sent = request.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(sent.encode(), state.control_token.encode()):
            return jsonify({"error": f"The sandbox control API needs the {TOKEN_HEADER} header "
                                     "with the control token printed when the sandbox started."}), 403
        state.note_base_url(request.host_url)
        return None

    def payload() -> dict:
        return request.get_json(silent=True) or {}

    @bp.get("/stats")
    def stats():
        return jsonify(state.stats.snapshot())

    @bp.post("/reset-stats")
    def reset_stats():
        state.stats.reset()
        return jsonify(ok=True)

    @bp.post("/reset")
    def reset():
        state.reset(**payload())
        return jsonify(ok=True, app=state.demo_app)

    @bp.post("/reseed")
    def reseed():
        body = payload()
        state.reseed(**{name: body.get(name) for name in ("accounts", "items", "divisions", "seed")})
        return jsonify(ok=True, entities=state.store.count_by_entity())

    @bp.route("/clock", methods=["GET", "POST"])
    def clock():
        body = payload()
        if "offset" in body:
            state.clock.set_offset(float(body["offset"]))
        if "advance" in body:
            state.clock.advance(float(body["advance"]))
        return jsonify(now=state.clock.now(), offset=state.clock.offset)

    @bp.route("/faults", methods=["GET", "POST"])
    def faults():
        if request.method == "POST":
            body = payload()
            state.faults.configure(body["spec"] if "spec" in body else body)
        return jsonify(state.faults.as_dict())

    @bp.route("/limits", methods=["GET", "POST"])
    def limits():
        for name, value in payload().items():
            if name not in LIMIT_TYPES:
                raise ValueError(f"unknown limit '{name}'; known: {', '.join(RUNTIME_SETTINGS)}")
            state.settings[name] = LIMIT_TYPES[name](value)
        return jsonify(state.settings)

    @bp.post("/divisions/<int:division>/settings")
    def division_settings(division):
        for name, value in payload().items():
            state.set_division_setting(division, name, value)
        return jsonify(state.store.kv_get(f"division:{division}", {}))

    @bp.route("/apps", methods=["GET", "POST"])
    def apps():
        if request.method == "POST":
            body = payload()
            return jsonify(state.oauth.register_app(body.get("client_id"), body.get("client_secret"),
                                                    body.get("redirect_uri"), body.get("webhook_secret"),
                                                    body.get("name")))
        return jsonify(state.oauth.apps())

    @bp.post("/revoke")
    def revoke():
        return jsonify(revoked=state.oauth.revoke(payload().get("token", "")))

    def entity_named(name: str) -> E.Entity:
        if name not in E.BY_NAME:
            raise ODataError(404, f"Unknown entity '{name}'; known: {', '.join(E.BY_NAME)}")
        return E.BY_NAME[name]

    @bp.get("/records/<int:division>/<name>")
    def list_records(division, name):
        entity = entity_named(name)
        limit, offset = int(request.args.get("limit", 1000)), int(request.args.get("offset", 0))
        rows = state.store.select("SELECT data, ts FROM records WHERE division = ? AND entity = ? ORDER BY seq "
                                  "LIMIT ? OFFSET ?", [division, entity.stored_as, limit, offset])
        return jsonify([{**json.loads(data), "Timestamp": ts} for data, ts in rows])

    @bp.post("/records/<int:division>/<name>")
    def create_record(division, name):
        record, _ = state.records.create(division, entity_named(name), payload(), trusted=True,
                                         context={"client_id": state.config["client_id"]})
        return jsonify(record), 201

    @bp.get("/records/<int:division>/<name>/<key>")
    def get_record(division, name, key):
        record = state.records.get(division, entity_named(name), key)
        if record is None:
            raise ODataError(404, "Not found")
        return jsonify(record)

    @bp.put("/records/<int:division>/<name>/<key>")
    def update_record(division, name, key):
        return jsonify(state.records.update(division, entity_named(name), key, payload(), trusted=True))

    @bp.delete("/records/<int:division>/<name>/<key>")
    def delete_record(division, name, key):
        state.records.delete(division, entity_named(name), key)
        return jsonify(ok=True)

    @bp.get("/webhooks")
    def webhook_deliveries():
        return jsonify(state.stats.snapshot()["webhook_deliveries"])

    return bp
