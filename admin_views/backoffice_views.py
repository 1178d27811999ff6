"""Generated CRUD screens for the host's entities."""
from admin_views.base import SecureModelView
from backoffice import models


def add_views(admin):
    for model in (models.TopLevel, models.Customer, models.Site, models.Supplier,
                  models.ProductGroup, models.Product, models.TaxRate, models.GLAccount,
                  models.Invoice, models.InvoiceLine, models.User):
        admin.add_view(SecureModelView(model))
