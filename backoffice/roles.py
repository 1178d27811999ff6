"""Roles and what each may see and change, as data.

Every admin screen names its `area` (admin_views/base.py); a role lists the areas it may open and
those it may change. The administrator may do everything; finance works with the books (imports,
mappings, records, retries); read-only may look at those but change nothing. Users, connections
(Exact companies), settings, the audit log and the jobs dashboard are the administrator's.
"""
ADMINISTRATOR = "administrator"
FINANCE = "finance"
READ_ONLY = "read_only"

ROLE_LABELS = {ADMINISTRATOR: "Administrator", FINANCE: "Finance", READ_ONLY: "Read-only"}

FINANCE_AREAS = frozenset({"imports", "mappings", "records", "retries"})
ADMIN_AREAS = frozenset({"users", "connections", "settings", "audit", "jobs"})

# role: (areas it may open, areas it may change)
PERMISSIONS = {
    ADMINISTRATOR: (FINANCE_AREAS | ADMIN_AREAS, FINANCE_AREAS | ADMIN_AREAS),
    FINANCE: (FINANCE_AREAS, FINANCE_AREAS),
    READ_ONLY: (FINANCE_AREAS, frozenset()),
}


def _permissions(user):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset(), frozenset()
    return PERMISSIONS.get(getattr(user, "role", None), (frozenset(), frozenset()))


def may_open(user, area):
    return area in _permissions(user)[0]


def may_change(user, area):
    return area in _permissions(user)[1]
