"""Run the unmodified public client ``exactonline`` (ossobv, PyPI) against the sandbox.

    python3 -m venv /tmp/eolvenv && /tmp/eolvenv/bin/pip install exactonline
    /tmp/eolvenv/bin/python bench/check_public_client.py [--sandbox-python .venv/bin/python]

The library only allows https URLs (``opt_secure.protocols``); that one option
is widened to include http for the sandbox, nothing else is changed.
Flows: code exchange, Me/divisions, relations by padded code and by filter,
VAT codes, an invoice created with its raw POST, a token refresh after 580 s.
"""
import argparse
import json
import os
import secrets
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from exactonline import http as eol_http
from exactonline.api import ExactApi
from exactonline.resource import GET, POST
from exactonline.storage.base import ExactOnlineConfig, MissingSetting

REPOSITORY = Path(__file__).resolve().parents[1]
PORT = 5099
BASE = f"http://127.0.0.1:{PORT}"
REDIRECT = "http://127.0.0.1:5000/authcallback"


class DictStorage(ExactOnlineConfig):
    def __init__(self, values):
        self.values = values

    def get(self, section, option):
        try:
            return self.values[(section, option)]
        except KeyError:
            raise MissingSetting(option)

    def set(self, section, option, value):
        self.values[(section, option)] = value


# The sandbox subprocess inherits this token for its control API.
CONTROL_TOKEN = os.environ.setdefault("EXACT_SANDBOX_TOKEN", secrets.token_urlsafe(18))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def control(path, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"{BASE}/_sandbox/{path}", data=data,
                                     headers={"Content-Type": "application/json",
                                              "X-Sandbox-Token": CONTROL_TOKEN})
    return json.load(urllib.request.urlopen(request))


def consent(auth_url):
    """What the user does in the browser: log in as demo/demo and allow all divisions."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_url).query))
    form = urllib.parse.urlencode({**query, "username": "demo", "password": "demo", "action": "authorize",
                                   "divisions": "100001"}).encode()
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{BASE}/api/oauth2/auth", data=form)
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    raise AssertionError("no redirect from the consent page")


def expect_refusal(name, action):
    """A flow the real Exact refuses too; passing means the sandbox refused it as well."""
    try:
        action()
    except Exception as error:
        print(f"OK    {name}: refused as Exact does ({error.__class__.__name__})")
        return True
    print(f"FAIL  {name}: the sandbox accepted what Exact refuses")
    return False


def step(name, action):
    try:
        result = action()
        print(f"OK    {name}: {result}")
        return True
    except Exception as error:  # report every flow, do not stop at the first failure
        print(f"FAIL  {name}: {error.__class__.__name__}: {error}")
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox-python", default=str(REPOSITORY / ".venv/bin/python"))
    args = parser.parse_args()
    server = subprocess.Popen([args.sandbox_python, "-m", "exact_sandbox", "--port", str(PORT), "--accounts", "80"],
                              cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                app = next(a for a in control("apps") if a["name"] == "Demo app")
                break
            except OSError:
                time.sleep(0.1)
        eol_http.opt_secure.protocols = ("http", "https")  # the only tweak: the sandbox speaks plain http
        storage = DictStorage({
            ("server", "auth_url"): f"{BASE}/api/oauth2/auth", ("server", "rest_url"): f"{BASE}/api",
            ("server", "token_url"): f"{BASE}/api/oauth2/token", ("application", "base_url"): REDIRECT,
            ("application", "client_id"): app["client_id"], ("application", "client_secret"): app["client_secret"]})
        api = ExactApi(storage=storage)
        logging.getLogger("exactonline").setLevel(logging.CRITICAL)
        results = [
            step("request_token (code exchange)", lambda: api.request_token(consent(api.create_auth_request_url()))
                 or "tokens stored"),
            step("get_divisions (current/Me + hrm/Divisions)", lambda: api.get_divisions()),
            step("set_division(100001)", lambda: api.set_division(100001) or "ok"),
            step("relations.filter(relation_code='7')", lambda: api.relations.filter(relation_code="7")),
            step("relations.filter(filter='Blocked eq false') (80 rows, 2 pages)",
                 lambda: len(api.relations.filter(filter="Blocked eq false"))),
            expect_refusal("relations.all() (no $filter: Exact's mandatory filtering, reference §3.4)",
                           lambda: api.relations.all()),
            step("vatcodes.all()", lambda: [(v["Code"], v["Percentage"]) for v in api.vatcodes.all()]),
            step("vatcodes.get_percentage('2')", lambda: api.vatcodes.get_percentage(vat_code="2  ")),
            step("create SalesInvoice (raw POST through restv1)", lambda: create_invoice(api)),
            step("token refresh after 580 s (Autorefresh)", lambda: refresh(api, storage)),
        ]
        print(f"\n{sum(results)}/{len(results)} flows passed")
    finally:
        server.terminate()
        server.wait(timeout=10)


def create_invoice(api):
    customer = api.relations.get(relation_code="7")
    item = api.restv1(GET("logistics/Items?$select=ID,Code&$filter=IsSalesItem+eq+true&$top=1"))[0]
    invoice = api.restv1(POST("salesinvoice/SalesInvoices", {
        "OrderedBy": customer["ID"], "YourRef": "EOL-CHECK-1", "Description": "Public client check",
        "SalesInvoiceLines": [{"Item": item["ID"], "Quantity": 2}]}))
    return {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice["InvoiceNumber"]}


def refresh(api, storage):
    old = storage.get_refresh_token()
    control("clock", {"advance": 580})
    storage.set_access_expiry(int(time.time()))  # the client's own clock says: refresh now
    api.vatcodes.all()
    assert storage.get_refresh_token() != old
    return "refresh token rotated"


if __name__ == "__main__":
    sys.exit(main())
