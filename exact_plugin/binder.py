"""The binder: which host record is which Exact record, per connection (OCA connector's word).

Bindings are the guide's mapping tables. Importers and exporters both go through these
functions, so the 1-1 rule and the lookups live in one place.
"""
from backoffice.db import db
from exact_plugin.models import Binding


def binding_for_host(connection_id, host_model, host_id):
    return db.session.execute(db.select(Binding).filter_by(
        connection_id=connection_id, host_model=host_model, host_id=host_id)).scalar_one_or_none()


def binding_for_exact(connection_id, host_model, exact_id):
    return db.session.execute(db.select(Binding).filter_by(
        connection_id=connection_id, host_model=host_model, exact_id=exact_id)).scalar_one_or_none()


def bindings_of_host(host_model, host_id):
    """Every binding of one host record, across connections."""
    return db.session.execute(db.select(Binding).filter_by(
        host_model=host_model, host_id=host_id).order_by(Binding.id)).scalars().all()


def bind(connection_id, host_model, host_id, *, exact_id=None, exact_code=None, **fields):
    """Create or update the binding of a host record in a connection; returns it (not committed)."""
    binding = binding_for_host(connection_id, host_model, host_id)
    if binding is None:
        binding = Binding(connection_id=connection_id, host_model=host_model, host_id=host_id)
        db.session.add(binding)
    if exact_id is not None:
        binding.exact_id = exact_id
    if exact_code is not None:
        binding.exact_code = exact_code
    for name, value in fields.items():
        setattr(binding, name, value)
    return binding


def host_ids_by_exact_id(connection_id, host_model, exact_ids):
    """{Exact ID: host id} of the records of one company bound to these Exact IDs (one query)."""
    from exact_plugin.importing.sql import among
    exact_ids = [exact_id for exact_id in set(exact_ids) if exact_id]
    if not exact_ids:
        return {}
    return dict(db.session.execute(db.select(Binding.exact_id, Binding.host_id).where(
        Binding.connection_id == connection_id, Binding.host_model == host_model,
        among(Binding.exact_id, exact_ids))).all())


def host_ids_by_exact_code(connection_id, host_model, codes):
    """{Exact code: host id} of the records of one company bound to these codes (one query)."""
    from exact_plugin.importing.sql import among
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(db.session.execute(db.select(Binding.exact_code, Binding.host_id).where(
        Binding.connection_id == connection_id, Binding.host_model == host_model,
        among(Binding.exact_code, codes))).all())


def bindings_of_hosts(host_model, host_ids):
    """Every binding of these host records, across companies (one query)."""
    return db.session.execute(db.select(Binding).filter(
        Binding.host_model == host_model, Binding.host_id.in_(host_ids))).scalars().all()


def other_binding_with_code(connection_id, host_model, exact_code, host_id):
    """A binding of another host record to this Exact code in the company, or None."""
    return db.session.execute(db.select(Binding).filter(
        Binding.connection_id == connection_id, Binding.host_model == host_model,
        Binding.exact_code == exact_code, Binding.host_id != host_id)).scalars().first()


def exact_codes(host_model):
    """Every Exact code bound to a record of this host model, in any company."""
    return db.session.execute(db.select(Binding.exact_code).filter(
        Binding.host_model == host_model, Binding.exact_code.is_not(None))).scalars().all()


def bindings_in_state(host_models, sync_state, limit):
    """The most recently changed bindings of these host models in this sync state."""
    return db.session.execute(db.select(Binding).filter(
        Binding.host_model.in_(list(host_models)), Binding.sync_state == sync_state
    ).order_by(Binding.updated_at.desc()).limit(limit)).scalars().all()
