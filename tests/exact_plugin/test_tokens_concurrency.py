"""Eight processes call Exact through one company for twenty token lifetimes: every lifetime the
token is renewed exactly once and no process ever sends a used refresh token ("Old refresh
token used"). Real processes, the real Redis lock, the app's database, the sandbox over HTTP.
Time moves in lock-step rounds on both clocks (no sleeping 3+ hours): in each token lifetime
all processes call at once at age 565 s (renewal not allowed yet) and again at 580 s, when the
token is due and all eight race to renew it."""
import json
import multiprocessing
import uuid

import pytest
import redis

from backoffice.db import db
from exact_plugin.models import ExactConnection

PROCESSES = 8
LIFETIMES = 20
ROUND_AGES = (565, 580)          # token age at each round; renewal is due at 580
ROUNDS = LIFETIMES * len(ROUND_AGES)
CHILD_CONFIG = ("SQLALCHEMY_DATABASE_URI", "ENCRYPTION_KEY", "SECRET_KEY", "REDIS_URL",
                "EXACT_SANDBOX_URL", "EXACT_REDIS_PREFIX", "INSTANCE_PATH", "TESTING")


def call_through_company(config, connection_id, keys, number):
    """One process: wait for each round's clock, make one call, report; until told to stop."""
    from app import create_app
    from exact_plugin import clock
    from exact_plugin.client import ExactClient
    from exact_plugin.errors import ExactError

    app = create_app(config)
    bus = redis.Redis.from_url(config["REDIS_URL"], socket_timeout=300)
    outcome = {"calls": 0, "errors": []}
    with app.app_context():
        client = ExactClient.for_connection(connection_id, context=f"process {number}")
        bus.rpush(keys["ready"], number)
        while True:
            _, message = bus.blpop(keys["go"].format(number))
            if message == b"stop":
                break
            clock.set_offset(float(message))
            try:
                client.me()
                outcome["calls"] += 1
            except ExactError as error:
                outcome["errors"].append(error.message)
            bus.rpush(keys["done"], number)
    bus.rpush(keys["results"], json.dumps(outcome))


@pytest.mark.redis
@pytest.mark.slow
def test_eight_processes_renew_once_per_lifetime_and_never_reuse_a_refresh_token(
        app, redis_url, connected_company, sandbox, clocks):
    app.config["REDIS_URL"] = redis_url
    bus = redis.Redis.from_url(redis_url, socket_timeout=300)
    run = uuid.uuid4().hex[:8]
    keys = {name: f"concurrency-test:{run}:{name}" for name in ("ready", "done", "results")}
    keys["go"] = f"concurrency-test:{run}:go:{{}}"
    config = {name: app.config[name] for name in CHILD_CONFIG}
    # fork: the children start from the imported code at once (spawn re-imports everything,
    # which takes half a minute for eight processes on a small machine). Each child builds its
    # own app, database engine and Redis connections; nothing open in the parent is used.
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=call_through_company,
                                 args=(config, connected_company.id, keys, number), daemon=True)
                 for number in range(PROCESSES)]
    for process in processes:
        process.start()
    try:
        for _ in range(PROCESSES):
            assert bus.blpop(keys["ready"], timeout=120), "a process did not start in time"
        sandbox.reset_stats()
        for _lifetime in range(LIFETIMES):
            age = 0
            for round_age in ROUND_AGES:
                clocks.advance(round_age - age)
                age = round_age
                for number in range(PROCESSES):
                    bus.rpush(keys["go"].format(number), repr(clocks.offset))
                for _ in range(PROCESSES):
                    assert bus.blpop(keys["done"], timeout=60), "a process stopped answering"
    finally:
        for number in range(PROCESSES):
            bus.rpush(keys["go"].format(number), "stop")
        reports = [bus.blpop(keys["results"], timeout=60) for _process in processes]
        for process in processes:
            process.join(timeout=30)

    assert all(reports), "a process ended without reporting (see its output above)"
    outcomes = [json.loads(report[1]) for report in reports]
    assert [outcome["errors"] for outcome in outcomes] == [[]] * PROCESSES
    assert sum(outcome["calls"] for outcome in outcomes) == PROCESSES * ROUNDS
    # One renewal per lifetime, and no refusal (no "Old refresh token used", none too early).
    assert sandbox.stats()["token_calls"] == {"200": LIFETIMES}
    db.session.expire_all()
    assert db.session.get(ExactConnection, connected_company.id).state == "connected"
