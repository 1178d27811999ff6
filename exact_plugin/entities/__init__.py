"""The entity registry: one module per Exact entity in this package, each declaring `ENTITY`.

A module here (customers.py, products.py, ...) holds everything about one Exact entity: its
paths, key, natural key, `$select` lists, host model, labels, mappers, matching rules and
export hooks (the shape is in declaration.py). Importers, exporters, screens, the CLI and jobs
ask this registry; none of them names an entity. Adding an entity means adding one module.
"""
import importlib
import pkgutil

from exact_plugin.entities.declaration import BULK, PLAIN, SYNC, ExactEntity, Export, Import

__all__ = ["BULK", "PLAIN", "SYNC", "ExactEntity", "Export", "Import", "entity",
           "all_entities", "importable", "exported", "export_of", "add_module", "remove"]

_NOT_ENTITIES = {"declaration"}
_registry = {}
_own_modules_loaded = []


def _load():
    """The registry, reading this package's modules the first time it is asked."""
    if not _own_modules_loaded:
        _own_modules_loaded.append(True)
        for module in pkgutil.iter_modules(__path__):
            if module.name not in _NOT_ENTITIES:
                _register(f"{__name__}.{module.name}")
    return _registry


def _register(module_name):
    declared = getattr(importlib.import_module(module_name), "ENTITY", None)
    if declared is not None:
        _registry[declared.name] = declared
    return declared


def add_module(module_name):
    """Register the `ENTITY` a module declares (the plugin's own, or one from elsewhere)."""
    _load()
    return _register(module_name)


def remove(name):
    _registry.pop(name, None)


def all_entities():
    return dict(_load())


def entity(name):
    """The entity called `name`; KeyError names the known ones."""
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"Unknown Exact entity {name!r}; known: {', '.join(_load())}") from None


def importable():
    """The entities an admin imports, in the order their references need."""
    found = [spec for spec in _load().values() if spec.importing is not None]
    return sorted(found, key=lambda spec: spec.importing.order)


def exported():
    """{host model: Export} of every entity sent to Exact."""
    return {spec.host_model: spec.exporting for spec in _load().values()
            if spec.exporting is not None}


def export_of(host_model):
    """The Export of this host model, or None."""
    return exported().get(host_model)
