"""Every route of the whole app (host and default plugins, including routes added later)
refuses a visitor without a session: a redirect that ends on the login page, or 401/403.

Only the login page and static files are open. The walk is generic over `app.url_map`, so a
new route is covered the day it is added. CSRF is switched off here so that what is tested is
the login requirement itself (tests/backoffice/test_csrf.py covers the tokens).
"""
import uuid
from urllib.parse import urlsplit

import pytest

OPEN_ENDPOINTS = {"auth.login"}
DUMMY_BY_CONVERTER = {"IntegerConverter": 1, "FloatConverter": 1.0,
                      "UUIDConverter": uuid.UUID(int=1)}
MAX_REDIRECTS = 5


def is_open(rule):
    return rule.endpoint in OPEN_ENDPOINTS or rule.endpoint == "static" \
        or rule.endpoint.endswith(".static")


def dummy_values(rule):
    values = {}
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)
        values[name] = DUMMY_BY_CONVERTER.get(type(converter).__name__,
                                              sorted(items)[0] if items else "x")
    return values


def url_for_rule(rule):
    return rule.build(dummy_values(rule), append_unknown=False)[1]


def requests_to_try(app):
    for rule in app.url_map.iter_rules():
        if is_open(rule):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url_for_rule(rule)


def where_it_ends(client, method, url):
    """Follow redirects inside the app; return (status, path) of the last answer."""
    response = client.open(url, method=method)
    for _ in range(MAX_REDIRECTS):
        if response.status_code not in (301, 302, 303, 307, 308):
            break
        path = urlsplit(response.location).path
        if path == "/login":
            return 302, path
        response = client.get(response.location)
    return response.status_code, urlsplit(response.request.url).path


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": False}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_route_refuses_a_visitor_without_a_session(app):
    client = app.test_client()
    refused_properly = []
    let_through = []
    for rule, method, url in requests_to_try(app):
        status, path = where_it_ends(client, method, url)
        if (status, path) == (302, "/login") or status in (401, 403):
            refused_properly.append(url)
        else:
            let_through.append(f"{method} {url} ({rule.endpoint}) answered {status} at {path}")

    assert not let_through, "routes open without login:\n" + "\n".join(let_through)
    assert len(refused_properly) > 40


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_login_page_and_static_files_are_open(app):
    client = app.test_client()

    assert client.get("/login").status_code == 200
    assert client.get("/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css").status_code \
        == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_walk_reports_a_route_left_open(app):
    app.add_url_rule("/left-open/<int:record_id>", "left_open", lambda record_id: "hello")
    client = app.test_client()

    open_routes = [url for rule, method, url in requests_to_try(app)
                   if where_it_ends(client, method, url)[0] == 200]

    assert open_routes == ["/left-open/1"]
