"""Syncing back-office changes to Exact Online (being written)."""


def init_app(app):
    pass
