"""Which Exact company (connection) a host record belongs to.

A record belongs to a company when it has a Binding in that connection; a binding without an
Exact ID means "assigned, not in Exact yet" (exact_plugin/binder.py). New customers, products
and suppliers get the integration's default company (guide: "Default tenant for new
customers, products and suppliers"); a new invoice gets its customer's company.
"""
from backoffice.db import db
from exact_plugin import binder, connection
from exact_plugin.entities import export_of
from exact_plugin.models import ExactConnection


def integration_enabled():
    return connection.is_enabled()


def company_of(host_model, host_id):
    """The connection the record is assigned to (its first binding), or None."""
    bindings = binder.bindings_of_host(host_model, host_id) if host_id else []
    return bindings[0].connection if bindings else None


def default_company_for(host_model, record=None):
    """The company a new record of this kind goes to when nobody chose one: the company of
    the record it points to when its entity says so (an invoice: its customer's), else the
    integration's default."""
    spec = export_of(host_model)
    if spec is not None and spec.company_from and record is not None:
        other_model, attribute = spec.company_from
        other_id = getattr(record, attribute)
        other_company = company_of(other_model, other_id) if other_id else None
        if other_company is not None:
            return other_company
    return connection.default_connection()


def connection_syncs(connection, host_model):
    """Whether this company is set to sync this kind of record (guide: "Entities to sync")."""
    spec = export_of(host_model)
    return bool(spec and connection is not None and getattr(connection, spec.setting, False))


def assign_default_company(host_model, host_id):
    """Bind a new record to the default company unless it already has one."""
    if binder.bindings_of_host(host_model, host_id):
        return None
    record = _host_record(host_model, host_id)
    company = default_company_for(host_model, record) if record is not None else None
    if company is None:
        return None
    return binder.bind(company.id, host_model, host_id)


def set_company(host_model, host_id, connection_id):
    """The admin chose a company on the form (or none): keep bindings that are in Exact,
    drop the other assignments, and bind to the chosen company."""
    for binding in binder.bindings_of_host(host_model, host_id):
        if binding.connection_id != connection_id and not binding.exact_id:
            db.session.delete(binding)
    if connection_id is None:
        return None
    return binder.bind(connection_id, host_model, host_id)


def companies():
    """Every connection an admin can pick, by name."""
    return db.session.execute(db.select(ExactConnection).order_by(ExactConnection.name)
                              ).scalars().all()


def _host_record(host_model, host_id):
    from backoffice import models as host
    return db.session.get(getattr(host, host_model), host_id)


def set_paused(company, paused):
    """Pause or resume the sync of one company. Changes made while it is paused are still
    recorded in the outbox; resuming sends them, oldest first. Returns the records queued."""
    from exact_plugin.syncing import jobs
    company.sync_paused = bool(paused)
    db.session.commit()
    return 0 if paused else jobs.release_held(company_id=company.id)
