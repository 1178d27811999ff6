"""The rule keeping customers' and suppliers' Exact codes apart, shown and checked on the forms
(the rule itself: exact_plugin/entities/suppliers.py)."""
from wtforms import StringField

from exact_plugin.entities import suppliers
from exact_plugin.gate import WhileEnabled
from exact_plugin.syncing.forms import SyncExtension

EXACT_CODE_FIELD = "exact_supplier_code"
CUSTOMER_IN_SUPPLIER_RANGE = ("Customer IDs of {digits} digits starting with {prefix} are kept "
                              "for suppliers in Exact Online. {rule}")


class SupplierCodeExtension(SyncExtension):
    """The supplier form shows the Exact code its supplier ID gives, and the rule."""

    def extra_form_fields(self, view):
        fields = super().extra_form_fields(view)
        fields[EXACT_CODE_FIELD] = StringField(
            "Code in Exact Online", description=suppliers.RULE,
            render_kw={"readonly": True, "placeholder": "from the supplier ID"})
        return fields

    def on_form_prefill(self, form, model):
        super().on_form_prefill(form, model)
        if EXACT_CODE_FIELD in form and model.accounting_id:
            form[EXACT_CODE_FIELD].data = suppliers.exact_code(model.accounting_id)

    def validate(self, form, model, is_created):
        problem = suppliers.code_problem(model)
        return {"accounting_id": problem} if problem else {}


class CustomerCodeGuard(WhileEnabled):
    """Customer IDs in the suppliers' code range are refused, with the rule."""
    model_name = "Customer"

    def validate(self, form, model, is_created):
        if suppliers.in_supplier_range(model.accounting_id):
            return {"accounting_id": CUSTOMER_IN_SUPPLIER_RANGE.format(
                digits=suppliers.SUPPLIER_ID_DIGITS + 1, prefix=suppliers.SUPPLIER_CODE_PREFIX,
                rule=suppliers.RULE)}
        return {}
