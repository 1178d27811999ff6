"""A plugin for the tests: declares one periodic job that counts its runs in Redis."""
from jobs import get_redis, register_periodic_job

RUNS_KEY = "tests:periodic-runs"


def count_a_run():
    return get_redis().incr(RUNS_KEY)


def init_app(app):
    register_periodic_job(app, "tests-count-runs", count_a_run, interval=1)
