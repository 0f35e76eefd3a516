"""load_catalog with the generic JSON Lines format: validation, skipping, idempotency."""

import gzip
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Brand, Category, Product, Shop

from .factories import product_row

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("load_catalog", *map(str, args), "--no-index", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_bad_rows_are_skipped_with_reasons_and_good_rows_imported(write_jsonl):
    # given a file mixing good rows with rows broken in different ways
    path = write_jsonl(
        [
            product_row(id="good-1"),
            product_row(id="bad-price", price="twelve"),
            "{not json",
            product_row(id="bad-negative", price=-1),
            product_row(id="", title="no id"),
            product_row(id="bad-stock", stock=2.5),
            product_row(id="bad-url", image_url="ftp://nope"),
            product_row(id="good-2", title="C2G 2m HDMI cable Black", brand="C2G", category=None),
        ]
    )

    # when it is imported
    output = load(path)

    # then the good rows are in and every bad row is reported with its line and reason
    assert set(Product.objects.values_list("external_id", flat=True)) == {"good-1", "good-2"}
    assert "imported 2 products from 8 rows" in output
    assert "skipped 6 rows:" in output
    for expected in [
        "line 2: price: not a number ('twelve')",
        "line 3: invalid JSON",
        "line 4: price: must be >= 0",
        "line 5: id: required",
        "line 6: stock: must be a whole number",
        "line 7: image_url: not an http(s) URL",
    ]:
        assert expected in output


def test_fields_are_mapped_and_missing_category_is_derived(write_jsonl):
    # given one explicit category path and one product without a category
    path = write_jsonl(
        [
            product_row(id="a", category="Audio > Headphones & headsets", price="279.999"),
            product_row(id="b", title="C2G 2m HDMI cable Black", brand="C2G", category=None, status="draft"),
        ]
    )

    # when imported
    output = load(path)

    # then the explicit path is created as a tree and the other is derived by the taxonomy
    a, b = Product.objects.order_by("external_id")
    assert a.category.path == "audio/headphones-headsets"
    assert a.category.parent.name == "Audio"
    assert a.price == Decimal("280.00")
    assert (a.brand.name, a.shop.name, a.stock, a.attributes["product_colour"]) == (
        "Sony",
        "Sony Official Store",
        12,
        "Black",
    )
    assert b.category.name == "HDMI cables" and b.category.parent.name == "Cables"
    assert b.status == Product.Status.DRAFT
    assert "categorised 100.0% of products (0 uncategorised)" in output


def test_rerun_updates_in_place_and_never_duplicates(write_jsonl, tmp_path):
    # given a catalog imported once
    rows = [product_row(id=f"sku-{i}", price=10 + i) for i in range(5)]
    load(write_jsonl(rows))
    counts = (Product.objects.count(), Brand.objects.count(), Shop.objects.count(), Category.objects.count())

    # when the same ids are imported again, gzipped, with a changed price and title, in small batches
    changed = [{**row, "price": 99, "title": row["title"] + " (2024)"} for row in rows]
    gz_path = tmp_path / "again.jsonl.gz"
    with gzip.open(gz_path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in changed)
    call_command(
        "load_catalog", str(gz_path), "--no-index", "--batch-size", "2", stdout=StringIO(), stderr=StringIO()
    )

    # then nothing is duplicated and the values are updated
    assert (
        Product.objects.count(),
        Brand.objects.count(),
        Shop.objects.count(),
        Category.objects.count(),
    ) == counts
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("99.00")}
    assert all(title.endswith("(2024)") for title in Product.objects.values_list("title", flat=True))


def test_a_category_a_merchandiser_chose_survives_a_reimport_that_names_none(write_jsonl):
    # given a cable the rules filed, a row naming its category, and a product a merchandiser
    # moved by hand to another category
    rows = [
        product_row(id="cable", title="C2G 2m HDMI cable Black", brand="C2G", category=None),
        product_row(id="named", category="Audio > Headphones & headsets"),
        product_row(id="moved", title="C2G 2m USB cable Black", brand="C2G", category=None),
    ]
    load(write_jsonl(rows))
    speakers = Category.objects.create(name="Speakers", slug="speakers-test")
    Product.objects.filter(external_id="moved").update(
        category=speakers, category_source=Product.CategorySource.MERCHANDISER
    )

    # when the feed is imported again
    load(write_jsonl(rows))

    # then the rules and the feed file theirs again, and the merchandiser's choice stands
    products = {product.external_id: product for product in Product.objects.select_related("category")}
    assert (products["cable"].category.name, products["cable"].category_source) == ("HDMI cables", "rules")
    assert products["named"].category_source == "feed"
    assert (products["moved"].category, products["moved"].category_source) == (speakers, "merchandiser")

    # but a row that names a category says what the feed sells, and wins
    load(write_jsonl([{**rows[2], "category": "Cables > USB cables"}]))
    moved = Product.objects.get(external_id="moved")
    assert (moved.category.name, moved.category_source) == ("USB cables", "feed")


def test_a_product_a_merchandiser_archived_stays_archived_unless_the_row_names_a_status(write_jsonl):
    # given two products loaded from rows naming no status, one archived since by a merchandiser
    rows = [product_row(id="kept"), product_row(id="pulled")]
    load(write_jsonl(rows))
    assert set(Product.objects.values_list("status", flat=True)) == {"active"}
    Product.objects.filter(external_id="pulled").update(status=Product.Status.ARCHIVED)

    # when the feed is imported again, still naming no status
    load(write_jsonl(rows))

    # then the archived product stays out of search, and a new one starts active
    statuses = dict(Product.objects.values_list("external_id", "status"))
    assert statuses == {"kept": "active", "pulled": "archived"}
    load(write_jsonl([product_row(id="new")]))
    assert Product.objects.get(external_id="new").status == "active"

    # a row that names a status says what the feed sells, and wins
    load(write_jsonl([{**rows[1], "status": "active"}]))
    assert Product.objects.get(external_id="pulled").status == "active"


def test_a_repeated_id_keeps_its_last_version(write_jsonl):
    # given the same id twice in one batch
    path = write_jsonl([product_row(id="dup", price=1), product_row(id="dup", price=2)])

    # when imported
    load(path)

    # then there is one product with the later values
    assert list(Product.objects.values_list("external_id", "price")) == [("dup", Decimal("2.00"))]


def test_limit_reads_only_the_first_rows(write_jsonl):
    path = write_jsonl([product_row(id=f"sku-{i}") for i in range(10)])

    load(path, "--limit", 3)

    assert Product.objects.count() == 3
