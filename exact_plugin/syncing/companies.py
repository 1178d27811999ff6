"""Which Exact company (connection) a host record belongs to.

A record belongs to a company when it has a Binding in that connection; a binding without an
Exact ID means "assigned, not in Exact yet" (exact_plugin/binder.py). New customers, products
and suppliers get the integration's default company (guide: "Default tenant for new
customers, products and suppliers"); a new invoice gets its customer's company.
"""
from backoffice.db import db
from exact_plugin import binder, connection
from exact_plugin.models import Binding, ExactConnection


def integration_enabled():
    return connection.is_enabled()


def company_of(host_model, host_id):
    """The connection the record is assigned to (its first binding), or None."""
    bindings = binder.bindings_of_host(host_model, host_id) if host_id else []
    return bindings[0].connection if bindings else None


def default_company_for(host_model, record=None):
    """The company a new record of this kind goes to when nobody chose one."""
    if host_model == "Invoice" and record is not None and record.customer_id:
        customer_company = company_of("Customer", record.customer_id)
        if customer_company is not None:
            return customer_company
    return connection.default_connection()


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


def bindings_by_record(host_model, host_ids):
    """{host id: [bindings]} for a page of records (one query)."""
    result = {}
    if not host_ids:
        return result
    rows = db.session.execute(db.select(Binding).filter(
        Binding.host_model == host_model, Binding.host_id.in_(list(host_ids))
    ).order_by(Binding.id)).scalars()
    for binding in rows:
        result.setdefault(binding.host_id, []).append(binding)
    return result


def _host_record(host_model, host_id):
    from backoffice import models as host
    return db.session.get(getattr(host, host_model), host_id)
