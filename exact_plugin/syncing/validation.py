"""The guide's "Common Errors", caught before any API call.

Exact blocks an app for an hour after 10 errors per endpoint (shared exact-online-api.md §4,
DESIGN.md rule 3), so what can be checked here is checked here, with a message naming the
record, the line and the product, and what to set.
"""
from exact_plugin import binder
from exact_plugin.errors import LocalValidationError


class NotReady(LocalValidationError):
    """The record lacks what Exact needs to create it (e.g. no accounting ID) but nothing is
    wrong: it stays "not synced" with this hint instead of "failed"."""


def require_accounting_id(record, label):
    if not record.accounting_id:
        noun = label.lower()
        raise NotReady(
            f"{label} '{record}' has no {noun} ID for accounting integration: set a unique "
            f"number in that field of its form to create it in Exact Online.")


def product_problem(product, company):
    """Why this product cannot go on an invoice for this company, or None.

    Guide, Common Errors: "Check item has the Exact company set and has a product ID. Also
    check the product ID against the product is unique."
    """
    binding = binder.binding_for_host(company.id, "Product", product.id)
    if binding is None:
        return (f"product '{product}' has no Exact Online company {company.name!r}: set "
                f"'Exact Online company' to {company.name!r} on the product's form")
    if not product.accounting_id:
        return (f"product '{product}' has no product ID for accounting integration: set one on "
                f"the product's form (the Generate button proposes a unique one)")
    clash = binder.other_binding_with_code(company.id, "Product", product.accounting_id,
                                           product.id)
    if clash is not None:
        return (f"product '{product}' has product ID {product.accounting_id}, which is not "
                f"unique: product #{clash.host_id} is already linked to that Exact item; give "
                f"this product another ID (the Generate button proposes a unique one)")
    return None


def vat_code_problem(tax_rate, company):
    if tax_rate is None or vat_code_of(tax_rate, company):
        return None
    return (f"tax rate '{tax_rate.name}' is not mapped to an Exact VAT code for "
            f"{company.name!r}: choose the Exact tax rate on the tax rate's settings")


def vat_code_of(tax_rate, company):
    """Tax-rate mapping (guide: "Tax Rates"): a TaxRate binding whose exact_code is the VAT code."""
    if tax_rate is None:
        return None
    binding = binder.binding_for_host(company.id, "TaxRate", tax_rate.id)
    return binding.exact_code.strip() if binding is not None and binding.exact_code else None


def invoice_problems(invoice, company):
    """Every reason the invoice cannot be sent, one per line/product, before any API call."""
    problems = []
    customer = invoice.customer
    if binder.binding_for_host(company.id, "Customer", customer.id) is None:
        problems.append(f"customer '{customer}' has no Exact Online company {company.name!r}: "
                        f"set it on the customer's form")
    elif not customer.accounting_id:
        problems.append(f"customer '{customer}' has no customer ID for accounting integration: "
                        f"set a unique number on the customer's form")
    if not invoice.lines:
        problems.append("it has no lines; Exact needs at least one invoice line")
    for number, line in enumerate(invoice.lines, start=1):
        where = f"line {number} ({line.description or 'no description'})"
        if line.product is None:
            problems.append(f"{where} has no product; Exact needs an item on every line")
            continue
        for problem in (product_problem(line.product, company),
                        vat_code_problem(line.tax_rate, company)):
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def check_invoice(invoice, company):
    problems = invoice_problems(invoice, company)
    if problems:
        raise LocalValidationError(
            f"Invoice {invoice.number} cannot be synced to Exact Online: " + "; ".join(problems)
            + ".")
