"""The shape of one entity declaration: what an `exact_plugin/entities/<name>.py` module holds.

`ExactEntity` holds the API facts (paths, key, natural key, `$select` per endpoint, the
`sync/Deleted` type, the webhook topic) and the host model. Two optional parts say what the
plugin does with it: `Import` (Exact -> back office: mapper, matching rules, batch hooks) and
`Export` (back office -> Exact: settings flag, payload builder, dependencies, write-back).
Importer, exporter, screens, CLI and jobs read these; where an entity differs, it is a hook
here, never an `if entity == ...` in generic code.
"""
from dataclasses import dataclass, field
from typing import Callable

# The endpoints an entity can be read through (reference §3.4, §6.7).
PLAIN, BULK, SYNC = "plain", "bulk", "sync"


@dataclass(frozen=True)
class Import:
    """Where an imported record lands in the back office, and how it is matched."""
    model: type                      # host model class
    label: str                       # one record, in the admin's words
    mapper: Callable                 # exact_plugin/mappers/inbound.py: Exact record -> fields
    code_rule: str                   # how the second matching rule is shown in the preview
    code_columns: tuple = ()         # host columns holding the Exact code (second rule)
    name_column: str = "name"        # host column holding the name (third rule)
    # Exact: VAT codes are kept on the mapping, not on the host tax rate (issue 5)
    codes_on_bindings: bool = False
    # host_code(exact code) -> the code the host holds, when the two differ (suppliers)
    host_code: Callable | None = None
    create_only: tuple = ()          # written only on create (unique host IDs)
    unique_columns: tuple = ()
    prepare: Callable | None = None      # prepare(ctx, items): resolve references per batch
    after_write: Callable | None = None  # after_write(ctx, created, updated): related rows
    related_tables: tuple = ()       # tables after_write grows (their statistics are refreshed)
    # plan_removals(run) -> [{"id", "name"}]: what Start will remove, listed in the preview;
    # after_apply(listed) -> [notes] once a run is applied: removes only what was listed
    # (None: a run without preview, the CLI and the daily import, removes what is removable).
    plan_removals: Callable | None = None
    after_apply: Callable | None = None
    fetch_first: tuple = ()          # entities read into staging before this one
    # enrich(client, pages) -> pages: adds what the sync endpoint does not serve (item prices)
    # to each page before it is staged; called in the reading thread, so calls stay serial
    enrich: Callable | None = None
    list_button: bool = True         # "Import from Exact Online" on the host model's list
    daily_setting: str | None = None  # the company flag asking for a daily import
    order: int = 100                 # import order: what others refer to comes first
    entity: str = ""                 # filled in by ExactEntity

    @property
    def host_model(self):
        return self.model.__name__

    @property
    def table(self):
        return self.model.__table__

    @property
    def written_tables(self):
        """Every table an apply of this entity grows."""
        from exact_plugin.importing.models import StagedRecord
        from exact_plugin.models import Binding
        return (self.table, Binding.__table__, StagedRecord.__table__) + self.related_tables


def _no_note(*_args):
    return None


@dataclass(frozen=True)
class Export:
    """How a host record is created and updated in Exact."""
    label: str                       # what an admin calls one record
    setting: str                     # the company flag of the guide's "Entities to sync"
    build: Callable                  # build(record, binding) -> payload (validates first)
    number_field: str = "Code"       # the Exact field shown as "its Exact number"
    # The binding column that holds that number: the code for accounts and items, the
    # number Exact assigned for invoices (their code stays the YourRef they were sent with).
    number_attribute: str = "exact_code"
    # Exact: Account codes are stored right-aligned in 18 characters (reference §3.4, §9.11)
    padded_key: bool = False
    # after_create(client, record, binding, state, exact_record) -> note | None
    after_create: Callable = _no_note
    # update(client, record, binding, state, previous, payload) -> note | None; None: the
    # exporter PUTs the changed fields
    update: Callable | None = None
    # note(record) -> str | None: said on the badge after a successful sync
    note: Callable = _no_note
    # The payload's fields an import or match records as what Exact holds (ExportState), so
    # the first edit after an import sends only what the admin changed; () records nothing.
    held_fields: tuple = ()
    # Other host models whose changes mean this record must be sent again:
    # {model name: function(changed object) -> this record's id or None}
    parts: dict = field(default_factory=dict)
    # A new record goes to the company of the record it points to: (host model, id attribute)
    company_from: tuple | None = None
    # view_extension() -> the ModelViewExtension class for its admin screen; None: the default
    view_extension: Callable | None = None
    entity: object = None            # the ExactEntity, filled in by it

    @property
    def host_model(self):
        return self.entity.host_model

    @property
    def endpoint(self):
        return self.entity.endpoint

    @property
    def key(self):
        return self.entity.key

    @property
    def natural_key(self):
        """Exact: found again by this field after a lost answer (reference §9.7)."""
        return self.entity.natural_key


@dataclass(frozen=True)
class ExactEntity:
    name: str                   # our name for it: URLs, the CLI, the cursor and staging tables
    plural: str                 # what an admin calls them ("customers", "GL accounts")
    endpoint: str               # the plain endpoint, relative to /api/v1/{division}/
    select: tuple               # Exact: $select is mandatory on bulk and sync (reference §3.4)
    key: str = "ID"
    natural_key: str = "Code"   # found again by this field (reference §9.7)
    bulk_path: str | None = None
    sync_path: str | None = None
    # A different field set for one endpoint: {PLAIN|BULK|SYNC: (fields...)}
    select_by_endpoint: dict = field(default_factory=dict)
    # Exact: sync/Deleted EntityType codes (reference §6.7)
    deleted_type: int | None = None
    webhook_topic: str | None = None
    host_model: str | None = None   # host class name, also Binding.host_model
    name_field: str = "Description"  # the Exact field an admin recognises a record by
    # belongs(record) -> bool: which fetched records are this entity (Accounts: customers)
    belongs: Callable | None = None
    importing: Import | None = None
    exporting: Export | None = None

    def __post_init__(self):
        if self.importing is not None:
            object.__setattr__(self.importing, "entity", self.name)
        if self.exporting is not None:
            object.__setattr__(self.exporting, "entity", self)

    @property
    def label(self):
        """The plural as a heading: "Customers", "GL accounts"."""
        return self.plural[:1].upper() + self.plural[1:]

    @property
    def incremental(self):
        """Read through the sync endpoint, only what changed since the stored Timestamp."""
        return self.sync_path is not None

    def fields(self, endpoint=PLAIN):
        """The `$select` list for one endpoint (PLAIN, BULK or SYNC)."""
        return self.select_by_endpoint.get(endpoint, self.select)

    def is_record(self, record):
        return self.belongs is None or self.belongs(record)
