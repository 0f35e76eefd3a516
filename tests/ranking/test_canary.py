"""Canary rankers: a version that passed the offline gate serves a share of shoppers beside
the promoted one, split by shopper or session, and is compared online before anyone
promotes it."""

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from ranking.canary import compare_canary, rate_difference
from ranking.models import Event, RankerModel, SearchLog
from ranking.registry import CANARY_STOPPED, decide, in_canary, ranker_health, serving_ranker, start_canary
from ranking.tasks import guard_canaries

from .test_registry import candidate


@pytest.fixture
def incumbent(db):
    record = candidate(0.70, 0.60)
    assert decide(record)
    return record


def test_a_canary_serves_its_share_of_shoppers_each_on_one_side(incumbent):
    canary = candidate(0.75, 0.70)

    # passing the gate with a canary share: not promoted, served to that share
    assert decide(canary, canary_share=0.3) is False
    canary.refresh_from_db()
    assert (canary.status, canary.canary_share) == ("canary", 0.3)
    assert canary.canary_started_at is not None

    served = [serving_ranker("product", f"shopper-{i}").version for i in range(4000)]
    share = served.count(canary.version) / len(served)
    assert 0.27 < share < 0.33
    assert set(served) == {canary.version, incumbent.version}
    # a shopper stays on one side; a search without an id gets the promoted version
    assert [serving_ranker("product", "shopper-7").version for _ in range(3)] == [served[7]] * 3
    assert serving_ranker("product").version == incumbent.version
    assert serving_ranker("product", "").version == incumbent.version
    health = ranker_health()
    assert health["model_version"] == incumbent.version
    assert health["canaries"] == {"product": {"version": canary.version, "share": 0.3}}


def test_the_split_is_drawn_afresh_for_each_canary():
    units = [f"s{i}" for i in range(2000)]
    first = {unit for unit in units if in_canary(unit, "product-a", 0.5)}
    second = {unit for unit in units if in_canary(unit, "product-b", 0.5)}
    assert 0.45 < len(first) / len(units) < 0.55
    # independent draws overlap by about a quarter of the units, not half
    assert 0.2 < len(first & second) / len(units) < 0.3


def test_a_candidate_that_fails_the_gate_never_becomes_a_canary_and_a_new_one_replaces_the_old(incumbent):
    assert decide(candidate(0.65, 0.70), canary_share=0.2) is False
    assert not RankerModel.objects.filter(status="canary").exists()

    old, new = candidate(0.75, 0.70), candidate(0.76, 0.70)
    decide(old, canary_share=0.2)
    decide(new, canary_share=0.1)
    statuses = dict(RankerModel.objects.values_list("version", "status"))
    assert (statuses[old.version], statuses[new.version], statuses[incumbent.version]) == (
        "rejected",
        "canary",
        "promoted",
    )


def test_an_unloadable_canary_leaves_the_promoted_version_serving_everyone_and_health_says_so(incumbent):
    canary = candidate(0.75, 0.70)
    decide(canary, canary_share=0.5)
    RankerModel.objects.filter(pk=canary.pk).update(feature_manifest={"version": "0ld", "names": []})

    assert {serving_ranker("product", f"s{i}").version for i in range(50)} == {incumbent.version}
    assert "feature list 0ld" in ranker_health()["canaries"]["product"]["problem"]


def log_searches(version: str, count: int, clicked: int, ordered: int, **fields) -> None:
    """`count` served searches ordered by `version` with shopper ids; the first `clicked` got a
    click, the first `ordered` of those an order of 10.00."""
    for i in range(count):
        search = SearchLog.objects.create(
            query="toner",
            normalized_query="toner",
            doc_type="product",
            model_version=version,
            shopper_id=fields.get("shopper_id", f"{version}-{i}"),
            session_id="",
            is_simulated=fields.get("is_simulated", False),
            created_at=fields.get("created_at", timezone.now()),
        )
        kinds = ["click"] * (i < clicked) + ["order"] * (i < ordered)
        for kind in kinds:
            Event.objects.create(
                event_id=f"{search.search_id}-{kind}",
                kind=kind,
                search_id=search.search_id,
                doc_id="product:1",
                value=Decimal("10.00") if kind == "order" else None,
                occurred_at=timezone.now(),
            )


def test_the_online_comparison_counts_each_side_since_the_canary_started(incumbent):
    canary = candidate(0.75, 0.70)
    decide(canary, canary_share=0.5)
    log_searches(canary.version, 400, clicked=120, ordered=40)
    log_searches(incumbent.version, 400, clicked=60, ordered=20)
    # left out: traffic before the canary started, simulated traffic, searches without an id
    log_searches(canary.version, 50, 0, 0, created_at=timezone.now() - timedelta(days=1))
    log_searches(incumbent.version, 50, 50, 50, is_simulated=True)
    log_searches(incumbent.version, 50, 50, 50, shopper_id="")

    comparison = compare_canary(RankerModel.objects.get(pk=canary.pk))

    assert (comparison.canary.searches, comparison.canary.clicked, comparison.canary.ordered) == (
        400,
        120,
        40,
    )
    assert (comparison.promoted.searches, comparison.promoted.clicked, comparison.promoted.ordered) == (
        400,
        60,
        20,
    )
    assert comparison.canary.revenue_per_search == Decimal("1.00")
    assert comparison.ctr.value == pytest.approx(0.15)
    assert comparison.ctr.verdict == "canary ahead"
    assert comparison.ctr.low < 0.15 < comparison.ctr.high


