"""POST /api/events: a batch of shopper events (impressions, clicks, add-to-cart, orders).

Validated here (400 with a reason per bad event and field), stored by the
`ranking.ingest_events` Celery task so the request never waits on the database (inline
when Celery is eager). Idempotent by event_id: a replayed batch is accepted and ignored.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from ranking.events import EventBatchSerializer, flatten_errors
from ranking.tasks import ingest_events

from .serializers import ErrorSerializer
from .throttles import FailOpenScopedRateThrottle
from .views import errors_exception_handler, json_response


class EventsAcceptedSerializer(drf_serializers.Serializer):
    accepted = drf_serializers.IntegerField(help_text="Events queued for storage (replays are then ignored).")


class EventsView(APIView):
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "events"

    def get_exception_handler(self):
        return errors_exception_handler

    @extend_schema(
        operation_id="events",
        summary="Record a batch of shopper events (at most 500)",
        request=EventBatchSerializer,
        responses={
            202: EventsAcceptedSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description='Reasons per bad value, e.g. "events[3].kind".'
            ),
            429: OpenApiResponse(ErrorSerializer, description="Throttled."),
        },
    )
    def post(self, request):
        serializer = EventBatchSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(flatten_errors(serializer.errors))
        # The events as validated (ids trimmed, times with their zone), in their JSON form
        # for the task message: what is stored is what was checked, so a replay padded with
        # spaces is still a replay.
        events = serializer.data["events"]
        ingest_events.delay(events)
        return json_response({"accepted": len(events)}, status_code=202)
