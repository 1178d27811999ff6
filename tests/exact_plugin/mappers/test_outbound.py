"""Outbound mappers: host records -> Exact payloads, without database or network."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from exact_plugin.mappers import outbound


def site(**fields):
    values = dict(address_line1="Dorpsstraat 1", address_line2=None, address_line3=None,
                  postcode="3511 AA", city="Utrecht", state=None, country="NL")
    values.update(fields)
    return SimpleNamespace(**values)


def customer(**fields):
    values = dict(name="Bakery Jansen", accounting_id="4711", email="info@jansen.example",
                  phone=" ", vat_number="NL001234567B01", main_site=site())
    values.update(fields)
    return SimpleNamespace(**values)


def test_customer_becomes_an_account_with_status_c_and_the_main_site_address():
    payload = outbound.customer_payload(customer())
    assert payload["Code"] == "4711"
    assert payload["Status"] == "C"
    assert payload["Name"] == "Bakery Jansen"
    assert payload["AddressLine1"] == "Dorpsstraat 1"
    assert payload["City"] == "Utrecht" and payload["Country"] == "NL"
    assert payload["VATNumber"] == "NL001234567B01"
    assert "IsSupplier" not in payload


def test_blank_customer_fields_are_sent_as_empty_not_as_spaces():
    payload = outbound.customer_payload(customer())
    assert payload["Phone"] is None
    assert "Phone" not in outbound.without_empty(payload)


def test_customer_without_main_site_has_no_address():
    payload = outbound.customer_payload(customer(main_site=None))
    assert "AddressLine1" not in payload and payload["Code"] == "4711"


def test_supplier_becomes_an_account_marked_as_supplier_with_its_own_address():
    supplier = SimpleNamespace(name="Paper BV", accounting_id="9001", email=None, phone=None,
                               vat_number=None, address_line1="Kade 2", address_line2=None,
                               postcode="2611 AB", city="Delft", country="NL")
    payload = outbound.supplier_payload(supplier)
    assert payload["IsSupplier"] is True
    assert "Status" not in payload
    assert payload["City"] == "Delft" and payload["Code"] == "9001"


def product(**fields):
    values = dict(name="Consultancy hour", accounting_id=" 1001 ", cost=Decimal("40.00"))
    values.update(fields)
    return SimpleNamespace(**values)


def test_product_becomes_an_item_with_group_vat_code_and_gl_accounts():
    payload = outbound.item_payload(product(), item_group_id="g-1", vat_code="2",
                                    gl_revenue_id="gl-8000", gl_costs_id="gl-7000")
    assert payload == {"Code": "1001", "Description": "Consultancy hour", "ExtraDescription": None,
                       "ItemGroup": "g-1", "SalesVatCode": "2", "GLRevenue": "gl-8000",
                       "GLCosts": "gl-7000", "CostPriceStandard": 40.0, "IsSalesItem": True,
                       "EndDate": None}


def test_long_product_name_is_cut_at_60_characters_and_the_rest_goes_to_extra_description():
    name = "A" * 60 + "B" * 10
    payload = outbound.item_payload(product(name=name))
    assert payload["Description"] == "A" * 60
    assert payload["ExtraDescription"] == "B" * 10
    assert outbound.description_was_cut(product(name=name))


def test_invoice_carries_customer_your_ref_and_lines():
    line = SimpleNamespace(description="Consultancy March", product=SimpleNamespace(name="Hour"),
                           quantity=Decimal("3.000"), unit_price=Decimal("95.00"))
    lines = [outbound.invoice_line_payload(line, item_id="item-1", vat_code="2")]
    invoice = SimpleNamespace(date=date(2026, 11, 26), due_date=None, currency="EUR")
    payload = outbound.invoice_payload(invoice, account_id="acc-1", your_ref="INV-000007",
                                       lines=lines)
    assert payload["OrderedBy"] == payload["InvoiceTo"] == "acc-1"
    assert payload["YourRef"] == "INV-000007"
    assert payload["Type"] == 8020
    assert payload["OrderDate"] == "2026-11-26"
    assert payload["SalesInvoiceLines"] == [{"Item": "item-1", "Description": "Consultancy March",
                                             "Quantity": 3.0, "UnitPrice": 95.0, "VATCode": "2"}]


def test_invoice_line_without_description_takes_the_product_name():
    line = SimpleNamespace(description=None, product=SimpleNamespace(name="Hour"),
                           quantity=Decimal(1), unit_price=Decimal(1))
    assert outbound.invoice_line_payload(line, item_id="i")["Description"] == "Hour"


def test_account_codes_are_searched_left_padded_to_18_characters():
    assert outbound.natural_key_filter("Code", "4711", padded=True) == \
        "Code eq '              4711'"


def test_item_codes_and_your_refs_are_searched_as_they_are_with_quotes_doubled():
    assert outbound.natural_key_filter("Code", "1001") == "Code eq '1001'"
    assert outbound.natural_key_filter("YourRef", "INV-1") == "YourRef eq 'INV-1'"
    assert outbound.natural_key_filter("Code", "O'Neil") == "Code eq 'O''Neil'"


def test_only_changed_fields_are_sent_on_update():
    previous = {"Name": "Old", "City": "Utrecht", "_processed": True}
    current = {"Name": "New", "City": "Utrecht"}
    assert outbound.changed_fields(previous, current) == {"Name": "New"}


def test_payload_hash_ignores_private_marks_and_key_order():
    assert outbound.payload_hash({"a": 1, "b": 2}) == outbound.payload_hash({"b": 2, "a": 1,
                                                                             "_processed": True})
