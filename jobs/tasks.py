"""The host's own jobs. Jobs take ids, never ORM objects, and are safe to run twice."""
import logging

from sqlalchemy.orm import selectinload

from backoffice.db import db
from backoffice.models import Invoice, InvoiceLine

log = logging.getLogger(__name__)
BATCH_SIZE = 200


def recompute_invoice_totals(invoice_id):
    """Recompute one invoice's line and invoice totals from its lines; returns the gross total.

    Running it twice gives the same totals. A deleted invoice is logged and skipped: the job
    may have been queued before the deletion.
    """
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        log.warning("Invoice %s no longer exists; nothing to recompute.", invoice_id)
        return None
    invoice.recompute_totals()
    db.session.commit()
    log.info("Invoice %s totals: net %s, tax %s, gross %s", invoice.number, invoice.total_net,
             invoice.total_tax, invoice.total_gross)
    return str(invoice.total_gross)


def recompute_all_invoice_totals():
    """Recompute the totals of every invoice, committing in batches; returns how many."""
    last_id, done = 0, 0
    while True:
        batch = db.session.execute(
            db.select(Invoice).where(Invoice.id > last_id).order_by(Invoice.id).limit(BATCH_SIZE)
            .options(selectinload(Invoice.lines).selectinload(InvoiceLine.tax_rate))
        ).scalars().all()
        if not batch:
            break
        for invoice in batch:
            invoice.recompute_totals()
        db.session.commit()
        done += len(batch)
        last_id = batch[-1].id
        db.session.expunge_all()
    log.info("Recomputed the totals of %s invoices.", done)
    return done
