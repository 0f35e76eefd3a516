"""`manage.py evaluate` with query-understanding switches and misspelled variants."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Brand, Category, Product
from indexing.indexer import index_objects
from ranking.models import RankerModel
from ranking.registry import register, reset_serving_ranker
from searchapp.query.analyzer import reset_caches
from tests.ranking.conftest import tiny_booster

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged_catalog(local_index_dir, settings, tmp_path):
    settings.SEARCH_DATA_DIR = tmp_path / "data"
    reset_caches()
    audio = Category.objects.create(name="Speakers", slug="speakers")
    sony = Brand.objects.create(name="Sony", slug="sony")
    titles = [
        "Portable bluetooth speaker",
        "Wireless headphones",
        "Bluetooth speaker stand",
        "Phone case",
        "Sony TV",
    ]
    products = [
        Product.objects.create(external_id=f"p{i}", title=title, brand=sony, category=audio, price="10")
        for i, title in enumerate(titles)
    ]
    index_objects("product", [product.pk for product in products])
    judgments = tmp_path / "judgments.csv"
    judgments.write_text(
        "query,docid,rating\nbluetooth speaker,p0,3\nbluetooth speaker,p2,2\nwireless headphones,p1,3\n"
        # No word of 4+ letters: the generator cannot misspell it, so it has no variant.
        "tv,p4,3\ntv,p3,2\n"
    )
    yield judgments
    reset_caches()


def test_typo_variants_are_scored_against_the_original_judgments(judged_catalog, tmp_path):
    report_path = tmp_path / "report.json"
    out = StringIO()
    call_command(
        "evaluate", "--judgments", str(judged_catalog), "--typos", "2", "--seed", "3",
        "--disable", "intent", "--json", str(report_path), stdout=out,
    )  # fmt: skip
    report = json.loads(report_path.read_text())
    assert report["disabled"] == ["intent"]
    typos = report["typos"]
    assert typos["variants"] == len(typos["per_variant"]) == 4
    assert {row["original"] for row in typos["per_variant"].values()} == {
        "bluetooth speaker",
        "wireless headphones",
    }
    # The misspelled set is compared with the clean scores of the same originals; "tv" has no
    # variant and is left out of both sides (and only of the second figure's numerator).
    clean = {query: row["ndcg@10"] for query, row in report["per_query"].items()}
    paired = sum(clean[row["original"]] for row in typos["per_variant"].values()) / 4
    assert typos["clean_ndcg@10"] == pytest.approx(paired)
    assert typos["ratio"] == pytest.approx(typos["ndcg@10"] / paired)
    assert typos["clean_ndcg@10_all_queries"] == pytest.approx(sum(clean.values()) / 3)
    assert typos["ratio_all_queries"] == pytest.approx(typos["ndcg@10"] / (sum(clean.values()) / 3))
    assert "ratio" in out.getvalue()


def test_the_ablation_has_a_row_per_part(judged_catalog):
    out = StringIO()
    call_command("evaluate", "--judgments", str(judged_catalog), "--ablation", "--typos", "1", stdout=out)
    rows = [line.split()[0] for line in out.getvalue().splitlines()[2:]]
    assert rows == [
        "all",
        "-normalize",
        "-spelling",
        "-attributes",
        "-synonyms",
        "-intent",
        "-recovery",
        "all",
    ]


def test_unknown_parts_are_refused(judged_catalog):
    with pytest.raises(CommandError, match="unknown part"):
        call_command("evaluate", "--judgments", str(judged_catalog), "--disable", "spelling,telepathy")


def test_a_figure_from_a_ranker_trained_on_the_judged_queries_is_flagged_in_sample(judged_catalog, tmp_path):
    # Given a served product ranker whose training saw two of the three judged queries
    summary = {"queries": ["bluetooth speaker", "tv", "not judged here"]}
    served = register(tiny_booster(), {}, summary)
    served.status = RankerModel.Status.PROMOTED
    served.save()
    reset_serving_ranker()
    report_path, out = tmp_path / "report.json", StringIO()

    call_command("evaluate", "--judgments", str(judged_catalog), "--json", str(report_path), stdout=out)

    assert json.loads(report_path.read_text())["ranker_trained_on_queries"] == 2
    assert "trained on 2 of these 3 queries" in out.getvalue()

    # and once its file is gone the first stage is served: nothing in-sample to flag
    Path(served.file_path).unlink()
    reset_serving_ranker()
    out = StringIO()
    call_command("evaluate", "--judgments", str(judged_catalog), "--json", str(report_path), stdout=out)
    assert json.loads(report_path.read_text())["ranker_trained_on_queries"] == 0
    assert "in-sample" not in out.getvalue()
    reset_serving_ranker()
