"""The products entity's own hooks."""
from types import SimpleNamespace

from exact_plugin.entities import export_of
from exact_plugin.entities.products import description_note


def test_a_product_name_cut_to_exacts_60_characters_is_said_on_the_sync_badge():
    note = description_note(SimpleNamespace(name="A" * 60 + "B" * 10))
    assert "longer than Exact Online's 60 characters" in note
    assert "ExtraDescription" in note


def test_a_product_name_that_fits_gets_no_note():
    assert description_note(SimpleNamespace(name="Consultancy hour")) is None


def test_the_note_is_the_products_export_hook():
    assert export_of("Product").note is description_note
