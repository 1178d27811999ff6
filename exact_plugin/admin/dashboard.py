"""The Exact Online dashboard (the plugin's home page) and the home page's one-line summary.

Per company: connection state, calls left this minute and today with the calls of the last 24
hours (from the outbound request log, drawn as CSS bars: no script, no CDN), changes waiting,
failures (each linked to its record), the last successful push, and the last and next import per
entity. Every figure is read when the page is drawn; what is not known is said as unknown.
"""
import math
import time
from datetime import timedelta

from flask import url_for
from flask_admin import expose
from markupsafe import Markup

from admin_views.base import SecureBaseView
from backoffice.db import db
from backoffice.models import utcnow
from exact_plugin import connection as exact
from exact_plugin import entities
from exact_plugin.admin.companies import CATEGORY, STATE_BADGES, STATE_LABELS, ExactModuleView
from exact_plugin.importing.models import ImportRun, SyncCursor
from exact_plugin.importing.runs import DAILY, PERIODIC_INTERVAL, kept_in_step
from exact_plugin.models import Binding, ExactConnection, OutboundRequest
from exact_plugin.syncing.models import OutboxEntry
from exact_plugin.syncing.states import FAILED, SYNCED

FAILURES_SHOWN = 20


def companies():
    return db.session.execute(db.select(ExactConnection).order_by(ExactConnection.name)
                              ).scalars().all()


def waiting(company_id):
    """Records of this company with an outbox row still to be pushed."""
    return db.session.execute(db.select(db.func.count(db.distinct(
        OutboxEntry.host_model + ":" + db.cast(OutboxEntry.host_id, db.String)))).select_from(
        OutboxEntry).join(Binding, db.and_(Binding.host_model == OutboxEntry.host_model,
                                           Binding.host_id == OutboxEntry.host_id)).filter(
        Binding.connection_id == company_id)).scalar() or 0


def failures(company_id):
    query = db.select(Binding).filter(Binding.connection_id == company_id,
                                      Binding.sync_state == FAILED)
    count = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(Binding.updated_at.desc()).limit(FAILURES_SHOWN)
                              ).scalars().all()
    return count, rows


def last_push(company_id):
    return db.session.execute(db.select(db.func.max(Binding.last_synced_at)).filter(
        Binding.connection_id == company_id, Binding.sync_state == SYNCED)).scalar()


def calls_by_hour(company_id, now=None):
    """[(hour start, calls)] for the last 24 hours, oldest first, from the outbound log."""
    now = now or utcnow()
    start = (now - timedelta(hours=23)).replace(minute=0, second=0, microsecond=0)
    times = db.session.execute(db.select(OutboundRequest.created_at).filter(
        OutboundRequest.connection_id == company_id, OutboundRequest.created_at >= start)
    ).scalars()
    counts = [0] * 24
    for created_at in times:
        index = int((created_at - start).total_seconds() // 3600)
        if 0 <= index < 24:
            counts[index] += 1
    return [(start + timedelta(hours=index), number) for index, number in enumerate(counts)]


def imports(company_id):
    """[(entity label, last run or None, next run time or None, how it is scheduled)]."""
    cursors = set(db.session.execute(db.select(SyncCursor.entity).filter(
        SyncCursor.connection_id == company_id)).scalars())
    company = db.session.get(ExactConnection, company_id)
    kept = set(kept_in_step())
    now = time.time()
    rows = []
    for spec in entities.importable():
        last = db.session.execute(db.select(ImportRun).filter(
            ImportRun.connection_id == company_id, ImportRun.entity == spec.name)
            .order_by(ImportRun.id.desc()).limit(1)).scalar()
        daily = spec.importing.daily_setting and getattr(company, spec.importing.daily_setting)
        next_at, how = None, "by hand (Import from Exact Online on its list)"
        if company.is_connected and spec.name in kept and spec.name in cursors:
            next_at, how = _next_slot(now, PERIODIC_INTERVAL), "every 15 minutes (changes only)"
        elif company.is_connected and daily:
            next_at, how = _next_slot(now, DAILY), "daily"
        rows.append((spec.plural, last, next_at, how))
    return rows


def _next_slot(now, interval):
    """When the periodic job next runs (jobs/schedule.py: slots are multiples of the interval)."""
    return utcnow() + timedelta(seconds=math.ceil(now / interval) * interval - now)


def company_health(company):
    failed_count, failed_rows = failures(company.id)
    hours = calls_by_hour(company.id)
    return {"company": company, "state_label": STATE_LABELS.get(company.state, company.state),
            "state_badge": STATE_BADGES.get(company.state, "secondary"),
            "calls_left": exact.calls_left(company), "waiting": waiting(company.id),
            "failed_count": failed_count, "failed": failed_rows, "last_push": last_push(company.id),
            "hours": hours, "peak": max([number for _hour, number in hours] + [1]),
            "calls_24h": sum(number for _hour, number in hours), "imports": imports(company.id)}


def record_url(host_model, host_id):
    return url_for(f"{host_model.lower()}.edit_view", id=host_id)


class ExactDashboardView(ExactModuleView, SecureBaseView):
    area = "retries"   # sync health: what finance watches and retries (backoffice/roles.py)

    @expose("/")
    def index(self):
        return self.render("exact/dashboard.html",
                           health=[company_health(company) for company in companies()],
                           record_url=record_url)


def home_summary():
    """One line per company on the back office's home page (through backoffice.hooks)."""
    from flask_login import current_user
    from backoffice import roles
    if not exact.is_enabled() or not roles.may_open(current_user, ExactDashboardView.area):
        return None
    lines = []
    for company in companies():
        failed_count, _rows = failures(company.id)
        pushed = last_push(company.id)
        lines.append({"company": company, "state_label": STATE_LABELS.get(company.state),
                      "state_badge": STATE_BADGES.get(company.state, "secondary"),
                      "waiting": waiting(company.id), "failed": failed_count,
                      "last_push": pushed})
    from flask import render_template
    return Markup(render_template("exact/home_summary.html", lines=lines))


def add_views(admin, app):
    from backoffice import hooks
    admin.add_view(ExactDashboardView(name="Dashboard", category=CATEGORY,
                                      endpoint="exact_dashboard", url="/admin/exact/"))
    hooks.register_home_summary(app, home_summary)
