"""Event ingestion throughput: `manage.py bench_events --events 50000 --batch 500`.

Batches go through the same path as POST /api/events: validation by EventBatchSerializer,
then the `ranking.ingest_events` task (inline when Celery is eager, as here). Every batch
is then replayed once, which must store nothing. The run's synthetic shoppers and sessions
carry a tag of their own, and what they wrote (events, shopper profiles) is deleted at the
end: engagement stats, click training and personalisation read those tables, and a
benchmark never passes for shoppers (as `bench_search` deletes the searches it logged).
"""

import json
import uuid
from datetime import timedelta
from time import perf_counter

from django.core.management.base import BaseCommand
from django.utils import timezone

from catalog.models import Product
from personalization.models import ShopperProfile, profile_key
from ranking.events import EventBatchSerializer
from ranking.models import Event
from ranking.tasks import ingest_events

KINDS = ("impression",) * 8 + ("click", "add_to_cart")


def synthetic_batch(size: int, offset: int, tag: str, doc_ids: list[str]) -> list[dict]:
    """`tag` names the run's shoppers and sessions, so its rows can be found and deleted."""
    now = timezone.now() - timedelta(minutes=1)
    search_id = str(uuid.uuid4())
    return [
        {
            "event_id": str(uuid.uuid4()),
            "kind": KINDS[(offset + i) % len(KINDS)],
            "search_id": search_id,
            "doc_id": doc_ids[(offset + i) % len(doc_ids)],
            "position": i % 20 + 1,
            "shopper_id": f"{tag}-{i % 50}",
            "session_id": f"{tag}-session-{offset}",
            "occurred_at": now.isoformat(),
        }
        for i in range(size)
    ]


class Command(BaseCommand):
    help = "Measure event validation + ingestion throughput (events/s), and that replays store nothing."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=50_000)
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, events, batch, **options):
        tag = f"bench-{uuid.uuid4().hex[:12]}"
        doc_ids = catalog_doc_ids()
        batches = [synthetic_batch(batch, offset, tag, doc_ids) for offset in range(0, events, batch)]
        before = Event.objects.count()
        started = perf_counter()
        validated = []
        for payload in batches:
            serializer = EventBatchSerializer(data={"events": payload})
            serializer.is_valid(raise_exception=True)
            validated.append(serializer.data["events"])  # what the view hands the task
            ingest_events.delay(validated[-1])
        elapsed = perf_counter() - started
        stored = Event.objects.count() - before
        for events in validated:
            ingest_events.delay(events)
        replayed = Event.objects.count() - before - stored
        rate = stored / elapsed
        self.stdout.write(
            f"{stored} events in {len(batches)} batches of {batch}: {elapsed:.2f}s, {rate:,.0f} events/s"
        )
        self.stdout.write(f"replaying every batch stored {replayed} more rows (must be 0)")
        removed_events, removed_profiles = remove_benchmark_rows(tag)
        self.stdout.write(
            f"removed {removed_events} events and {removed_profiles} shopper profiles "
            "(benchmark traffic is not shoppers')"
        )
        self.stdout.write(
            json.dumps(
                {
                    "events_per_s": round(rate),
                    "replayed_rows": replayed,
                    "removed_events": removed_events,
                    "removed_profiles": removed_profiles,
                }
            )
        )


def catalog_doc_ids(limit: int = 20_000) -> list[str]:
    """Products of the loaded catalog, so events update their shoppers' profiles as real
    clicks do; made-up ids on an empty catalog."""
    pks = Product.objects.order_by("pk").values_list("pk", flat=True)[:limit]
    return [f"product:{pk}" for pk in pks] or [f"product:{n}" for n in range(1, limit + 1)]


def remove_benchmark_rows(tag: str) -> tuple[int, int]:
    """Delete the events and shopper profiles the run's tagged shoppers and sessions wrote."""
    removed_events, _ = Event.objects.filter(session_id__startswith=f"{tag}-").delete()
    profiles = ShopperProfile.objects.filter(key__startswith=profile_key(shopper_id=f"{tag}-"))
    removed_profiles, _ = profiles.delete()
    return removed_events, removed_profiles
