"""The audit log: who changed what, when, with the values before and after.

Models are registered with `audit_model(Model, label=..., ignore=(...))` (the host registers
users; the plugin its companies, settings, mappings and import runs). A session listener
records every insert, update and delete of a registered model in the same transaction, as one
`AuditEntry` row: the actor (the logged-in user's login, else "cli" or "system"), the action,
the record, and a JSON object {column: [before, after]}. Secrets (encrypted columns, password
hashes, session tokens) are written as "(changed)" and never in clear. `record_event()` logs
actions that are not row changes (logins, key rotation, an import started).
"""
import json
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from backoffice.crypto import EncryptedText
from backoffice.db import db
from backoffice.models import utcnow

HIDDEN = "(changed)"
SECRET_COLUMNS = {"password_hash", "session_token"}
_AUDITED = {}


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor = db.Column(db.String(80), nullable=False)
    action = db.Column(db.String(20), nullable=False)
    model = db.Column(db.String(60), nullable=False, index=True)
    record_id = db.Column(db.String(60))
    record = db.Column(db.String(200))
    changes = db.Column(db.Text)


def audit_model(model, label=None, ignore=(), actions=("create", "update", "delete"),
                only_in_requests=False):
    """Record the changes of `model`: columns in `ignore` alone do not make an entry; with
    `only_in_requests` only changes made from a page are logged (not the jobs' bulk writes)."""
    _AUDITED[model] = {"label": label or model.__name__, "ignore": set(ignore),
                       "actions": set(actions), "only_in_requests": only_in_requests}


def current_actor():
    if has_request_context():
        from flask_login import current_user
        if getattr(current_user, "is_authenticated", False):
            return current_user.login
        return "anonymous"
    from flask import current_app
    return "cli" if current_app and current_app.extensions.get("backoffice_cli_running") else "system"


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _is_secret(column):
    return column.key in SECRET_COLUMNS or isinstance(column.type, EncryptedText)


def _changes(obj, action, ignore):
    changes = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        history = state.attrs[attr.key].history
        if action == "update" and not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else (
            None if action == "create" else (history.unchanged[0] if history.unchanged else None))
        after = None if action == "delete" else (
            history.added[0] if history.added else (history.unchanged[0] if history.unchanged
                                                    else None))
        if action == "update" and attr.key in ignore:
            continue
        if action == "create" and after is None:
            continue
        if _is_secret(column):
            before, after = (HIDDEN if before is not None else None), (
                HIDDEN if after is not None else None)
        changes[attr.key] = [_plain(before), _plain(after)]
    return changes


def _collect(session, _flush_context, _instances):
    pending = session.info.setdefault("audit_pending", [])
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            settings = _AUDITED.get(type(obj))
            if settings is None or action not in settings["actions"] or (
                    settings["only_in_requests"] and not has_request_context()):
                continue
            changes = _changes(obj, action, settings["ignore"])
            if action == "update" and not changes:
                continue
            pending.append((action, obj, settings["label"], changes))


def _write(session, _flush_context):
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    rows = []
    for action, obj, label, changes in pending:
        # In after_flush the new rows have their keys, not yet their identity.
        identity = inspect(obj).mapper.primary_key_from_instance(obj)
        rows.append({"created_at": utcnow(), "actor": actor, "action": action, "model": label,
                     "record_id": ",".join(str(part) for part in identity if part is not None) or None,
                     "record": str(obj)[:200], "changes": json.dumps(changes, sort_keys=True)})
    session.connection().execute(sa.insert(AuditEntry.__table__), rows)


def record_event(action, model, record=None, details=None, actor=None):
    """Log an action that is not a row change (e.g. "rotate-key"), in the current session."""
    db.session.execute(sa.insert(AuditEntry.__table__).values(
        created_at=utcnow(), actor=actor or current_actor(), action=action, model=model,
        record=(record or "")[:200], changes=json.dumps(details or {}, sort_keys=True)))


def _forget_pending(session, *_args):
    session.info.pop("audit_pending", None)


def _register_host_models():
    from backoffice.models import User
    audit_model(User, "User", ignore=("session_token",))


_register_host_models()
event.listen(Session, "before_flush", _collect)
event.listen(Session, "after_flush", _write)
event.listen(Session, "after_soft_rollback", _forget_pending)
