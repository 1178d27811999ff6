"""The REST API under /api/v1/ (reference §2, §3, §6).

``ApiCall`` runs one request through the same gates as Exact, in order:
token (401) → division access (403 NoDivisionAccess) → hourly error block (403)
→ rate limit (429) → Accept (406) → the endpoint itself.  Endpoints are found
in the declarative tables of ``entities``.
"""
import json
import re
from urllib.parse import urlencode, quote

from flask import Blueprint, Response, request

from . import entities as E
from .errors import ODataError
from .fieldsets import SYNC_INVOICE_LINE_FIELDS
from .invoices import lines_of, process_invoice
from .odata import compile_filter, fields_in, format_date, parse_filter

NORMAL_PAGE, BULK_PAGE = 60, 1000   # Exact: page sizes (reference §3.3)
KEYED_PATH = re.compile(r"^(?P<path>[A-Za-z/]+?)(?:\((?P<key>[^)]*)\)(?:/(?P<nav>[A-Za-z]+))?)?(?P<count>/\$count)?$")
MANDATORY_FILTER = ("This endpoint has mandatory filtering applied. A GET request for this endpoint must have a "
                    "$filter parameter with one of the following fields in the url:{}.")
SELECT_REQUIRED = "Please add a $select or a $top=1 statement to the query string."
# Exact: sync/Logistics/Items rejects $select=* (reference §3.4); bulk endpoints need "a selection of one or
# more of the resource properties" (pisys Bulk/**). Wording unverified (docs/sandbox.md §Strictness).
SELECT_ALL_REFUSED = "$select=* is not supported for this endpoint. Please select the properties you need."
PRINTED = "salesinvoice/PrintedSalesInvoices"
# Exact: the documented properties of current/Me (reference §2; picqer Me.php, which types
# CurrentDivision, AccountingDivision, DossierDivision and Legislation as int, ServerUtcOffset as float)
ME_FIELDS = ("UserID", "AccountingDivision", "CurrentDivision", "CustomerCode", "DivisionCustomer",
             "DivisionCustomerCode", "DivisionCustomerName", "DivisionCustomerSiretNumber",
             "DivisionCustomerVatNumber", "DossierDivision", "Email", "EmployeeID", "FirstName", "FullName", "Gender",
             "Initials", "IsClientUser", "IsEmployeeSelfServiceUser", "IsMyFirmLiteUser", "IsMyFirmPortalUser",
             "IsOEIMigrationMandatory", "IsStarterUser", "Language", "LanguageCode", "LastName", "Legislation",
             "MiddleName", "Mobile", "Nationality", "PackageCode", "Phone", "PhoneExtension", "PictureUrl",
             "ServerTime", "ServerUtcOffset", "ThumbnailPicture", "ThumbnailPictureFormat", "Title", "UserName")


class Unauthorized(Exception):
    """Missing, unknown, expired or revoked access token."""


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload), status, headers=headers or {}, mimetype="application/json")


def key_literal(entity: E.Entity, value) -> str:
    return str(value) if entity.key == "Code" else f"guid'{value}'"


def parse_key(text: str):
    match = re.fullmatch(r"guid'([^']*)'", text.strip())
    if match:
        return match.group(1)
    return text.strip().strip("'").rstrip("L")


class Endpoint:
    """A resolved URL: which entity, in which mode (normal, bulk, sync) or a special endpoint."""

    def __init__(self, template: str, entity: E.Entity | None, mode: str):
        self.template, self.entity, self.mode = template, entity, mode

    @classmethod
    def resolve(cls, path: str) -> "Endpoint | None":
        if path in E.BY_PATH:
            return cls(path, E.BY_PATH[path], "normal")
        if path in E.BULK:
            return cls(path, E.BULK[path], "bulk")
        if path in E.SYNC:
            return cls(path, E.SYNC[path], "sync")
        if path == PRINTED:
            return cls(path, None, "printed")
        return None

    @property
    def page_size(self) -> int:
        return NORMAL_PAGE if self.mode == "normal" else BULK_PAGE

    @property
    def invoice_sync(self) -> bool:
        return self.mode == "sync" and self.entity is E.SALES_INVOICES

    def output_fields(self) -> tuple:
        """The properties this endpoint has: sync endpoints their own documented list (fieldsets.py)."""
        if self.mode == "sync":
            return E.SYNC_FIELDS[self.template]
        return self.entity.fields

    def navigation_fields(self) -> tuple:
        if self.mode == "sync":
            return tuple(name for name in self.entity.deferred if name in E.SYNC_FIELDS[self.template])
        return self.entity.deferred


