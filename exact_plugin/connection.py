"""Connecting Exact Online companies (being written)."""


def init_app(app):
    pass
