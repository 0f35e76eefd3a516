"""load_catalog with the real Chorus catalog (a slice of it) and the streaming JSON reader."""

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.importers.chorus import MalformedArray, iter_chorus, iter_json_array, readable_attribute_key
from catalog.management.commands.load_catalog import CHORUS_DIR
from catalog.models import Product, Shop


@pytest.mark.django_db
def test_a_slice_of_chorus_is_imported_with_mapped_and_synthetic_fields():
    # when the first 300 Chorus products are imported
    out = StringIO()
    call_command("load_catalog", "--limit", "300", "--no-index", stdout=out, stderr=StringIO())

    # then they are mapped from the Icecat fields
    assert Product.objects.count() == 300
    toner = Product.objects.select_related("brand", "category", "shop").get(external_id="3920564")
    assert toner.title == "Xerox 006R90321 toner cartridge Original Black 6 pc(s)"
    assert toner.brand.name == "Xerox"
    assert str(toner.price) == "49.95" and toner.currency == "USD"
    assert toner.description == "Toner (6 Per Box) for CopyCentre C65 Digital Copier"
    assert toner.attributes["printing_colours"] == "Black"
    assert toner.released_at.year == 2009
    assert toner.image_url.startswith("http://images.icecat.biz/")
    assert toner.category.name == "Toner cartridges"
    # and the marketplace signals Chorus lacks are synthetic but present
    assert toner.shop is not None
    assert Shop.objects.filter(name="HP Official Store", is_official=True, is_verified=True).exists()
    assert "imported 300 products from 300 rows" in out.getvalue()


def test_synthetic_fields_are_deterministic():
    first = [row.fields for _, row in zip(range(50), iter_chorus(_chorus_zip(1)), strict=False)]
    again = [row.fields for _, row in zip(range(50), iter_chorus(_chorus_zip(1)), strict=False)]
    assert first == again
    assert {row["shop"] for row in first} and any(
        row["stock"] == 0 or row["sales_count"] > 0 for row in first
    )


def test_the_json_array_reader_streams_items_across_read_boundaries(monkeypatch):
    # given a small read size, so that items straddle reads
    monkeypatch.setattr("catalog.importers.chorus._READ_SIZE", 7)
    text = '[ {"id": "1", "title": "a , ] b"},\n {"id": "2", "nested": {"x": [1, 2]}} ]'

    # when it is read incrementally
    items = list(iter_json_array(io.StringIO(text)))

    # then each item comes out whole
    assert items == [{"id": "1", "title": "a , ] b"}, {"id": "2", "nested": {"x": [1, 2]}}]


def test_a_broken_member_is_reported_not_fatal(tmp_path):
    # given a zip whose array breaks after one good item
    path = tmp_path / "products-9.json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("products-9.json", '[{"id": "1", "title": "t", "price": 100}, {"id": 2,, ]')

    # when it is read
    rows = list(iter_chorus(path))

    # then the good item comes through and the break is one row with an error
    assert rows[0].fields["id"] == "1" and rows[0].error is None
    assert (
        rows[1].error.startswith("invalid JSON")
        and rows[1].location == "products-9.json.zip:products-9.json[1]"
    )
    with pytest.raises(MalformedArray):
        list(iter_json_array(io.StringIO('{"not": "an array"}')))


def test_attribute_keys_are_made_readable():
    assert readable_attribute_key("attr_t_product_colour") == "product_colour"
    assert readable_attribute_key("attr_t_dimensions__wxdxh_") == "dimensions_wxdxh"
    assert readable_attribute_key("attr_b_rohs_compliance") == "rohs_compliance"


def _chorus_zip(number):
    return CHORUS_DIR / f"products-{number}.json.zip"
