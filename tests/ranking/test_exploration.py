import io
import json
import random
import uuid
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from ranking.exploration import choose_explorations, exploration_report, exploration_rng, recent_searches
from ranking.features import FEATURE_INDEX, QueryFeatures, compute_features
from ranking.marketplace_config import ExplorationConfig
from ranking.models import DocEngagement, Event, ImpressionLog, SearchLog
from ranking.propensity import examination_propensity
from ranking.stats import RankingStats

from .conftest import NOW, make_hit

QUERY = QueryFeatures("hp toner")
CONFIG = ExplorationConfig(positions=(5, 12), cold_examinations=30.0, candidate_depth=100)


def toner(pk: int, category: str = "printing/toner"):
    hit = make_hit(pk)
    hit.keywords["category_path"] = [category.split("/")[0], category]
    return hit


def off_topic(pk: int):
    return make_hit(pk, title="Garden hose reel with spray nozzle", brand="Hozelock")


def features_of(hits, similarity=None):
    """The real feature rows, with the stored-vector similarity the Rank stage passes."""
    if similarity is None:
        similarity = [0.8] * len(hits)
    return compute_features(QUERY, hits, RankingStats(), NOW, similarity=similarity)


def warm_stats(*doc_ids: str, examinations: float = 500.0, clicks: int = 50) -> RankingStats:
    return RankingStats(
        counts_by_doc=dict.fromkeys(doc_ids, (examinations, clicks)),
        rates_by_category={"printing/toner": (0.1, 0.05)},
    )


def test_the_relevance_floor_passes_title_coverage_or_dense_similarity_and_fails_nan():
    # Given a matching title with no vector, an off-topic title close in meaning, and an
    # off-topic title that is neither (and one whose similarity is unknown)
    hits = [toner(1), off_topic(2), off_topic(3), off_topic(4)]
    features = features_of(hits, similarity=[np.nan, 0.7, 0.2, np.nan])
    assert features[0, FEATURE_INDEX["title_coverage"]] == 1.0
    assert features[2, FEATURE_INDEX["title_coverage"]] == 0.0

    # When every slot could be given
    chosen = choose_explorations(hits, features, RankingStats(), CONFIG, exploration_rng("q"))

    # Then only the two relevant ones are ever explored
    assert sorted(chosen) == [0, 1]


def test_warm_beyond_depth_excluded_and_rowless_documents_are_never_chosen():
    # Given ten relevant cold candidates, except: 0 and 1 are warm, 2 is already on the page,
    # 8 and 9 are beyond the candidate depth, and 10 has no feature row
    hits = [toner(pk) for pk in range(11)]
    features = features_of(hits[:10])
    stats = warm_stats("product:0", "product:1")
    stats.counts_by_doc["product:3"] = (29.0, 0)  # just below the cold threshold: still cold
    config = replace(CONFIG, positions=(1, 2, 3, 4, 5, 6, 7, 8), candidate_depth=8)

    # When many seeds choose
    chosen = set()
    for seed in range(50):
        picks = choose_explorations(
            hits, features, stats, config, exploration_rng(str(seed)), exclude={"product:2"}
        )
        assert len(picks) == len(set(picks)) == 5
        chosen.update(picks)

    # Then the eligible ones, and only they, are chosen
    assert chosen == {3, 4, 5, 6, 7}


def test_never_more_documents_than_exploration_positions():
    hits = [toner(pk) for pk in range(30)]
    features = features_of(hits)

    for positions in [(), (5,), (5, 12), (3, 6, 9)]:
        config = replace(CONFIG, positions=positions)
        chosen = choose_explorations(hits, features, RankingStats(), config, exploration_rng("q"))
        assert len(chosen) == len(positions)


def test_thompson_sampling_favours_a_cold_document_in_a_category_that_engages():
    # Given two unseen documents, one in a category with a high CTR and one in a low-CTR category
    hits = [toner(1, "printing/ink"), toner(2, "printing/toner")]
    features = features_of(hits)
    stats = RankingStats(rates_by_category={"printing/ink": (0.05, 0.01), "printing/toner": (0.15, 0.05)})
    config = replace(CONFIG, positions=(5,))

    # When one slot is explored over many seeded draws
    picks = [choose_explorations(hits, features, stats, config, random.Random(s))[0] for s in range(400)]

    # Then the high-CTR category's document wins most of them (P ~ 0.89 under these
    # posteriors), and the other, ranked first, still gets some
    assert 300 < picks.count(1) < 390


def test_clicks_without_engagement_fade_a_document_out():
    # Given two documents of one category: one unseen, one examined 25 times without a click
    hits = [toner(1), toner(2)]
    features = features_of(hits)
    stats = RankingStats(
        rates_by_category={"printing/toner": (0.1, 0.05)}, counts_by_doc={"product:1": (25.0, 0)}
    )
    config = replace(CONFIG, positions=(5,))

    picks = [choose_explorations(hits, features, stats, config, random.Random(s))[0] for s in range(400)]

    # Then its evidence pulls it down: the unseen one is explored more often despite ranking
    # lower (P ~ 0.79 under these posteriors)
    assert 280 < picks.count(1) < 350


