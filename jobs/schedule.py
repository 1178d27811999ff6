"""Periodic jobs declared as data."""
from flask import current_app


def init_app(app):
    app.extensions["periodic_jobs"] = {}


def register_periodic_job(app, job_id, func, interval=None, cron=None, kwargs=None):
    app.extensions["periodic_jobs"][job_id] = {
        "id": job_id, "func": func, "interval": interval, "cron": cron, "kwargs": kwargs or {}}


def periodic_jobs(app=None):
    return list((app or current_app).extensions["periodic_jobs"].values())
