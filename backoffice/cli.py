"""Command-line operations: create-admin, seed-demo."""


def init_app(app):
    pass
