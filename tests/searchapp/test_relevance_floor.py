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
from searchapp.marketplace_settings import marketplace_config
from searchapp.models import MarketplaceSettings

pytestmark = pytest.mark.slow

DEV_JUDGMENTS = settings.BASE_DIR / "data" / "chorus" / "judgments-dev.csv"
# A regression guard just under what the funnel measures here in relevance order (0.654 with
# no ranker model promoted, 2026-11-21). The foundation's target is 0.66: not met yet, see the notes.
HYBRID_NDCG_FLOOR = 0.64
# The marketplace issue's bar: at most 2% of NDCG@10 traded for GMV, trust and exploration.
MIN_MARKETPLACE_NDCG_RATIO = 0.98


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


def evaluate(tmp_path, name: str) -> dict:
    report_path = tmp_path / f"{name}.json"
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
    return json.loads(report_path.read_text())


@pytest.mark.django_db
def test_hybrid_search_meets_the_ndcg_floor_and_the_marketplace_layer_keeps_it(
    chorus_products_index, tmp_path
):
    # when the dev judgments are evaluated against the hybrid pipeline, in relevance order
    marketplace_config.forget()
    MarketplaceSettings.objects.create(pk=1, enabled=False)
    relevance = evaluate(tmp_path, "relevance")
    # then every judged query was run and the mean NDCG@10 is at least the floor
    assert relevance["queries"] == 79
    assert relevance["ndcg@10"] >= HYBRID_NDCG_FLOOR, relevance["ndcg@10"]

    # and with the marketplace layer on (GMV trade-off, trust demotion, exploration slots,
    # seller spreading: the defaults), NDCG@10 drops by at most 2%
    MarketplaceSettings.objects.all().delete()
    marketplace_config.forget()
    marketplace = evaluate(tmp_path, "marketplace")
    assert marketplace["ndcg@10"] >= MIN_MARKETPLACE_NDCG_RATIO * relevance["ndcg@10"], (
        marketplace["ndcg@10"],
        relevance["ndcg@10"],
    )
    marketplace_config.forget()
