"""A binding's sync state: the four values Binding.sync_state takes, and how a badge shows them."""
NOT_SYNCED = "not_synced"
QUEUED = "queued"
SYNCED = "synced"
FAILED = "failed"

# state -> (badge label, Bootstrap colour)
BADGES = {
    NOT_SYNCED: ("Not synced", "secondary"),
    QUEUED: ("Queued", "info"),
    SYNCED: ("Synced", "success"),
    FAILED: ("Failed", "danger"),
}
