"""Event ingestion throughput: `manage.py bench_events --events 50000 --batch 500`.

Batches go through the same path as POST /api/events: validation by EventBatchSerializer,
then the `ranking.ingest_events` task (inline when Celery is eager, as here). Every batch
is then replayed once, which must store nothing. Writes rows: run it on a scratch database.
"""

import uuid
from datetime import timedelta
from time import perf_counter

from django.core.management.base import BaseCommand
from django.utils import timezone

from ranking.events import EventBatchSerializer
from ranking.models import Event
from ranking.tasks import ingest_events

KINDS = ("impression",) * 8 + ("click", "add_to_cart")


def synthetic_batch(size: int, offset: int) -> list[dict]:
    now = timezone.now() - timedelta(minutes=1)
    search_id = str(uuid.uuid4())
    return [
        {
            "event_id": str(uuid.uuid4()),
            "kind": KINDS[(offset + i) % len(KINDS)],
            "search_id": search_id,
            "doc_id": f"product:{(offset + i) % 20000 + 1}",
            "position": i % 20 + 1,
            "shopper_id": f"bench-{i % 50}",
            "session_id": f"bench-session-{offset}",
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
        batches = [synthetic_batch(batch, offset) for offset in range(0, events, batch)]
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
        self.stdout.write(f'{{"events_per_s": {rate:.0f}, "replayed_rows": {replayed}}}')
