"""Item groups (`logistics/ItemGroups`): read before products and mapped to product groups by
hand (Exact Online > Item group mapping); never created, never a list import of their own."""
from exact_plugin.entities.declaration import ExactEntity

# Exact: ItemGroups are read-only and have no sync endpoint (reference §6.3).
ENTITY = ExactEntity(
    name="item_groups", plural="item groups", endpoint="logistics/ItemGroups",
    select=("ID", "Code", "Description", "IsDefault"))
