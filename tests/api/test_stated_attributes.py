"""A size or colour the shopper names comes first, then the nearest sizes (ranking/stated.py)."""

import io
import json

from django.core.management import call_command

from catalog.models import Category, Product
from indexing.indexer import index_objects
from searchapp.query.analyzer import reset_caches

from .conftest import add_products

SEARCH = "/api/search"


def add_tvs(small_catalog) -> dict[str, Product]:
    sony = small_catalog["headphones"]
    # Filed where the taxonomy files TVs: query understanding's rule reads "tv" as this path.
    tv_video = Category.objects.create(name="TV & video", slug="tv-video")
    tvs = Category.objects.create(name="TVs & displays", slug="tvs-displays", parent=tv_video)
    rows = (
        # The 40" set's short title and its description's 55 inch stand make BM25 prefer it.
        ("tv-40", 'Sony TV (40")', "Fits the stand of the 55 inch model.", "399.00"),
        ("tv-55", 'Sony Bravia KD-55X85J 4K Ultra HD Smart TV Wi-Fi Black (55")', "", "899.00"),
        ("tv-58", 'Sony Bravia KD-58X80J 4K Ultra HD Smart TV Wi-Fi Black (58")', "", "999.00"),
    )
    return {key.removeprefix("tv-"): tv for key, tv in add_products(sony, tvs, rows).items()}


def test_the_size_a_shopper_names_comes_first_then_the_nearest(client, small_catalog):
    tvs = add_tvs(small_catalog)

    response = client.get(SEARCH, {"q": "sony tv 55 inch", "page_size": 5})

    assert response.status_code == 200, response.content
    ids = [hit["id"] for hit in response.json()["results"]]
    expected = [f"product:{tvs[inches].pk}" for inches in ("55", "58", "40")]
    assert [hit for hit in ids if hit in expected] == expected


def test_evaluate_attributes_reports_how_many_results_fit_the_size_asked_for(small_catalog, tmp_path):
    add_tvs(small_catalog)
    # Filed where the taxonomy files mounts: "mount for samsung tv" asks for one of them
    mounts = Category.objects.create(
        name="TV & monitor mounts", slug="tv-monitor-mounts", parent=Category.objects.get(slug="tv-video")
    )
    wall_mount = ("mount", "Samsung WMN5770D flat panel wall mount Silver", "", "89.00")
    add_products(small_catalog["headphones"], mounts, [wall_mount])
    headphones = small_catalog["headphones"]
    # five features: a noun's four most stated are asked for ("radio" is fifth, alphabetically)
    headphones.attributes = dict.fromkeys(("bluetooth", "equalizer", "microphone", "nfc", "radio"), True)
    headphones.save()
    index_objects("product", [headphones.pk])
    call_command("train_intent", stdout=io.StringIO())
    reset_caches()
    report = tmp_path / "sizes.json"

    call_command(
        "evaluate_attributes",
        "--k",
        "3",
        "--min-products",
        "1",
        "--feature",
        "radio",
        "--json",
        str(report),
        stdout=io.StringIO(),
    )
    with_sizes = json.loads(report.read_text())
    call_command(
        "evaluate_attributes",
        "--k",
        "3",
        "--min-products",
        "1",
        "--attribute-demotion",
        "1",
        "--json",
        str(report),
        stdout=io.StringIO(),
    )
    without = json.loads(report.read_text())

    # the toner stating its colour asks "black toner"; one toner, so a third of 3 can fit
    assert {"tv 40in", "tv 55in", "tv 58in", "black toner"} <= set(with_sizes["per_query"])
    assert with_sizes["colour"]["ideal"] == 1 / 3
    # one TV of each size: a third of the first 3 can fit, and all three TVs are among them
    assert with_sizes["size"] == {"queries": 3, "fit": 1 / 3, "off": 2 / 3, "ideal": 1 / 3}
    # the headphones flag Bluetooth: "bluetooth headphones" asks for it, and they come first
    assert with_sizes["per_query"]["bluetooth headphones"] == {"fit": 1 / 3, "off": 0.0, "ideal": 1 / 3}
    # HP sells no TV here: "hp tv" is a brand query, and the TVs are what fits it
    assert with_sizes["per_query"]["hp tv"]["fit"] == 1.0
    assert without["attribute_demotion"] == 1.0
    # a feature asked for by name joins the noun's most stated ones
    assert "radio headphones" in with_sizes["per_query"]
    assert "radio headphones" not in without["per_query"]
    assert "nfc headphones" in without["per_query"]
    # "for" queries whose kind the catalog sells are asked: the mount fits, the TVs beside it
    # are of another kind
    assert with_sizes["per_query"]["mount for samsung tv"] == {"fit": 1 / 3, "off": 2 / 3, "ideal": 1 / 3}
    assert "case for iphone" not in with_sizes["per_query"]  # no phone case here
