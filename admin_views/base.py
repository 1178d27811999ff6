"""The secure base classes every admin screen derives from.

`SecureModelView` is also where the host's rules meet the screens: a save populates the record,
asks the model's rules and the plugins' `validate` hooks for problems, and either commits or
shows every problem on its field with nothing written. The database's constraints stay the last
line: an IntegrityError becomes a form error too, never a 500.
"""
import logging

from flask import abort, flash, has_request_context, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.helpers import is_form_submitted
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms.fields import FieldList
from wtforms.fields.core import UnboundField

from backoffice import hooks, roles
from backoffice.db import db
from backoffice.models import InvalidValue, integrity_error_field, record_errors

log = logging.getLogger(__name__)

SAVE_REFUSED = "Nothing was saved: correct the fields marked below."


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
NOT_ALLOWED = "Your role ({role}) may not open this page. Ask an administrator."
READ_ONLY_REFUSED = "Your role ({role}) may look at this page but not change anything here."


class LoginRequired:
    """Mixin: only logged-in, active users whose role may open the view's `area` see it
    (backoffice/roles.py); a change (any POST) needs a role that may change the area. Others
    go to the login page, or get a 403 with a message when logged in."""

    area = "records"

    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active and \
            roles.may_open(current_user, self.area)

    def may_change(self):
        return roles.may_change(current_user, self.area)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403, NOT_ALLOWED.format(role=roles.ROLE_LABELS.get(current_user.role)))
        return redirect(url_for("auth.login", next=request.full_path))

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if request.method not in SAFE_METHODS and not self.may_change():
            abort(403, READ_ONLY_REFUSED.format(role=roles.ROLE_LABELS.get(current_user.role)))
        return None


class SecureForm(FlaskForm):
    """Flask-WTF form base so the global CSRFProtect and Flask-Admin agree on the token."""