def test_the_same_seed_gives_the_same_choice_and_other_seeds_vary():
    hits = [toner(pk) for pk in range(40)]
    features = features_of(hits)

    def choose(*parts):
        return choose_explorations(hits, features, RankingStats(), CONFIG, exploration_rng(*parts))

    assert choose("hp toner", "shopper-1", "2026-11-21T10") == choose(
        "hp toner", "shopper-1", "2026-11-21T10"
    )
    choices = {tuple(choose("hp toner", f"shopper-{n}", "2026-11-21T10")) for n in range(20)}
    assert len(choices) > 10


def served(position_docs: dict[int, str], explored: list[int], **fields) -> SearchLog:
    search = SearchLog.objects.create(
        query="hp toner",
        normalized_query="hp toner",
        doc_type="product",
        explored_positions=explored,
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )
    ImpressionLog.objects.bulk_create(
        ImpressionLog(search=search, position=position, doc_id=doc_id, features=b"", feature_version="t")
        for position, doc_id in position_docs.items()
    )
    return search


def engage(search: SearchLog, doc_id: str, *kinds: str) -> None:
    for kind in kinds:
        Event.objects.create(
            event_id=str(uuid.uuid4()),
            kind=kind,
            search_id=search.search_id,
            doc_id=doc_id,
            position=1 if kind != Event.Kind.ORDER else None,
            occurred_at=timezone.now(),
        )


@pytest.fixture
def logged_traffic():
    """Three 12-hit pages of the last week (one of them page 2: positions 13-24), an old
    page and a simulated one that both fall outside a default report."""
    page = {p: f"product:{p}" for p in range(1, 13)}
    first = served({**page, 5: "product:new-a", 12: "product:new-b"}, explored=[5, 12])
    engage(first, "product:new-a", "click", "add_to_cart", "order")
    engage(first, "product:new-a", "click")  # a second click on the same impression
    engage(first, "product:1", "click")
    second_page = {12 + p: f"product:{12 + p}" for p in range(1, 13)}
    second = served({**second_page, 17: "product:new-a"}, explored=[5])
    engage(second, "product:new-a", "click")
    engage(second, "product:13", "click", "add_to_cart")
    plain = served(page, explored=[])
    engage(plain, "product:2", "click")
    served({**page, 5: "product:new-c"}, explored=[5], created_at=timezone.now() - timedelta(days=30))
    served({**page, 5: "product:new-d"}, explored=[5], is_simulated=True)
    DocEngagement.objects.create(doc_id="product:new-a", examinations=40.0, clicks=3)
    DocEngagement.objects.create(doc_id="product:new-b", examinations=12.0, clicks=0)
    return first, second


@pytest.mark.django_db
def test_the_report_counts_exposure_budget_engagement_and_graduations(logged_traffic):
    report = exploration_report(recent_searches(7), CONFIG)

    assert (report.searches, report.explored_searches, report.impressions) == (3, 2, 36)
    # Budget: positions 5 and 12 fit on each 12-hit page.
    assert report.budget_impressions == 6
    assert report.budget_share == pytest.approx(6 / 36)
    # Explored: new-a at 5 and new-b at 12 on the first page, new-a at 17 (page position 5) on page 2.
    assert report.explored.impressions == 3
    assert report.exploration_share == pytest.approx(3 / 36)
    assert (report.explored.clicks, report.explored.carts, report.explored.orders) == (2, 1, 1)
    assert report.explored.examinations == pytest.approx(examination_propensity([5, 12, 17]).sum())
    assert report.explored.debiased_ctr == pytest.approx(2 / examination_propensity([5, 12, 17]).sum())
    # Control: the other 21 impressions of those two pages (the unexplored page is not compared).
    control_positions = [p for p in range(1, 25) if p not in (5, 12, 17)]
    assert report.control.impressions == 21
    assert (report.control.clicks, report.control.carts, report.control.orders) == (2, 1, 0)
    assert report.control.examinations == pytest.approx(examination_propensity(control_positions).sum())
    assert (report.explored_documents, report.graduated_documents) == (2, 1)


@pytest.mark.django_db
def test_the_report_command_prints_and_writes_its_json(logged_traffic, tmp_path):
    out = tmp_path / "report.json"
    stdout = io.StringIO()

    call_command(
        "exploration_report", "--days", "7", "--include-simulated", "--json", str(out), stdout=stdout
    )

    printed = json.loads(stdout.getvalue().splitlines()[-1])
    assert printed == json.loads(out.read_text())
    assert printed["searches"] == 4
    assert printed["explored"]["impressions"] == 4
    assert printed["explored_documents"] == 3
    assert printed["positions"] == [5, 12]
