"""manage.py categorize --refile: a taxonomy fix reaches the products the rules filed, and only
those."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Category, Product

from .factories import product_row

pytestmark = pytest.mark.django_db


def test_refile_moves_what_the_rules_filed_and_keeps_what_people_chose(write_jsonl):
    # given three HDMI cables filed by the rules, by the feed and by a merchandiser, each in a
    # category the rules as they stand would not choose (as after a taxonomy fix)
    cable = {"title": "C2G 2m HDMI cable Black", "brand": "C2G"}
    call_command(
        "load_catalog",
        str(write_jsonl([product_row(id=key, **cable, category=None) for key in ("rules", "feed", "hand")])),
        "--no-index",
        stdout=StringIO(),
    )
    old = Category.objects.create(name="Old leaf", slug="old-leaf")
    for key, source in [("rules", "rules"), ("feed", "feed"), ("hand", "merchandiser")]:
        Product.objects.filter(external_id=key).update(category=old, category_source=source)

    # when refiled
    out = StringIO()
    call_command("categorize", "--refile", "--no-index", stdout=out)

    # then only the rules' product moves, and the report says where from and to
    filed = dict(Product.objects.values_list("external_id", "category__name"))
    assert filed == {"rules": "HDMI cables", "feed": "Old leaf", "hand": "Old leaf"}
    assert "refiled 1 products" in out.getvalue()
    assert "1  Old leaf -> Cables > HDMI cables" in out.getvalue()

    # and a second refile has nothing left to move
    out = StringIO()
    call_command("categorize", "--refile", "--no-index", stdout=out)
    assert "refiled 0 products" in out.getvalue()


def test_categorize_fills_what_no_one_filed_and_leaves_a_merchandisers_blank(write_jsonl):
    rows = [product_row(id=key, title="C2G 2m HDMI cable Black", brand="C2G", category=None) for key in "ab"]
    call_command("load_catalog", str(write_jsonl(rows)), "--no-index", stdout=StringIO())
    Product.objects.filter(external_id="a").update(category=None)
    Product.objects.filter(external_id="b").update(category=None, category_source="merchandiser")

    call_command("categorize", "--no-index", stdout=StringIO())

    filed = dict(Product.objects.values_list("external_id", "category__name"))
    assert filed == {"a": "HDMI cables", "b": None}