class SecureIndexView(LoginRequired, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("backoffice/index.html")


class SecureBaseView(LoginRequired, BaseView):
    pass


def add_form_error(form, field_name, message):
    """Show `message` on the field, or on the form as a whole when there is no such field.

    Messages about inline rows (sites, invoice lines) are flashed as well: the inline list has
    no single input to show them under.
    """
    field = getattr(form, field_name, None)
    if field is None or not hasattr(field, "errors") or isinstance(field, FieldList):
        flash(message, "error")
    if field is None or not hasattr(field, "errors"):
        return
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(message)


def _drop_generic_unique_checks(form_class):
    """Flask-Admin's own "Already exists." check gives way to the model's worded one."""
    for name in dir(form_class):
        unbound_field = getattr(form_class, name)
        if isinstance(unbound_field, UnboundField):
            validators = unbound_field.kwargs.get("validators") or []
            validators[:] = [v for v in validators if not isinstance(v, Unique)]


class SecureModelView(LoginRequired, ModelView):
    """A generated CRUD screen behind login, with the host's rules and the plugin hooks.

    Subclasses set `form_only_fields` for form fields that are not model attributes (they are
    read in `on_model_change`, never copied onto the record).
    """

    form_base_class = SecureForm
    page_size = 50
    # Read per request: a role that may not change the area sees no New/Edit/Delete.
    can_create = property(lambda self: self._can_create and self.may_change(),
                          lambda self, value: setattr(self, "_can_create", value))
    can_edit = property(lambda self: self._can_edit and self.may_change(),
                        lambda self, value: setattr(self, "_can_edit", value))
    can_delete = property(lambda self: self._can_delete and self.may_change(),
                          lambda self, value: setattr(self, "_can_delete", value))
    _can_create = _can_edit = _can_delete = True
    can_view_details = True
    list_template = "backoffice/model_list.html"
    edit_template = "backoffice/model_edit.html"
    details_template = "backoffice/model_details.html"
    form_only_fields = ()

    def __init_subclass__(cls, **kwargs):
        """`can_create = False` in a subclass keeps the role check: it sets the flag under it."""
        super().__init_subclass__(**kwargs)
        for name in ("can_create", "can_edit", "can_delete"):
            value = cls.__dict__.get(name)
            if isinstance(value, bool):
                setattr(cls, f"_{name}", value)
                delattr(cls, name)

    def may_change(self):
        return has_request_context() and super().may_change()

    def is_action_allowed(self, name):
        return self.may_change() and super().is_action_allowed(name)

    def __init__(self, model, **kwargs):
        # Plugins registered their extensions before the admin is built (app.py), so they are
        # known here, while the form and the list columns are scaffolded.
        self.extensions = hooks.view_extensions(model.__name__)
        self.column_formatters = dict(self.column_formatters or {})
        for extension in self.extensions:
            self.column_formatters.update(extension.list_columns(self))
        super().__init__(model, db, **kwargs)

    # --- form building ------------------------------------------------------------------------

    def scaffold_form(self):
        form_class = super().scaffold_form()
        _drop_generic_unique_checks(form_class)
        self.extension_field_names = {}
        for extension in self.extensions:
            for name, unbound_field in extension.extra_form_fields(self).items():
                setattr(form_class, name, unbound_field)
                self.extension_field_names[name] = extension
        return form_class

    def active_extensions(self):
        return [extension for extension in self.extensions if extension.is_active()]

    def _without_inactive_fields(self, form):
        """Drop the form fields of extensions switched off for this request."""
        for name, extension in getattr(self, "extension_field_names", {}).items():
            if name in form and not extension.is_active():
                del form[name]
        return form

    def edit_form(self, obj=None):
        return self._without_inactive_fields(super().edit_form(obj))

    def create_form(self, obj=None):
        form = self._without_inactive_fields(super().create_form(obj))
        if not is_form_submitted():
            self.on_form_create(form)
            for extension in self.active_extensions():
                extension.on_form_create(form)
        return form

    def on_form_create(self, form):
        """Host defaults for a new record's form (override per screen)."""

    def on_form_prefill(self, form, id):
        # Only when the form is first shown: after a refused save the user's input stays.
        if request.method != "GET":
            return
        model = self.get_one(id)
        for extension in self.active_extensions():
            extension.on_form_prefill(form, model)

    # --- list -----------------------------------------------------------------------------------

    def get_count_query(self):
        # A search matches with LIKE '%term%', which no index serves: counting every match would
        # scan the whole table a second time (bench/bench_list_view.py). Search results page
        # with previous/next instead of page numbers.
        if request.args.get("search"):
            return None
        return super().get_count_query()

    # --- list columns -------------------------------------------------------------------------

    def get_list_columns(self):
        columns = super().get_list_columns()
        for extension in self.extensions:
            for name in extension.list_columns(self):
                columns.append((name, self.get_column_name(name)))
        return columns

    @property
    def _list_columns(self):
        # Flask-Admin caches the columns once; the columns of a switched-off extension are
        # left out per request.
        if not has_request_context():
            return self._all_list_columns
        hidden = {name for extension in self.extensions if not extension.is_active()
                  for name in extension.list_columns(self)}
        return [column for column in self._all_list_columns if column[0] not in hidden]

    @_list_columns.setter
    def _list_columns(self, columns):
        self._all_list_columns = columns

    # --- saving -------------------------------------------------------------------------------

    def create_model(self, form):
        model = self.build_new_instance()
        return model if self.save_record(form, model, is_created=True) else False

    def update_model(self, form, model):
        return self.save_record(form, model, is_created=False)

    def save_record(self, form, model, is_created):
        """Populate, check, save; on any refusal roll back so nothing is half-written."""
        session = db.session
        try:
            with session.no_autoflush:
                errors = self.populate_record(form, model)
                if is_created:
                    session.add(model)
                # Every problem at once, so the user corrects the form in one go.
                for field_name, message in self.problems(form, model, is_created).items():
                    errors.setdefault(field_name, message)
            if errors:
                return self.refuse(form, errors)
            self._on_model_change(form, model, is_created)
            session.commit()
        except InvalidValue as error:
            return self.refuse(form, {error.field: error.message})
        except IntegrityError as error:
            field_and_message = integrity_error_field(str(error.orig))
            if field_and_message is None:
                log.warning("Save refused by the database: %s", error.orig)
                field_and_message = ("", "The database refused this record; check the values "
                                         "and try again.")
            return self.refuse(form, dict([field_and_message]))
        except Exception:  # noqa: BLE001 - the user gets a message, the log the details
            log.exception("Saving a %s failed", self.model.__name__)
            return self.refuse(form, {"": "Saving failed unexpectedly; nothing was saved. "
                                          "Try again, and tell your administrator if it persists."})
        self.after_record_saved(form, model, is_created)
        return True

    def populate_record(self, form, model):
        """Copy the form onto the record field by field, collecting every refused value."""
        errors = {}
        skipped = set(self.form_only_fields) | set(getattr(self, "extension_field_names", {}))
        for name, field in form._fields.items():
            if name in skipped or name == "csrf_token":
                continue
            try:
                field.populate_obj(model, name)
            except InvalidValue as error:
                # A refused value of an inline row belongs to the inline list, not to a
                # same-named field of the parent form.
                target = name if isinstance(field, FieldList) or error.field not in form \
                    else error.field
                errors.setdefault(target, error.message)
        return errors

    def problems(self, form, model, is_created):
        """The model's rules, the screen's own checks, then each plugin's `validate`."""
        errors = record_errors(model)
        errors.update(self.check_form(form, model, is_created))
        for extension in self.active_extensions():
            for field_name, message in (extension.validate(form, model, is_created) or {}).items():
                errors.setdefault(field_name, message)
        return errors

    def check_form(self, form, model, is_created):
        """Screen-specific checks (override): {field: message}."""
        return {}

    def refuse(self, form, errors):
        db.session.rollback()
        for field_name, message in errors.items():
            add_form_error(form, field_name, message)
        flash(SAVE_REFUSED, "error")
        return False

    def on_model_change(self, form, model, is_created):
        for extension in self.active_extensions():
            extension.on_model_change(form, model, is_created)

    def after_record_saved(self, form, model, is_created):
        self.after_model_change(form, model, is_created)
        for extension in self.active_extensions():
            try:
                extension.after_model_change(form, model, is_created)
            except Exception as error:  # noqa: BLE001 - the record is saved; say what failed
                log.exception("After-save step of %s failed", type(extension).__name__)
                flash(f"The record was saved, but a follow-up step failed: {error}", "warning")

    # --- bulk delete --------------------------------------------------------------------------

    @action("delete", "Delete", "Are you sure you want to delete the selected records?")
    def action_delete(self, ids):
        # Flask-Admin passes the ticked ids as strings; PostgreSQL refuses to compare an integer
        # key with text, so they are converted to the key's own type first.
        key_type = self.model.__mapper__.primary_key[0].type.python_type
        super().action_delete([key_type(id_) for id_ in ids])

    # --- record pages -------------------------------------------------------------------------

    def record_panels(self, model):
        panels = []
        for extension in self.active_extensions():
            panel = extension.record_panel(self, model)
            if panel:
                panels.append(panel)
        return panels

    def render(self, template, **kwargs):
        if kwargs.get("model") is not None:
            kwargs["record_panels"] = self.record_panels(kwargs["model"])
        kwargs.setdefault("list_actions", hooks.list_actions_for(self))
        return super().render(template, **kwargs)

    def handle_view_exception(self, exc):
        # An IntegrityError outside a save (e.g. deleting a customer that has invoices).
        if isinstance(exc, IntegrityError):
            flash("The database refused this change because other records depend on it "
                  "(for example invoices of a customer).", "error")
            return True
        return super().handle_view_exception(exc)
