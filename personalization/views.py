"""DELETE /api/shoppers/<shopper_id> and DELETE /api/sessions/<session_id>: erase a
shopper's (or an anonymous session's) personal data. Idempotent: an unknown id answers 200
with zero counts, so a retried request is harmless."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from ranking.models import Event
from searchapp.api.serializers import ErrorSerializer
from searchapp.api.throttles import FailOpenScopedRateThrottle
from searchapp.api.views import errors_exception_handler, json_response

from .erasure import erase_session, erase_shopper

MAX_ID_LENGTH = Event._meta.get_field("shopper_id").max_length


class IdSerializer(serializers.Serializer):
    # Untrimmed: ids are stored exactly as the events sent them. The default validators
    # also reject NUL characters, which PostgreSQL cannot store (or look up).
    id = serializers.CharField(max_length=MAX_ID_LENGTH, trim_whitespace=False)


class ShopperErasureSerializer(serializers.Serializer):
    profiles_deleted = serializers.IntegerField(
        help_text="The shopper's profile and their sessions' profiles."
    )
    events_deleted = serializers.IntegerField()
    searches_anonymised = serializers.IntegerField(
        help_text="Logged searches kept for ranker training with shopper_id and session_id blanked."
    )


class SessionErasureSerializer(serializers.Serializer):
    profiles_deleted = serializers.IntegerField()


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid id (at most 100 characters)."),
    429: OpenApiResponse(ErrorSerializer, description="Throttled."),
}


class ErasureView(APIView):
    # Same limits as the events that created the data.
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "events"
    id_name: str

    def get_exception_handler(self):
        return errors_exception_handler

    def validated_id(self, raw: str) -> str:
        serializer = IdSerializer(data={"id": raw})
        if not serializer.is_valid():
            raise serializers.ValidationError({self.id_name: serializer.errors["id"]})
        return serializer.validated_data["id"]


class ShopperErasureView(ErasureView):
    id_name = "shopper_id"

    @extend_schema(
        operation_id="erase_shopper",
        summary="Delete a shopper's profile and events; anonymise their logged searches",
        responses={200: ShopperErasureSerializer, **ERRORS},
    )
    def delete(self, request, shopper_id: str):
        erased = erase_shopper(self.validated_id(shopper_id))
        return json_response(asdict(erased))


class SessionErasureView(ErasureView):
    id_name = "session_id"

    @extend_schema(
        operation_id="erase_session",
        summary="Delete an anonymous session's interest profile",
        responses={200: SessionErasureSerializer, **ERRORS},
    )
    def delete(self, request, session_id: str):
        return json_response({"profiles_deleted": erase_session(self.validated_id(session_id))})
