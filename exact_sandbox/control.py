"""Test control and statistics under /_sandbox/ (not part of Exact; docs/sandbox.md §Control)."""
import hmac
import json

from flask import Blueprint, jsonify, request

from . import entities as E
from . import receivables
from .errors import ODataError
from .invoices import lines_of, process_invoice
from .odata import parse_datetime_ms
from .values import pad
from .state import RUNTIME_SETTINGS

TOKEN_HEADER = "X-Sandbox-Token"
LIMIT_TYPES = {"minutely_limit": int, "daily_limit": int, "window_seconds": int, "token_daily_limit": int,
               "error_block": bool, "language": str, "webhook_validation_delay": float, "webhook_delivery": bool}


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

    @bp.post("/divisions/<int:division>/move")
    def move_division(division):
        """Exact moved the division to another database: Timestamps regenerated, DivisionMoveDate set."""
        state.store.move_division(division, state.clock.now_ms())
        return jsonify({"division": division, "moved": True})

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

    @bp.post("/invoices/<int:division>")
    def create_invoice(division):
        """A sales invoice made "by a user in Exact" (docs/sandbox.md §Sales invoices made in Exact).

        Body: the API's SalesInvoices POST body, where ``AccountCode`` may replace ``OrderedBy`` and a
        line's ``ItemCode`` its ``Item``; ``process`` (default true) also prints it (status 50, receivable),
        ``InvoiceDate`` sets the processing date.  Exact's rules apply as for an API POST.
        """
        body = payload()
        process, invoice_date = body.pop("process", True), body.pop("InvoiceDate", None)
        if "AccountCode" in body:
            account = state.store.find(division, "Accounts", "Code", pad(body.pop("AccountCode"), ("r", 18)))
            body["OrderedBy"] = (account or {}).get("ID", "unknown account code")
        for line in body.get("SalesInvoiceLines") or []:
            if isinstance(line, dict) and "ItemCode" in line:
                item = state.store.find(division, "Items", "Code", line.pop("ItemCode"))
                line["Item"] = (item or {}).get("ID", "unknown item code")
        record, _ = state.records.create(division, E.SALES_INVOICES, body,
                                         context={"client_id": state.config["client_id"]})
        if process:
            record = process_invoice(state.records, division, record["InvoiceID"],
                                     parse_datetime_ms(invoice_date) if invoice_date else None)
        return jsonify({**record, "SalesInvoiceLines": lines_of(state.records, division, record["InvoiceID"])}), 201

    @bp.post("/payments/<int:division>")
    def record_payment(division):
        """A payment booked "in Exact": {InvoiceID | InvoiceNumber [+ Journal], Amount?, Date?} (docs/sandbox.md)."""
        body = payload()
        invoice = receivables.find_invoice(state.records, division, body)
        paid_on = parse_datetime_ms(body["Date"]) if body.get("Date") else state.clock.now_ms()
        rows = receivables.record_payment(state.records, division, invoice["InvoiceID"], body.get("Amount"), paid_on)
        return jsonify(InvoiceID=invoice["InvoiceID"], InvoiceNumber=invoice.get("InvoiceNumber"),
                       outstanding=receivables.outstanding(rows), receivables=rows)

    @bp.get("/webhooks")
    def webhook_deliveries():
        return jsonify(state.stats.snapshot()["webhook_deliveries"])

    @bp.get("/webhooks/subscriptions")
    def webhook_subscriptions():
        """Every subscription with its validation state (Exact does not expose it over the API)."""
        rows = state.store.select("SELECT division, data FROM records WHERE entity = 'WebhookSubscriptions' "
                                  "ORDER BY seq", [])
        return jsonify([{**json.loads(data), "division": division, **{
            f"validation_{name}": value for name, value in state.webhooks.validation(json.loads(data)["ID"]).items()}}
            for division, data in rows])

    return bp
