import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Product
from ranking.models import Event, SearchLog
from ranking.query_log import clicked_categories, successful_queries
from searchapp.query.intent import IntentModel, intent_path
from tests.catalog.factories import SMALL_CATALOG, load_rows

pytestmark = pytest.mark.django_db


def search(query: str, session: str, clicked: list[str] = (), simulated: bool = False) -> None:
    logged = SearchLog.objects.create(
        query=query.upper(),
        normalized_query=query,
        session_id=session,
        doc_type="product",
        is_simulated=simulated,
        created_at=timezone.now(),
    )
    for doc_id in clicked:
        Event.objects.create(
            event_id=str(uuid.uuid4()),
            kind=Event.Kind.CLICK,
            search_id=logged.search_id,
            doc_id=doc_id,
            position=1,
            occurred_at=timezone.now(),
        )


@pytest.fixture
def catalog():
    load_rows(SMALL_CATALOG)
    return {p.external_id: p for p in Product.objects.select_related("category")}


@pytest.fixture
def logs(catalog):
    headphones, toner = f"product:{catalog['SKU-1'].pk}", f"product:{catalog['SKU-3'].pk}"
    for session in ("a", "b", "c"):
        search("headphones", session, [headphones])
        search("toner", session)  # searched, never clicked: not a success
    search("headphones", "a", [headphones, headphones])  # the same session again
    search("hedphones", "d", [headphones])  # a typo, clicked once: too rare to learn
    search("hp toner", "e", [toner, "video:7"])  # a video click says nothing of products
    for session in ("s1", "s2", "s3"):
        search("cyan toner", session, [toner], simulated=True)
    return catalog


def test_successful_queries_count_sessions_with_a_click(logs):
    assert successful_queries() == [("headphones", 3)]
    assert successful_queries(min_sessions=1) == [("headphones", 3), ("hedphones", 1), ("hp toner", 1)]


def test_simulated_searches_count_only_when_asked_for(logs):
    assert ("cyan toner", 3) not in successful_queries()
    assert ("cyan toner", 3) in successful_queries(include_simulated=True)


def test_clicked_categories_are_the_clicked_products_categories(logs):
    headphones, toner = logs["SKU-1"].category.path, logs["SKU-3"].category.path
    assert headphones != toner
    assert clicked_categories() == [
        ("headphones", headphones, 5),
        ("hedphones", headphones, 1),
        ("hp toner", toner, 1),
    ]
    assert ("cyan toner", toner, 3) in clicked_categories(include_simulated=True)


def test_the_vocabulary_learns_the_logged_queries(logs, settings, tmp_path):
    settings.SEARCH_DATA_DIR = tmp_path
    call_command("build_query_vocabulary", "--from-logs", stdout=io.StringIO())
    saved = json.loads((tmp_path / "query" / "vocabulary.json").read_text())
    assert saved["queries"] == {"headphones": 3}


def test_the_intent_model_learns_what_shoppers_click_for_a_query(logs, settings, tmp_path):
    settings.SEARCH_DATA_DIR = tmp_path
    headphones = logs["SKU-1"].category.path
    for session in ("f", "g", "h"):  # a word no title uses, clicked through to headphones
        search("cans", session, [f"product:{logs['SKU-1'].pk}"])

    def top_category() -> str | None:
        predicted = IntentModel.load(intent_path()).predict(["cans"], top=1)
        return predicted[0][0] if predicted else None

    call_command("train_intent", stdout=io.StringIO())
    assert top_category() != headphones
    call_command("train_intent", "--from-logs", stdout=io.StringIO())
    assert top_category() == headphones


@pytest.mark.parametrize("command", ["build_query_vocabulary", "train_intent"])
def test_simulated_traffic_is_asked_for_with_the_log(command):
    with pytest.raises(CommandError, match="--include-simulated only applies with --from-logs"):
        call_command(command, "--include-simulated", stdout=io.StringIO())
