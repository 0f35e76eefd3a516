"""Shopper events (impressions, clicks, add-to-cart, orders): validation and ingestion.

The API validates a batch with `EventBatchSerializer` (400 with per-event reasons), then
hands the events as validated (in JSON form) to the `ranking.ingest_events` task, so the
request never waits for the database. Ingestion is idempotent by the client's `event_id`:
rows are inserted with ON CONFLICT DO NOTHING, so a replayed batch (a retry, at-least-once
delivery) never counts an event twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from indexing.schema import DOC_TYPES

from .models import Event

MAX_BATCH_EVENTS = 500
# Client clocks drift; an event from further in the future than this is a bug, not skew.
MAX_CLOCK_SKEW = timedelta(minutes=5)
DOC_ID_PATTERN = rf"^({'|'.join(DOC_TYPES)}):\d+$"
# Which optional fields each kind needs to be useful for training.
POSITIONED_KINDS = {Event.Kind.IMPRESSION, Event.Kind.CLICK}
EVENT_FIELDS = (
    "event_id",
    "kind",
    "search_id",
    "doc_id",
    "position",
    "shopper_id",
    "session_id",
    "value",
    "occurred_at",
)


class EventSerializer(serializers.Serializer):
    event_id = serializers.CharField(
        max_length=64, help_text="Client-generated and unique: replays are ignored."
    )
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    search_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="The search_id of the response the hit was in."
    )
    doc_id = serializers.RegexField(DOC_ID_PATTERN, max_length=64, help_text='"<type>:<pk>", as in results.')
    position = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, allow_null=True, help_text="1-based position shown."
    )
    shopper_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    session_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Order value.",
    )
    occurred_at = serializers.DateTimeField()

    def validate_occurred_at(self, value):
        if value > timezone.now() + MAX_CLOCK_SKEW:
            raise serializers.ValidationError("Is in the future.")
        return value

    def validate(self, attrs):
        errors = {}
        if attrs["kind"] in POSITIONED_KINDS:
            for name in ("search_id", "position"):
                if attrs.get(name) is None:
                    errors[name] = [f"Required for {attrs['kind']} events."]
        if attrs["kind"] == Event.Kind.ORDER and attrs.get("value") is None:
            errors["value"] = ["Required for order events."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EventBatchSerializer(serializers.Serializer):
    events = EventSerializer(many=True, allow_empty=False, max_length=MAX_BATCH_EVENTS)


def flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors -> {"events[3].kind": ["reason"]}: one flat name per bad value."""
    if isinstance(errors, Mapping):
        # A list's errors come keyed by item index; an object's by field name.
        items = (
            (
                f"{prefix}[{name}]" if isinstance(name, int) else f"{prefix}.{name}" if prefix else str(name),
                value,
            )
            for name, value in errors.items()
        )
    elif errors and all(isinstance(value, str) for value in errors):
        return {prefix or "non_field_errors": [str(value) for value in errors]}
    else:
        items = ((f"{prefix}[{i}]", value) for i, value in enumerate(errors) if value)
    flat: dict[str, list[str]] = {}
    for name, value in items:
        flat.update(flatten_errors(value, name))
    return flat


@dataclass(frozen=True)
class IngestResult:
    received: int
    inserted: int
    duplicates: int
    # The events stored by this call (not the replays): what profiles must learn from.
    new_events: tuple[Mapping, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if name != "new_events"}


def ingest_events(events: Iterable[Mapping]) -> IngestResult:
    """Store validated events (plain JSON values, as the task receives them).

    Duplicates (already stored, or repeated within the batch) are skipped; ON CONFLICT DO
    NOTHING keeps that true when two workers ingest the same event at once, in which case
    only the reported counts can be off, never the stored rows."""
    unique: dict[str, Mapping] = {}
    received = 0
    for event in events:
        received += 1
        unique.setdefault(str(event["event_id"]), event)
    stored = set(Event.objects.filter(event_id__in=list(unique)).values_list("event_id", flat=True))
    new_events = tuple(event for event_id, event in unique.items() if event_id not in stored)
    rows = [
        Event(**{name: event.get(name) for name in EVENT_FIELDS if event.get(name) is not None})
        for event in new_events
    ]
    Event.objects.bulk_create(rows, ignore_conflicts=True, batch_size=MAX_BATCH_EVENTS)
    return IngestResult(
        received=received, inserted=len(rows), duplicates=received - len(rows), new_events=new_events
    )
