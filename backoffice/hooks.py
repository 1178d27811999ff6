"""Hook points through which plugins extend the host without the host knowing them.

The host's admin views ask this registry for the extensions of their model and call them at
fixed moments (building the form, prefilling it, validating, saving, listing, showing a record).
A plugin registers, from its `init_app(app)`, a `ModelViewExtension` instance per host model it
extends, banner sources and an admin setup function. With no plugin every hook is a no-op and
the host runs on its own. Registrations live on the app (`app.extensions`), so several apps in
one process (tests) do not see each other's.
"""
from flask import current_app


class ModelViewExtension:
    """A plugin's additions to the admin view of one host model.

    Every method has a harmless default, so an extension overrides only what it needs.
    `model_name` is the host model's class name ("Customer", "Product", ...).
    """

    model_name = None

    def is_active(self):
        """False while the plugin is switched off: the view then skips this extension (its form
        fields, list columns, panels, buttons and save hooks) for the current request."""
        return True

    def extra_form_fields(self, view):
        """Extra WTForms fields for the create/edit form: {attribute_name: UnboundField}.

        The fields are not model columns; `on_form_prefill` fills them and `on_model_change`
        reads them. Their names must not clash with the model's columns.
        """
        return {}

    def on_form_prefill(self, form, model):
        """Fill the extra fields from plugin data when an edit form is shown."""

    def on_form_create(self, form):
        """Fill defaults of the extra fields on a create form."""

    def validate(self, form, model, is_created):
        """Return {field_name: message} to refuse the save with those form errors."""
        return {}

    def on_model_change(self, form, model, is_created):
        """Called inside the save transaction, after the host's own changes, before commit."""

    def after_model_change(self, form, model, is_created):
        """Called after the commit succeeded."""

    def list_columns(self, view):
        """Extra list-view columns: {column_name: formatter(view, context, model, name)}."""
        return {}

    def record_panel(self, view, model):
        """HTML (Markup) shown on the record's edit and details pages, e.g. a sync badge."""
        return None

    def delete_refusal(self, model):
        """Why this record must not be deleted (a message for the admin), or None."""
        return None

    def list_actions(self, view):
        """Buttons on top of the list page: [(label, url)], e.g. "Import from Exact Online"."""
        return []

    def list_filters(self, model):
        """Extra Flask-Admin filters for the list (e.g. by sync state), built for `model`."""
        return []

    def bulk_actions(self, view):
        """Actions on the ticked rows (or on every row matching the list's search and filters):
        [(name, label, confirmation or None, handler(ids) -> response or None)]."""
        return []


def _registry(app=None):
    app = app or current_app
    return app.extensions.setdefault("backoffice_hooks", {
        "view_extensions": {}, "banner_sources": [], "admin_setups": [],
        "migration_locations": []})


def register_view_extension(app, extension):
    _registry(app)["view_extensions"].setdefault(extension.model_name, []).append(extension)


def view_extensions(model_name, app=None):
    return list(_registry(app)["view_extensions"].get(model_name, ()))


def list_actions_for(view):
    """Every plugin's list-page buttons for a host view: [(label, url)]."""
    actions = []
    for extension in view_extensions(view.model.__name__):
        if extension.is_active():
            actions.extend(extension.list_actions(view))
    return actions


def register_home_summary(app, source):
    """`source()` returns Markup (or None) shown on the admin home page, e.g. sync health."""
    _registry(app).setdefault("home_summaries", []).append(source)


def home_summaries():
    parts = []
    for source in _registry().get("home_summaries", ()):
        part = source()
        if part:
            parts.append(part)
    return parts


def register_banner_source(app, source):
    """`source()` returns a list of (category, Markup) shown at the top of every admin page."""
    _registry(app)["banner_sources"].append(source)


def admin_banners():
    banners = []
    for source in _registry()["banner_sources"]:
        banners.extend(source())
    return banners


def register_admin_setup(app, setup):
    """`setup(admin, app)` is called once the host's admin screens exist, to add the plugin's."""
    _registry(app)["admin_setups"].append(setup)


def run_admin_setups(admin, app):
    for setup in _registry(app)["admin_setups"]:
        setup(admin, app)


def register_migrations(app, versions_dir):
    """Add a plugin's Alembic branch (its `versions` folder) to `flask db upgrade`."""
    _registry(app)["migration_locations"].append(str(versions_dir))


def migration_locations(app=None):
    return list(_registry(app)["migration_locations"])
