"""Customers: Exact Accounts with Status C (`crm/Accounts`), imported and sent.

Import: matched by binding, then the customer ID for accounting integration or accounts code,
then the name; a created customer gets a main site with the Exact address. Export: the account
with the main site's address, its Code padded to 18 characters.
"""
from sqlalchemy import select

from backoffice.db import db
from backoffice.models import Customer, Site
from exact_plugin.entities.declaration import ExactEntity, Export, Import
from exact_plugin.importing.sql import among, insert_rows
from exact_plugin.mappers import inbound, outbound
from exact_plugin.models import ExactConnection

MAIN_SITE_NAME = "Main"

# Exact: Account fields (reference §6.1); suppliers are Accounts too.
ACCOUNT_FIELDS = ("ID", "Code", "Name", "Status", "IsSupplier", "Blocked", "AddressLine1",
                  "AddressLine2", "AddressLine3", "Postcode", "City", "State", "Country", "Email",
                  "Phone", "VATNumber")


def prepare_customers(ctx, items):
    """Guide: the "top level for customers" setting places the customers an import creates."""
    top_level_id = db.session.execute(select(ExactConnection.top_level_id).where(
        ExactConnection.id == ctx.connection_id)).scalar()
    for _row, host_id, mapped in items:
        if host_id is None:
            mapped.fields["top_level_id"] = top_level_id


def write_main_sites(ctx, created, updated):
    """Guide: a created customer gets a main site with the Exact address; for an existing one
    the main site's address is replaced by the Exact address."""
    rows = [dict(mapped.site, customer_id=host_id, name=MAIN_SITE_NAME, is_main=True)
            for host_id, mapped in created]
    main_sites = dict(db.session.execute(select(Site.customer_id, Site.id).where(
        among(Site.customer_id, [host_id for host_id, _mapped in updated]),
        Site.is_main.is_(True))).all()) if updated else {}
    changes = []
    for host_id, mapped in updated:
        if host_id in main_sites:
            changes.append(dict(mapped.site, id=main_sites[host_id]))
        else:
            rows.append(dict(mapped.site, customer_id=host_id, name=MAIN_SITE_NAME,
                             is_main=True))
    insert_rows(Site.__table__, rows)
    if changes:
        db.session.execute(db.update(Site), changes)


def build_account(payload_of):
    """A payload builder for an Account: the accounting ID is required first."""
    def build(record, binding):
        from exact_plugin.syncing import validation
        validation.require_accounting_id(record, type(record).__name__)
        return payload_of(record)
    return build


def customer_of_site(site):
    """A site's address is part of its customer's account."""
    return site.customer_id


# Exact: customers are Accounts with Status C (reference §6.1); the sync endpoint only
# filters on Timestamp (reference §6.7), so the status is checked on our side (`belongs`).
ENTITY = ExactEntity(
    name="customers", plural="customers", endpoint="crm/Accounts",
    bulk_path="bulk/CRM/Accounts", sync_path="sync/CRM/Accounts",
    select=ACCOUNT_FIELDS, deleted_type=2, host_model="Customer", webhook_topic="Accounts",
    name_field="Name", belongs=inbound.is_customer,
    importing=Import(model=Customer, label="customer", mapper=inbound.map_customer,
                     code_rule="accounts code", code_columns=("accounting_id", "accounts_code"),
                     create_only=("accounting_id", "top_level_id"), prepare=prepare_customers,
                     after_write=write_main_sites, related_tables=(Site.__table__,), order=30),
    exporting=Export(label="Customer", setting="sync_customers",
                     build=build_account(outbound.customer_payload), padded_key=True,
                     note=outbound.state_note, held_fields=outbound.CUSTOMER_FIELDS,
                     parts={"Site": customer_of_site}))