def test_a_small_difference_on_little_traffic_is_no_verdict(incumbent):
    canary = candidate(0.75, 0.70)
    decide(canary, canary_share=0.5)
    log_searches(canary.version, 30, clicked=10, ordered=0)
    log_searches(incumbent.version, 30, clicked=9, ordered=0)
    assert compare_canary(RankerModel.objects.get(pk=canary.pk)).ctr.verdict == "no clear difference yet"


def verdicts_while_watching(canary_rate: float, promoted_rate: float, seed: int) -> list[str]:
    """The verdict a person reads after every 200 searches (100 a side) up to 10,000."""
    rng = np.random.default_rng(seed)
    canary = np.cumsum(rng.random(5_000) < canary_rate)
    promoted = np.cumsum(rng.random(5_000) < promoted_rate)
    return [
        rate_difference(int(canary[n - 1]), n, int(promoted[n - 1]), n).verdict
        for n in range(100, 5_001, 100)
    ]


def test_watching_a_tie_every_day_rarely_ever_calls_a_winner():
    # Given 400 canaries no better or worse than the promoted version, each checked 50 times
    runs = [verdicts_while_watching(0.2, 0.2, seed) for seed in range(400)]

    # Then at most ~5% of them ever read anything but "no clear difference yet"
    # (a fixed-sample 95% interval checked this often: a third of them)
    called = sum(any(v != "no clear difference yet" for v in verdicts) for verdicts in runs)
    assert called / len(runs) <= 0.06


def test_a_real_lift_is_called_ahead_and_stays_ahead():
    # Given canaries whose order rate is truly 4 points better (24% vs 20%)
    runs = [verdicts_while_watching(0.24, 0.20, seed) for seed in range(100)]

    # Then most are called ahead within 10,000 searches, and none is ever called behind
    assert sum(verdicts[-1] == "canary ahead" for verdicts in runs) >= 80
    assert not any("canary behind" in verdicts for verdicts in runs)


def test_the_guard_stops_a_canary_clearly_behind_and_says_why(admin_client, incumbent):
    # Given a canary whose shoppers click far less than the promoted version's
    canary = candidate(0.75, 0.70)
    decide(canary, canary_share=0.5)
    log_searches(canary.version, 300, clicked=30, ordered=10)
    log_searches(incumbent.version, 300, clicked=120, ordered=12)

    # When the scheduled guard runs
    stopped = guard_canaries()

    # Then it is stopped, everyone gets the promoted version, and the registry says why
    record = RankerModel.objects.get(pk=canary.pk)
    assert record.status == "rejected"
    reason = record.metrics[CANARY_STOPPED]
    assert stopped == {canary.version: reason}
    assert "click-through behind: -30.0 points" in reason and "order rate" not in reason
    assert {serving_ranker("product", f"s{i}").version for i in range(50)} == {incumbent.version}
    assert reason in admin_client.get("/admin/ranking/rankermodel/").content.decode()


@pytest.mark.parametrize(
    ("canary_outcomes", "promoted_outcomes"),
    [
        ((90, 10), (85, 30)),  # orders behind, but not clearly yet
        ((120, 90), (240, 30)),  # clearly fewer clicks, but clearly more orders: a person's call
    ],
)
def test_the_guard_leaves_a_canary_undecided_or_with_mixed_signals_serving(
    incumbent, canary_outcomes, promoted_outcomes
):
    canary = candidate(0.75, 0.70)
    decide(canary, canary_share=0.5)
    log_searches(canary.version, 300, *canary_outcomes)
    log_searches(incumbent.version, 300, *promoted_outcomes)

    assert guard_canaries() == {}
    assert RankerModel.objects.get(pk=canary.pk).status == "canary"


def test_the_admin_starts_promotes_and_stops_canaries(admin_client, incumbent):
    listing = "/admin/ranking/rankermodel/"
    canary = candidate(0.75, 0.70)
    canary.status = "rejected"
    canary.save()

    admin_client.post(listing, {"action": "start_canaries", "_selected_action": [canary.pk]})
    canary.refresh_from_db()
    assert (canary.status, canary.canary_share) == ("canary", 0.1)
    page = admin_client.get(f"{listing}{canary.pk}/change/")
    assert page.status_code == 200 and "<th>click-through</th>" in page.content.decode()
    # its share can be changed on its page
    response = admin_client.post(f"{listing}{canary.pk}/change/", {"canary_share": "0.6"})
    assert "less than or equal to 0.5" in response.content.decode()

    admin_client.post(listing, {"action": "promote_versions", "_selected_action": [canary.pk]})
    statuses = dict(RankerModel.objects.values_list("version", "status"))
    assert (statuses[canary.version], statuses[incumbent.version]) == ("promoted", "rejected")
    assert serving_ranker("product", "anyone").version == canary.version

    other = candidate(0.8, 0.7)
    start_canary(other, 0.2)
    admin_client.post(listing, {"action": "stop_canaries", "_selected_action": [other.pk]})
    assert RankerModel.objects.get(pk=other.pk).status == "rejected"
    assert not ranker_health().get("canaries")


def test_a_version_serving_cannot_load_is_neither_promoted_nor_canaried_from_the_admin(
    admin_client, incumbent
):
    broken = candidate(0.75, 0.70)
    RankerModel.objects.filter(pk=broken.pk).update(feature_manifest={"version": "0ld", "names": []})
    for action in ("promote_versions", "start_canaries"):
        response = admin_client.post(
            "/admin/ranking/rankermodel/", {"action": action, "_selected_action": [broken.pk]}, follow=True
        )
        assert "cannot be served" in response.content.decode()
    assert RankerModel.objects.get(pk=broken.pk).status == "candidate"
