"""GL accounts (`financial/GLAccounts`): imported, kept in step, referred to by products."""
from backoffice.models import GLAccount
from exact_plugin.entities.declaration import ExactEntity, Import
from exact_plugin.mappers import inbound

ENTITY = ExactEntity(
    name="gl_accounts", plural="GL accounts", endpoint="financial/GLAccounts",
    bulk_path="bulk/Financial/GLAccounts", sync_path="sync/Financial/GLAccounts",
    select=("ID", "Code", "Description", "Type", "BalanceType", "IsBlocked"),
    deleted_type=7, host_model="GLAccount",
    importing=Import(model=GLAccount, label="GL account", mapper=inbound.map_gl_account,
                     code_rule="code", code_columns=("code",), order=20))
