"""Inbound mappers: an Exact record in, host fields and problems out. Pure functions."""
from decimal import Decimal

from exact_plugin.mappers import inbound
from tests.factories import exact_account, exact_gl_account, exact_item, exact_vat_code


def test_customer_code_padding_is_trimmed_and_numeric_codes_become_the_accounting_id():
    mapped = inbound.map_customer(exact_account("Acme BV", code=25))
    assert mapped.fields["accounts_code"] == "25"
    assert mapped.fields["accounting_id"] == "25"
    assert mapped.problems == []


def test_customer_with_a_non_numeric_code_keeps_it_as_accounts_code_only():
    mapped = inbound.map_customer(exact_account("Acme BV", Code="ACME"))
    assert mapped.fields["accounts_code"] == "ACME"
    assert "accounting_id" not in mapped.fields


def test_customer_address_goes_to_the_main_site_with_the_country_trimmed():
    mapped = inbound.map_customer(exact_account("Acme", code=1, AddressLine1="Dam 1",
                                                Postcode="1012 JS", City="Amsterdam",
                                                Country="nl "))
    assert mapped.site["address_line1"] == "Dam 1"
    assert (mapped.site["postcode"], mapped.site["city"], mapped.site["country"]) == \
        ("1012 JS", "Amsterdam", "NL")


def test_customer_without_a_name_is_a_problem():
    assert "has no name in Exact" in inbound.map_customer(exact_account("  ", code=1)).problems[0]


def test_unknown_country_is_a_problem_and_not_stored():
    mapped = inbound.map_customer(exact_account("Acme", code=1, Country="ZZ "))
    assert mapped.site["country"] is None
    assert any("Country 'ZZ'" in problem for problem in mapped.problems)


def test_overlong_customer_name_is_a_problem_naming_the_limit():
    problems = inbound.map_customer(exact_account("x" * 250, code=1)).problems
    assert problems == ["Name is 250 characters long; the back office takes at most 200. "
                        "Shorten it in Exact and import again."]


def test_only_accounts_with_status_c_are_customers():
    assert inbound.is_customer(exact_account("A", Status="C"))
    assert not inbound.is_customer(exact_account("A", Status="P"))
    assert not inbound.is_customer(exact_account("A", Status=None))


def test_item_maps_description_code_prices_and_references():
    mapped = inbound.map_product(exact_item("PRD001", "Laptop", StandardSalesPrice="999.5",
                                            CostPriceStandard=700, ItemGroup="g-1",
                                            GLRevenue="r-1", GLRevenueCode="8000",
                                            SalesVatCode="2  "))
    assert mapped.fields == {"name": "Laptop", "code": "PRD001", "accounting_id": "PRD001",
                             "price": Decimal("999.50"), "cost": Decimal("700.00")}
    assert mapped.refs["item_group"] == "g-1"
    assert mapped.refs["revenue_account"] == ("r-1", "8000")
    assert mapped.refs["vat_code"] == "2"


def test_item_with_a_negative_price_is_a_problem():
    problems = inbound.map_product(exact_item("X", StandardSalesPrice=-1)).problems
    assert problems == ["Sales price -1.00 is negative; the back office needs 0 or more."]


def test_item_with_a_price_that_is_not_a_number_is_a_problem():
    assert inbound.map_product(exact_item("X", StandardSalesPrice="abc")).problems == \
        ["Sales price 'abc' is not a number."]


def test_vat_percentage_fraction_becomes_a_percent():
    mapped = inbound.map_tax_rate(exact_vat_code("2", "High", 0.21))
    assert mapped.fields["rate"] == Decimal("21.000")


def test_vat_percentage_already_in_percent_is_kept():
    assert inbound.map_tax_rate(exact_vat_code("2", "High", 21)).fields["rate"] == Decimal("21.000")


def test_vat_percentage_above_100_is_a_problem():
    assert "outside 0-100" in inbound.map_tax_rate(exact_vat_code("9", "Odd", 150)).problems[0]


def test_gl_account_type_follows_exacts_type_codes():
    assert inbound.map_gl_account(exact_gl_account("8000", "Sales", 110)).fields["type"] == "income"
    costs = inbound.map_gl_account(exact_gl_account("4000", "Costs", 120))
    assert costs.fields["type"] == "expense"
    balance = exact_gl_account("1100", "Bank", 12)
    balance["BalanceType"] = "B"
    assert inbound.map_gl_account(balance).fields["type"] == "balance"


def test_gl_account_without_a_code_is_a_problem():
    assert inbound.map_gl_account(exact_gl_account(None, "Nameless")).problems == \
        ["The GL account has no code in Exact."]


def test_record_hash_ignores_what_changes_on_every_read():
    record = exact_account("Acme", code=1)
    again = dict(record, Timestamp=999, __metadata={"uri": "x"})
    assert inbound.record_hash(record) == inbound.record_hash(again)
    assert inbound.record_hash(record) != inbound.record_hash(dict(record, Name="Other"))
