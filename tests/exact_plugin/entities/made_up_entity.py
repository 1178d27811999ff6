"""A made-up Exact entity, declared the way a new one is: this one module is all it takes.

Exact's cost centres (`hrm/Costcenters`) imported as product groups; not a real feature, only
the proof that the registry is the one place an entity is declared.
"""
from backoffice.models import ProductGroup
from exact_plugin.entities import ExactEntity, Import
from exact_plugin.mappers.inbound import text


def map_cost_centre(record):
    return {"name": text(record.get("Description"))}


ENTITY = ExactEntity(
    name="cost_centres", plural="cost centres", endpoint="hrm/Costcenters",
    select=("ID", "Code", "Description"), host_model="ProductGroup",
    importing=Import(model=ProductGroup, label="cost centre", mapper=map_cost_centre,
                     code_rule="code", order=90))