class ApiCall:
    def __init__(self, state, rest: str):
        self.state, self.rest = state, rest
        self.division = None
        self.endpoint: Endpoint | None = None
        self.grant = None
        self.headers: dict = {}
        self.expand_everything = False

    # -- entry ----------------------------------------------------------------
    def respond(self) -> Response:
        self.state.note_base_url(request.host_url)
        template = self.rest
        try:
            response = self.dispatch()
        except Unauthorized:
            response = Response(b"", 401, headers={"WWW-Authenticate": "Bearer"})
        except TooManyRequests:
            response = Response(b"", 429)  # Exact: empty body (reference §4)
        except ODataError as error:
            response = json_response(error.body(), error.status, error.headers)
        if self.endpoint:
            template = self.endpoint.template
        response.headers.update(self.headers)
        self.account(template, response.status_code)
        return response

    def account(self, template: str, status: int) -> None:
        self.state.stats.record_call(request.method, template, self.division, status)
        if self.grant is not None and self.division is not None and self.endpoint is not None:
            self.state.error_budget.record(self.grant.client_id, self.division, self.endpoint.template, status)

    def dispatch(self) -> Response:
        if self.rest.split("?")[0] in ("current/Me", "current/me"):
            self.authenticate()
            return self.me()
        first, _, path = self.rest.partition("/")
        if not first.isdigit():
            raise ODataError(404, f"Resource not found for the segment '{first}'.")
        self.division = int(first)
        match = KEYED_PATH.match(path)
        self.endpoint = Endpoint.resolve(match.group("path")) if match else None
        self.authenticate()
        self.check_division()
        self.check_error_block()
        self.check_rate_limit()
        if self.endpoint is None:
            raise ODataError(404, f"Resource not found for the segment '{path}'.")
        key = parse_key(match.group("key")) if match.group("key") is not None else None
        if match.group("count"):
            return self.count()
        self.check_accept()
        if match.group("nav"):
            return self.follow_navigation(key, match.group("nav"))
        return self.route(key)

    # -- gates ----------------------------------------------------------------
    def authenticate(self) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        self.grant = self.state.oauth.grant_for(token)
        if not self.state.oauth.is_valid(self.grant):
            raise Unauthorized()

    def check_division(self) -> None:
        if self.division not in self.grant.divisions:
            raise ODataError(403, "Forbidden", {"Reason": "NoDivisionAccess"})  # reference §1.5

    def check_error_block(self) -> None:
        if self.endpoint and self.state.error_budget.is_blocked(self.grant.client_id, self.division,
                                                                self.endpoint.template):
            raise ODataError(403, "Too many errors in the past hour for this endpoint.",
                             {"Reason": "TooManyErrors"})

    def check_rate_limit(self) -> None:
        allowed, headers = self.state.rate_limiter.spend(self.grant.client_id, self.division)
        self.headers.update(headers)
        if not allowed:
            raise TooManyRequests()

    def check_accept(self) -> None:
        # Exact serves Atom XML unless asked for JSON (reference §3); the sandbox only speaks JSON → 406
        if "application/json" not in request.headers.get("Accept", ""):
            raise ODataError(406, "Not Acceptable: the sandbox only serves JSON; send Accept: application/json.")

    # -- routing ----------------------------------------------------------------
    def route(self, key) -> Response:
        endpoint, method = self.endpoint, request.method
        if endpoint.mode == "printed":
            if method != "POST":
                raise method_not_allowed()
            return self.print_invoice()
        entity = endpoint.entity
        if endpoint.mode != "normal" and (method != "GET" or key is not None):
            raise method_not_allowed()
        if method not in entity.methods:
            raise method_not_allowed()
        handlers = {("GET", False): self.list_collection, ("GET", True): self.get_one, ("POST", False): self.create,
                    ("PUT", True): self.update, ("DELETE", True): self.delete}
        handler = handlers.get((method, key is not None))
        if handler is None:
            raise method_not_allowed()
        return handler(key) if key is not None else handler()

    # -- reading ------------------------------------------------------------------
    def scope(self) -> tuple[str, list]:
        """SQL restricting rows to what this URL may see."""
        entity = self.endpoint.entity
        if entity.stored_as == "Divisions":
            marks = ",".join("?" * len(self.grant.divisions))
            return f"entity = 'Divisions' AND division IN ({marks})", list(self.grant.divisions)
        if self.endpoint.invoice_sync:
            return "division = ? AND entity IN ('SalesInvoices', 'SalesInvoiceLines')", [self.division]
        sql, params = "division = ? AND entity = ?", [self.division, entity.stored_as]
        if entity is E.WEBHOOK_SUBSCRIPTIONS:
            # Exact: apps cannot see each other's subscriptions (reference §8)
            sql, params = sql + " AND json_extract(data, '$.ClientID') = ?", params + [self.grant.client_id]
        return sql, params

    def column(self, name: str) -> str:
        allowed = self.endpoint.output_fields()
        if name not in allowed:
            raise ODataError(400, f"No property '{name}' exists in type "
                                  f"'Exact.Web.Api.Models.{self.endpoint.entity.model}'.")
        return "ts" if name == "Timestamp" else f"json_extract(data, '$.{name}')"

    def filter_sql(self) -> tuple[str, list]:
        text = request.args.get("$filter")
        if not text:
            return "", []
        tree = parse_filter(text)
        allowed = None
        if self.endpoint.mode == "sync":
            allowed = E.SYNC_FILTERABLE.get(self.endpoint.template, {"Timestamp"})
        elif self.endpoint.mode == "bulk":
            allowed = E.BULK_FILTERABLE.get(self.endpoint.template)
        if allowed is not None:
            refused = fields_in(tree) - allowed
            if refused:
                raise ODataError(400, f"Filtering on these fields is not supported: {', '.join(sorted(refused))}.")
        sql, params = compile_filter(tree, self.column)
        return f" AND {sql}", params

    def check_list_rules(self) -> None:
        args, endpoint = request.args, self.endpoint
        if endpoint.mode in ("bulk", "sync") and not args.get("$select") and args.get("$top") != "1":
            raise ODataError(400, SELECT_REQUIRED)  # reference §3.4
        self.check_mandatory_filter()

    def check_mandatory_filter(self) -> None:
        """Exact: plain and bulk endpoints with a sync counterpart need a $filter (reference §3.4, §6.8)."""
        endpoint = self.endpoint
        if endpoint.mode in ("normal", "bulk") and endpoint.entity.mandatory_filter and not request.args.get("$filter"):
            raise ODataError(400, MANDATORY_FILTER.format(",".join(sorted(endpoint.entity.fields))))

    def order_sql(self) -> str:
        if self.endpoint.mode == "sync":
            return "ts"
        text = request.args.get("$orderby")
        if not text:
            return "seq"
        parts = []
        for item in text.split(","):
            name, _, direction = item.strip().partition(" ")
            direction = direction.strip().lower() or "asc"
            if direction not in ("asc", "desc"):
                raise ODataError(400, f"Invalid $orderby direction '{direction}'.")
            parts.append(f"{self.column(name)} {direction.upper()}")
        return ", ".join(parts + ["seq"])

    def check_query_options(self) -> None:
        """Options the sandbox does not serve are refused rather than silently ignored."""
        if "$skip" in request.args:
            # Exact: $skip is not supported on endpoints released after March 2017; use $skiptoken
            # (reference §3.3). The sandbox refuses it everywhere (stricter; wording its own).
            raise ODataError(400, "The query parameter '$skip' is not supported. Use the __next link ($skiptoken).")
        unknown = self.expanded() - set(self.endpoint.navigation_fields() if self.endpoint.mode == "normal" else ())
        if unknown or (self.expanded() and self.endpoint.entity is not E.SALES_INVOICES):
            # Only SalesInvoiceLines can be expanded here (docs/sandbox.md §Deliberately left out)
            raise ODataError(400, f"$expand is not supported for '{', '.join(sorted(self.expanded()))}'.")

    def list_collection(self) -> Response:
        self.check_query_options()
        self.check_list_rules()
        select = self.selection()
        where, params = self.scope()
        filter_sql, filter_params = self.filter_sql()
        where, params = where + filter_sql, params + filter_params
        top = self.top()
        page_size = min(self.endpoint.page_size, top) if top is not None else self.endpoint.page_size
        after_sql, after_params = self.after_skiptoken(where, params)
        rows = self.state.store.select(
            f"SELECT seq, ts, data, entity FROM records WHERE {where}{after_sql} ORDER BY {self.order_sql()} "
            f"LIMIT ?", params + after_params + [page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size]
        records = self.materialise(rows)
        body = {"results": [self.render(record, select) for record in records]}
        if request.args.get("$inlinecount") == "allpages":
            total = self.state.store.select(f"SELECT COUNT(*) FROM records WHERE {where}", params)[0][0]
            body["__count"] = str(total)  # Exact: a string (reference §3.1)
        remaining = None if top is None else top - len(rows)
        if more and rows and (remaining is None or remaining > 0):
            body["__next"] = self.next_url(rows[-1], records[-1], remaining)
        return json_response({"d": body})

    def top(self) -> int | None:
        text = request.args.get("$top")
        if text is None:
            return None
        if not text.isdigit():
            raise ODataError(400, "Invalid $top value.")
        return int(text)

    def after_skiptoken(self, where: str, params: list) -> tuple[str, list]:
        token = request.args.get("$skiptoken")
        if not token:
            return "", []
        if self.endpoint.mode == "sync":
            # Sandbox choice: sync skiptoken is the last Timestamp, e.g. 123L (docs/sandbox.md §Paging)
            return " AND ts > ?", [int(token.rstrip("Ll"))]
        key = parse_key(token).lower()
        if request.args.get("$orderby"):
            return self.after_in_order(where, params, key)
        seq = self.state.store.seq_of(self.division, self.endpoint.entity.stored_as, key)
        if seq is None:
            raise ODataError(400, "Invalid $skiptoken.")
        return " AND seq > ?", [seq]

    def after_in_order(self, where: str, params: list, key: str) -> tuple[str, list]:
        """With $orderby, resume after the position of the skiptoken's record in that order."""
        rows = self.state.store.select(f"SELECT seq, id FROM records WHERE {where} ORDER BY {self.order_sql()}",
                                       params)
        ids = [row[1] for row in rows]
        if key not in ids:
            raise ODataError(400, "Invalid $skiptoken.")
        following = [row[0] for row in rows[ids.index(key) + 1:]]
        if not following:
            return " AND 0", []
        return f" AND seq IN ({','.join(str(seq) for seq in following)})", []

    def next_url(self, last_row, last_record: dict, remaining: int | None) -> str:
        args = {name: value for name, value in request.args.items() if name != "$skiptoken"}
        if self.endpoint.mode == "sync":
            args["$skiptoken"] = f"{last_row[1]}L"
        else:
            args["$skiptoken"] = key_literal(self.endpoint.entity, last_record[self.endpoint.entity.key])
        if remaining is not None:
            args["$top"] = str(remaining)
        return request.base_url + "?" + urlencode(args, quote_via=quote, safe="$',()")

    def materialise(self, rows) -> list[dict]:
        records = []
        for _, ts, data, entity in rows:
            record = json.loads(data)
            if self.endpoint.mode == "sync":
                record["Timestamp"] = ts
            records.append(record)
        if self.endpoint.invoice_sync:
            records = self.invoice_feed(rows, records)
        return records

    def invoice_feed(self, rows, records: list[dict]) -> list[dict]:
        """Exact: sync/SalesInvoice/SalesInvoices has header (LineNumber 0) and lines in one feed (reference §6.7)."""
        feed = []
        for (_, _, _, entity), record in zip(rows, records):
            if entity == "SalesInvoices":
                feed.append({**{name: None for name in SYNC_INVOICE_LINE_FIELDS}, **record,
                             "ID": record["InvoiceID"], "LineNumber": 0})
            else:
                header = self.state.store.get(self.division, "SalesInvoices", record["InvoiceID"]) or {}
                line = {name: record.get(name) for name in SYNC_INVOICE_LINE_FIELDS}
                feed.append({**header, **line, "ID": record["ID"], "InvoiceID": record["InvoiceID"],
                             "Timestamp": record["Timestamp"]})
        return feed

    def selection(self) -> list[str] | None:
        text = request.args.get("$select")
        if text and text.strip() == "*" and self.endpoint.mode in ("bulk", "sync"):
            raise ODataError(400, SELECT_ALL_REFUSED)
        if not text or text.strip() == "*":
            return None
        names = [name.strip() for name in text.split(",") if name.strip()]
        allowed = set(self.endpoint.output_fields()) | set(self.endpoint.navigation_fields())
        for name in names:
            if name.split("/")[0] not in allowed:
                raise ODataError(400, f"No property '{name}' exists in type "
                                      f"'Exact.Web.Api.Models.{self.endpoint.entity.model}'.")
        return names

    def expanded(self) -> set[str]:
        return {name.strip() for name in request.args.get("$expand", "").split(",") if name.strip()}

    def render(self, record: dict, select: list[str] | None, entity: E.Entity | None = None) -> dict:
        entity = entity or self.endpoint.entity
        division = record.get("Division") or self.division
        if entity.stored_as == "Divisions":
            division = self.division
        uri = f"{self.state.base_url}/api/v1/{division}/{entity.path}({key_literal(entity, record.get(entity.key))})"
        out = {"__metadata": {"uri": uri, "type": f"Exact.Web.Api.Models.{entity.model}"}}
        if entity is self.endpoint.entity:
            fields, navigation = self.endpoint.output_fields(), self.endpoint.navigation_fields()
        else:
            fields, navigation = entity.fields, entity.deferred
        names = [name.split("/")[0] for name in select] if select else list(fields) + list(navigation)
        dates = entity.dates | (E.SALES_INVOICE_LINES.dates if self.endpoint.invoice_sync else frozenset())
        for name in dict.fromkeys(names):
            if name in entity.deferred:
                out[name] = self.navigation(entity, record, name, uri, select)
            elif name in dates:
                out[name] = format_date(record.get(name))
            else:
                out[name] = record.get(name)
        return out

    def navigation(self, entity: E.Entity, record: dict, name: str, uri: str, select) -> dict:
        if name == "SalesInvoiceLines" and (name in self.expanded() or self.expand_everything):
            nested = [item.split("/", 1)[1] for item in (select or []) if item.startswith(name + "/")] or None
            lines = lines_of(self.state.records, self.division, record["InvoiceID"])[:NORMAL_PAGE]
            return {"results": [self.render(line, nested, E.SALES_INVOICE_LINES) for line in lines]}
        return {"__deferred": {"uri": f"{uri}/{name}"}}

    def follow_navigation(self, key, name: str) -> Response:
        """GET on a __deferred uri: the invoice's lines; other navigation collections are empty here."""
        entity = self.endpoint.entity
        if request.method != "GET" or self.endpoint.mode != "normal" or name not in entity.deferred:
            raise ODataError(404, f"Resource not found for the segment '{name}'.")
        record = self.state.records.get(self.division, entity, key)
        if record is None:
            raise ODataError(404, f"Resource not found for the segment '{entity.name}'.")
        rows = []
        if name == "SalesInvoiceLines":
            rows = [self.render(line, None, E.SALES_INVOICE_LINES)
                    for line in lines_of(self.state.records, self.division, record["InvoiceID"])]
        return json_response({"d": {"results": rows}})

    def get_one(self, key) -> Response:
        entity = self.endpoint.entity
        if entity.stored_as == "Divisions":
            if not str(key).isdigit() or int(key) not in self.grant.divisions:
                raise ODataError(404, "Resource not found for the segment 'Divisions'.")
            record = self.state.store.get(int(key), "Divisions", str(key))
        else:
            record = self.state.records.get(self.division, entity, key)
        if record is None or (entity is E.WEBHOOK_SUBSCRIPTIONS and record.get("ClientID") != self.grant.client_id):
            raise ODataError(404, f"Resource not found for the segment '{entity.name}'.")
        self.check_query_options()
        return json_response({"d": self.render(record, self.selection())})

    def count(self) -> Response:
        # Sandbox choice: $count is a GET too, so mandatory filtering applies (unverified, the stricter reading)
        self.check_mandatory_filter()
        where, params = self.scope()
        filter_sql, filter_params = self.filter_sql()
        total = self.state.store.select(f"SELECT COUNT(*) FROM records WHERE {where}{filter_sql}",
                                        params + filter_params)[0][0]
        return Response(str(total), 200, mimetype="text/plain")  # Exact: bare integer (reference §3.4)

    def me(self) -> Response:
        self.check_accept()
        first = self.grant.divisions[0]
        division = self.state.store.get(first, "Divisions", str(first)) or {}
        me = {"UserID": self.state.demo_user_id, "UserName": "demo", "FullName": "Demo User", "FirstName": "Demo",
              "LastName": "User", "Initials": "D.", "Gender": "O", "Email": "demo@sandbox.example",
              "CurrentDivision": first, "AccountingDivision": first, "DivisionCustomer": None,
              "DivisionCustomerCode": None, "DivisionCustomerName": division.get("Description"),
              "DivisionCustomerVatNumber": division.get("VATNumber"), "Language": "NL", "LanguageCode": "nl-NL",
              "Legislation": division.get("Legislation"), "ServerTime": format_date(self.state.clock.now_ms()),
              "ServerUtcOffset": 0.0, "IsClientUser": False, "IsEmployeeSelfServiceUser": False,
              "IsMyFirmLiteUser": False, "IsMyFirmPortalUser": False, "IsOEIMigrationMandatory": False,
              "IsStarterUser": False, "PackageCode": "SANDBOX", "PictureUrl": None}
        select = [name.strip() for name in request.args.get("$select", "").split(",") if name.strip()]
        unknown = [name for name in select if name not in ME_FIELDS]
        if unknown:
            raise ODataError(400, f"No property '{unknown[0]}' exists in type 'Exact.Web.Api.Models.Current.Me'.")
        uri = f"{self.state.base_url}/api/v1/current/Me(guid'{self.state.demo_user_id}')"
        out = {"__metadata": {"uri": uri, "type": "Exact.Web.Api.Models.Current.Me"}}
        out.update({name: me.get(name) for name in (select or ME_FIELDS)})
        return json_response({"d": {"results": [out]}})  # Exact: a collection of one (reference §2)

    # -- writing ------------------------------------------------------------------
    def body(self) -> dict:
        try:
            return json.loads(request.get_data(as_text=True) or "{}")
        except ValueError as error:
            raise ODataError(400, "Error processing request stream. The request should be a valid top-level "
                                  "resource object.") from error

    def create(self) -> Response:
        entity = self.endpoint.entity
        record, posted = self.state.records.create(self.division, entity, self.body(),
                                                    context={"client_id": self.grant.client_id})
        if "return=representation" in request.headers.get("Prefer", ""):
            self.expand_everything = True
            rendered = self.render(record, None)
        else:
            # Sandbox choice: without Prefer only the key and the posted fields (reference "Choices": POST)
            echo = [entity.key] + [name for name in posted if name != entity.key]
            if entity is E.SALES_INVOICES:
                echo.append("InvoiceNumber")  # assigned at entry, returned in the POST response (reference §7)
            rendered = self.render(record, echo)
        return json_response({"d": rendered}, 201, {"Location": rendered["__metadata"]["uri"]})

    def update(self, key) -> Response:
        self.state.records.update(self.division, self.endpoint.entity, key, self.body())
        return Response(b"", 204)

    def delete(self, key) -> Response:
        self.state.records.delete(self.division, self.endpoint.entity, key)
        return Response(b"", 204)

    def print_invoice(self) -> Response:
        payload = self.body()
        invoice = process_invoice(self.state.records, self.division, payload.get("InvoiceID"),
                                  payload.get("InvoiceDate"))
        uri = f"{self.state.base_url}/api/v1/{self.division}/{PRINTED}(guid'{invoice['InvoiceID']}')"
        return json_response({"d": {
            "__metadata": {"uri": uri, "type": "Exact.Web.Api.Models.PrintedSalesInvoice"},
            "InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice["InvoiceNumber"], "Status": invoice["Status"],
            "Document": None, "DocumentCreationSuccess": "Document created", "DocumentCreationError": None,
            "EmailCreationSuccess": None, "EmailCreationError": None,
            "SendEmailToCustomer": bool(payload.get("SendEmailToCustomer"))}}, 201)


class TooManyRequests(ODataError):
    def __init__(self):
        super().__init__(429, "")


def method_not_allowed() -> ODataError:
    return ODataError(405, "Method not allowed for this endpoint.")


def create_blueprint(state) -> Blueprint:
    bp = Blueprint("rest", __name__)

    @bp.route("/api/v1/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def api(rest):
        return ApiCall(state, rest).respond()

    return bp
