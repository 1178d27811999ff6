"""What a record's sync badge says, computed from the truth (one place: badge, list column,
the JSON the record page polls, the save message and the fault soak's checker).

A record is "Synced" only when the payload it would send now equals the payload Exact last
acknowledged for it (ExportState.sent_payload, stored after Exact's answer; a create whose
answer never came is "Unknown" until the natural-key lookup settles it). Otherwise the badge
says why it differs: waiting (module off / company paused), queued, failed, not sendable, or
"Changed since last sync" (nothing will send it until Retry).

A record that only came from an import has no acknowledged payload: it is in step with Exact
as imported while no change of it waits in the outbox (every change is captured, whatever the
module switch says: outbox.py).
"""
from dataclasses import dataclass

from backoffice.db import db
from exact_plugin import binder, connection
from exact_plugin.entities import export_of
from exact_plugin.errors import LocalValidationError
from exact_plugin.mappers.outbound import payload_hash
from exact_plugin.syncing import exporter, outbox
from exact_plugin.syncing.companies import connection_syncs
from exact_plugin.syncing.models import ExportState
from exact_plugin.syncing.states import FAILED

SYNCED = "synced"
CHANGED = "changed"
WAITING_MODULE = "waiting_module"
WAITING_PAUSED = "waiting_paused"
QUEUED = "queued"
FAILED_KEY = "failed"
UNKNOWN = "unknown"
NOT_SENT = "not_sent"
NOT_SYNCED = "not_synced"

COLOURS = {SYNCED: "success", CHANGED: "warning", WAITING_MODULE: "warning",
           WAITING_PAUSED: "warning", QUEUED: "info", FAILED_KEY: "danger", UNKNOWN: "dark",
           NOT_SENT: "secondary", NOT_SYNCED: "secondary"}


@dataclass
class Status:
    key: str
    label: str
    message: str | None
    # Final: nothing is on its way; the record page stops polling.
    final: bool

    @property
    def colour(self):
        return COLOURS[self.key]


def binding_status(record, binding, enabled=None):
    spec = export_of(binding.host_model)
    company = binding.connection
    enabled = connection.is_enabled() if enabled is None else enabled
    waiting, taken, retry_note = outbox.has_waiting_entry(binding.host_model, binding.host_id)
    held = _held(enabled, company)
    if not connection_syncs(company, binding.host_model):
        return Status(NOT_SYNCED, "Not synced",
                      f"{company.name} does not sync {spec.label.lower()}s (its 'Entities to "
                      f"sync' settings).", True)
    state = db.session.execute(db.select(ExportState).filter_by(binding_id=binding.id)
                               ).scalar_one_or_none()
    if state is not None and state.create_sent_at and not binding.exact_id:
        checking = waiting and not held
        return Status(UNKNOWN, "Unknown: the answer from Exact was lost; " + (
            "checking" if checking else "checked when it is sent again"),
            "It is looked up in Exact Online by its "
            f"{spec.natural_key} before anything is sent again, so it is never created twice."
            + (f" {held}" if held else ""), not checking)
    try:
        payload, cannot = exporter.current_payload(spec, record, binding), None
    except LocalValidationError as exc:
        payload, cannot = None, exc.message
    acknowledged = exporter.acknowledged_payload(binding)
    if cannot is None and acknowledged is not None \
            and payload_hash(payload) == payload_hash(acknowledged):
        return Status(SYNCED, "Synced", binding.last_error if binding.sync_state != FAILED
                      else None, True)
    if cannot is None and state is None and binding.exact_id and not waiting \
            and binding.sync_state != FAILED:
        return Status(SYNCED, "Synced", "In step with Exact Online since the import.", True)
    if waiting and held:
        key = WAITING_MODULE if not enabled else WAITING_PAUSED
        label = "Waiting (module off)" if not enabled else "Waiting (company paused)"
        # Not final: the page keeps looking, so enabling (or resuming) elsewhere shows here.
        return Status(key, label, held, False)
    if waiting:
        return Status(QUEUED, "Sending" if taken else "Queued", retry_note, False)
    if binding.sync_state == FAILED:
        return Status(FAILED_KEY, "Failed", binding.last_error or
                      "See the outbound requests log, then press Retry.", True)
    if cannot is not None:
        return Status(NOT_SENT, "Not synced", cannot, True)
    return Status(CHANGED, "Changed since last sync",
                  "Exact Online does not hold this version and nothing is on its way: press "
                  "Retry to send it.", True)


def _held(enabled, company):
    """Why changes of this company are held, or None."""
    if not enabled:
        return ("The Exact Online module is disabled: the change is sent when it is enabled "
                "again (Configuration > Integrations).")
    if company.sync_paused:
        return (f"The sync of {company.name!r} is paused: the change is sent when it is "
                f"resumed (Exact Online companies > {company.name}).")
    return None


def record_statuses(host_model, record):
    """[(binding, Status)] for every company the record belongs to."""
    enabled = connection.is_enabled()
    return [(binding, binding_status(record, binding, enabled))
            for binding in binder.bindings_of_host(host_model, record.id)]


def save_message(host_model, record):
    """What the save means for Exact, e.g. "Saved; sending to Exact Online (ACME)." """
    statuses = record_statuses(host_model, record)
    if not statuses:
        return ("warning", "Saved; not sent to Exact Online because it has no Exact Online "
                "company: choose one in 'Exact Online company' to send it.")
    parts, category = [], "info"
    for binding, status in statuses:
        name = binding.connection.name
        if status.key == QUEUED:
            parts.append(f"sending to Exact Online ({name})")
        elif status.key == SYNCED:
            parts.append(f"Exact Online ({name}) holds this version")
        elif status.key == UNKNOWN:
            parts.append(f"checking what Exact Online ({name}) holds")
        else:
            category = "warning"
            reason = status.message or status.label
            parts.append(f"not sent to Exact Online ({name}) because {_lower_first(reason)}")
    return category, "Saved; " + "; ".join(parts) + "."


def _lower_first(text):
    return text[:1].lower() + text[1:] if text else text


def as_json(host_model, record):
    rows = [{"binding": binding.id, "company": binding.connection.name, "state": status.key,
             "label": status.label, "colour": status.colour, "message": status.message,
             "number": getattr(binding, export_of(host_model).number_attribute),
             "final": status.final}
            for binding, status in record_statuses(host_model, record)]
    return {"rows": rows, "final": all(row["final"] for row in rows)}
