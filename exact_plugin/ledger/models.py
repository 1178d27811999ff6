"""The payment status Exact reports for an invoice (or credit note) the back office pushed."""
from backoffice.db import db
from backoffice.models import MONEY, utcnow

OPEN, PARTLY_PAID, PAID, NOT_PROCESSED = "open", "partly_paid", "paid", "not_processed"
LABELS = {OPEN: "Open", PARTLY_PAID: "Partly paid", PAID: "Paid",
          NOT_PROCESSED: "Not processed in Exact"}


class PaymentStatus(db.Model):
    __tablename__ = "exact_payment_status"
    id = db.Column(db.Integer, primary_key=True)
    binding_id = db.Column(db.Integer, db.ForeignKey("exact_binding.id", ondelete="CASCADE"),
                           nullable=False, unique=True)
    status = db.Column(db.String(20), nullable=False, index=True)
    amount = db.Column(MONEY)        # the invoice total Exact booked (incl. VAT)
    outstanding = db.Column(MONEY)   # what is still open
    settled_on = db.Column(db.Date)  # the date of the payment that settled it
    checked_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @property
    def label(self):
        return LABELS.get(self.status, self.status)
