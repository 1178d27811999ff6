"""Importing from Exact Online into the back office (being written)."""


def init_app(app):
    pass
