"""Log retention: what is older than the window goes, in batches, with its impressions; what is
newer stays."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ranking.models import Event, ImpressionLog, SearchLog
from searchapp.log_retention import prune_logs
from searchapp.models import UnmetQuery, UnmetSearchDay

pytestmark = pytest.mark.django_db


def logged(days_ago: float) -> SearchLog:
    at = timezone.now() - timedelta(days=days_ago)
    search = SearchLog.objects.create(
        query="toner", normalized_query="toner", doc_type="product", created_at=at
    )
    for position in (1, 2):
        ImpressionLog.objects.create(
            search=search, position=position, doc_id=f"product:{position}", features=b"", feature_version="v"
        )
    Event.objects.create(
        event_id=uuid.uuid4().hex,
        kind=Event.Kind.CLICK,
        search_id=search.search_id,
        doc_id="product:1",
        occurred_at=at,
    )
    UnmetQuery.objects.create(
        normalized_query=f"nothing {days_ago}",
        doc_type="product",
        step="suggest",
        first_seen=at,
        last_seen=at,
    )
    UnmetSearchDay.objects.create(day=timezone.localdate(at), doc_type="product", step="suggest", searches=1)
    return search


def test_logs_older_than_the_window_are_deleted_in_batches_and_newer_ones_kept():
    old = [logged(days_ago=200 + i) for i in range(3)]
    recent = logged(days_ago=10)
    batches = []

    deleted = prune_logs(180, progress=lambda what, done: batches.append((what, done)), batch=2)

    assert deleted == {
        "ranking.SearchLog": 3,
        "ranking.ImpressionLog": 6,
        "ranking.Event": 3,
        "searchapp.UnmetQuery": 3,
        "searchapp.UnmetSearchDay": 3,
    }
    assert ("searches", 2) in batches and ("searches", 3) in batches  # two batches of at most 2
    assert list(SearchLog.objects.all()) == [recent]
    assert ImpressionLog.objects.filter(search=recent).count() == 2
    assert not ImpressionLog.objects.filter(search__in=[search.pk for search in old]).exists()
    assert Event.objects.count() == 1 and UnmetQuery.objects.count() == 1
    assert UnmetSearchDay.objects.get().day == timezone.localdate(recent.created_at)


def test_the_command_counts_before_it_deletes_and_refuses_an_empty_window():
    logged(days_ago=400)
    out = StringIO()
    call_command("prune_logs", "--days", "365", "--dry-run", stdout=out)
    assert "searches: 1 older than 365 days" in out.getvalue()
    assert SearchLog.objects.count() == 1

    call_command("prune_logs", "--days", "365", stdout=out)
    assert "deleted (older than 365 days)" in out.getvalue() and not SearchLog.objects.exists()
    with pytest.raises(CommandError, match="positive"):
        call_command("prune_logs", "--days", "0")
