"""Every POST form on every admin page of the whole app (host and default plugins) carries a
CSRF token. Generic over `app.url_map`, so the plugins' pages are covered as they are added."""
import os
import re

import pytest

from tests import factories as f

POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.I | re.S)


@pytest.fixture
def app_config(app_config):
    # The whole app as configured by default (PLUGINS from the settings), not the host alone.
    config = dict(app_config)
    config.pop("PLUGINS", None)
    return config


def pages_without_arguments(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule.startswith("/admin") \
                and not rule.endpoint.endswith(".static") and "/ajax/" not in rule.rule:
            yield rule.rule


@pytest.mark.skipif(bool(os.environ.get("TEST_PLUGINS")),
                    reason="the whole app's schema is not migrated when TEST_PLUGINS is set")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_post_form_of_the_whole_app_carries_a_csrf_token(admin_client, app):
    problems = []
    for url in pages_without_arguments(app):
        response = admin_client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url} answered {response.status_code}")
            continue
        if response.mimetype != "text/html":
            continue
        for form in POST_FORM.findall(f.page_text(response)):
            if 'name="csrf_token"' not in form:
                problems.append(f"a POST form without CSRF token on {url}")

    assert not problems, "\n".join(problems)
