"""The preview's old -> new comparison."""
from decimal import Decimal

from exact_plugin.importing.changes import _same


def test_numbers_compare_by_value_and_empty_equals_missing():
    assert _same(Decimal("95.00"), 95.0) and _same(Decimal("21"), "21.000")
    assert not _same(Decimal("95.00"), Decimal("96"))
    assert _same(None, "") and not _same(None, "Acme")
    assert not _same(Decimal("1"), "not a number")
