"""A small read-only HTML view of the sandbox data at /_sandbox/ (not part of Exact)."""
import json

from flask import Blueprint, abort, render_template_string, request

from .invoices import lines_of

PAGE_SIZE = 50
# What each list shows: entity → columns (declarative, docs/sandbox.md §Browser)
COLUMNS = {
    "Accounts": ("Code", "Name", "Status", "IsSupplier", "City", "Country", "VATNumber"),
    "Items": ("Code", "Description", "ItemGroupCode", "SalesVatCode", "StandardSalesPrice", "Unit"),
    "SalesInvoices": ("InvoiceNumber", "YourRef", "OrderedByName", "InvoiceToName", "Journal", "Status",
                      "AmountFCExclVat", "VATAmountFC", "AmountFC", "Description"),
    "VATCodes": ("Code", "Description", "Type", "Percentage"),
    "GLAccounts": ("Code", "Description", "Type", "TypeDescription", "BalanceSide"),
    "Journals": ("Code", "Description", "Type"),
    "ItemGroups": ("Code", "Description", "IsDefault", "GLRevenueCode"),
    "WebhookSubscriptions": ("Topic", "CallbackURL", "ClientID"),
}
LINE_COLUMNS = ("LineNumber", "ItemCode", "Description", "Quantity", "UnitPrice", "AmountFC", "VATCode",
                "VATAmountFC", "GLAccountCode")
SEARCHED = ("Code", "Name", "Description", "YourRef", "OrderedByName")

LAYOUT = """<!doctype html><html><head><title>Exact sandbox - {{ title }}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;
padding:2px 6px;font-size:13px;white-space:pre}table.lines{margin:0 0 0 2em}nav a{margin-right:1em}</style></head>
<body><nav><a href="{{ url('/_sandbox/') }}">Divisions</a></nav><h1>{{ title }}</h1>{{ body|safe }}</body></html>"""

HOME = """<table id="divisions"><tr><th>Division</th><th>Name</th>{% for name in entities %}<th>{{ name }}</th>{% endfor %}</tr>
{% for division in divisions %}<tr data-division="{{ division.Code }}"><td>{{ division.Code }}</td><td>{{ division.Description }}</td>
{% for name in entities %}<td><a href="{{ url('/_sandbox/browse/%s/%s' % (division.Code, name)) }}">{{ counts.get(division.Code|string, {}).get(name, 0) }}</a></td>{% endfor %}</tr>{% endfor %}</table>"""

LISTING = """<form><input name="q" value="{{ q }}" placeholder="Search code, name, description, YourRef">
<button>Search</button></form><p>{{ total }} records, page {{ page }}</p>
<table id="{{ entity }}"><tr>{% for column in columns %}<th>{{ column }}</th>{% endfor %}</tr>
{% for record, lines in rows %}<tr class="record" data-id="{{ record.get('ID') or record.get('InvoiceID') }}">
{% for column in columns %}<td class="{{ column }}">{{ show(record.get(column)) }}</td>{% endfor %}</tr>
{% if lines %}<tr><td colspan="{{ columns|length }}"><table class="lines"><tr>{% for column in line_columns %}<th>{{ column }}</th>{% endfor %}</tr>
{% for line in lines %}<tr class="line">{% for column in line_columns %}<td class="{{ column }}">{{ show(line.get(column)) }}</td>{% endfor %}</tr>{% endfor %}
</table></td></tr>{% endif %}{% endfor %}</table>
{% if page > 1 %}<a href="?q={{ q }}&page={{ page - 1 }}">previous</a>{% endif %}
{% if page * size < total %}<a href="?q={{ q }}&page={{ page + 1 }}">next</a>{% endif %}"""


def show(value) -> str:
    return "" if value is None else str(value)


def create_blueprint(state) -> Blueprint:
    bp = Blueprint("browser", __name__)

    def url(path: str) -> str:
        return request.script_root + path

    def page(title: str, template: str, **context) -> str:
        body = render_template_string(template, url=url, show=show, **context)
        return render_template_string(LAYOUT, title=title, body=body, url=url)

    @bp.get("/_sandbox/")
    def home():
        return page("Exact Online sandbox", HOME, divisions=state.division_records(), entities=list(COLUMNS),
                    counts=state.store.count_by_entity())

    @bp.get("/_sandbox/browse/<int:division>/<entity>")
    def listing(division, entity):
        if entity not in COLUMNS:
            abort(404)
        q, number = request.args.get("q", "").strip(), max(1, int(request.args.get("page", 1)))
        where, params = "division = ? AND entity = ?", [division, entity]
        if q:
            where += " AND (" + " OR ".join(f"json_extract(data, '$.{name}') LIKE ?" for name in SEARCHED) + ")"
            params += [f"%{q}%"] * len(SEARCHED)
        total = state.store.select(f"SELECT COUNT(*) FROM records WHERE {where}", params)[0][0]
        rows = state.store.select(f"SELECT data FROM records WHERE {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
                                  params + [PAGE_SIZE, (number - 1) * PAGE_SIZE])
        records = [json.loads(row[0]) for row in rows]
        with_lines = [(record, lines_of(state.records, division, record["InvoiceID"])
                       if entity == "SalesInvoices" else []) for record in records]
        return page(f"{division} - {entity}", LISTING, entity=entity, columns=COLUMNS[entity], rows=with_lines,
                    line_columns=LINE_COLUMNS, q=q, page=number, total=total, size=PAGE_SIZE)

    return bp
