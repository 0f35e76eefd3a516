"""The relevance floor, as an assertion: hybrid NDCG@10 on the dev judgments over the real
Chorus catalog (products only) with the real model. One catalog load and one index build for
the module; `manage.py evaluate` does the measuring, so the command is what is tested."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from catalog.models import Brand, Category, LiveStream, Product, Shop, Video
from indexing.backends import reset_backends

pytestmark = pytest.mark.slow

DEV_JUDGMENTS = settings.BASE_DIR / "data" / "chorus" / "judgments-dev.csv"
# A regression guard just under what the default funnel measures here (0.654 with no ranker
# model promoted, 2026-11-21). The foundation's target is 0.66: not met yet, see the notes.
HYBRID_NDCG_FLOOR = 0.64


@pytest.fixture(scope="module")
def chorus_products_index(django_db_setup, django_db_blocker, tmp_path_factory):
    local = {**settings.SEARCH_BACKENDS["local"], "PATH": str(tmp_path_factory.mktemp("chorus-index"))}
    backends = {**settings.SEARCH_BACKENDS, "local": local}
    with (
        override_settings(SEARCH_BACKENDS=backends, SEARCH_DEFAULT_BACKEND="local"),
        django_db_blocker.unblock(),
    ):
        reset_backends()
        call_command("load_catalog", "--no-index", stdout=StringIO(), stderr=StringIO())
        call_command("rebuild_index", "--type", "product", stdout=StringIO())
        yield
        # Committed outside any test transaction: remove it so later tests start empty.
        for model in (LiveStream, Video, Product, Brand):
            model.objects.all().delete()
        while Category.objects.exists():
            Category.objects.filter(children=None).delete()
        Shop.objects.all().delete()
    reset_backends()


@pytest.mark.django_db
def test_hybrid_search_meets_the_ndcg_floor_on_the_dev_judgments(chorus_products_index, tmp_path):
    # when the dev judgments are evaluated against the hybrid pipeline
    report_path = tmp_path / "report.json"
    call_command(
        "evaluate",
        "--judgments",
        str(DEV_JUDGMENTS),
        "--pipeline",
        "hybrid",
        "--json",
        str(report_path),
        stdout=StringIO(),
    )
    report = json.loads(report_path.read_text())
    # then every judged query was run and the mean NDCG@10 is at least the floor
    assert report["queries"] == 79
    assert report["ndcg@10"] >= HYBRID_NDCG_FLOOR, report["ndcg@10"]
