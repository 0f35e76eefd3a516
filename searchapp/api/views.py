"""GET /api/search, /api/suggest and /api/health.

Every error is `{"errors": {"<parameter or part>": ["reason", ...]}}`: 400 for bad
parameters (unknown ones included), 429 when throttled, 503 when the search backend is down.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from time import perf_counter

import orjson
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import APIView, exception_handler

from indexing.backends import get_backend
from indexing.backends.base import BackendUnavailable
from indexing.schema import DOC_TYPES
from ranking.feature_log import served_page_payload
from ranking.stats import expired_ranking_stats_allowed, reload_expired_ranking_stats
from ranking.tasks import log_search
from searchapp.completion import complete
from searchapp.pipeline import SearchContext, SearchPipeline
from searchapp.search_request import ALL_TYPES
from searchapp.tasks import record_unmet_search
from searchapp.unmet_queries import unmet_search_payload

from . import serializers
from .health import health_report
from .throttles import FailOpenScopedRateThrottle

logger = logging.getLogger(__name__)


class BackendDown(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "backend_unavailable"

    def __init__(self, error: BackendUnavailable):
        super().__init__({"backend": [f"The search backend is unavailable: {error}"]})


def errors_exception_handler(exc, context):
    """DRF's handler, reshaped so that every error body is {"errors": {name: [reasons]}}."""
    response = exception_handler(exc, context)
    if response is not None:
        data = response.data
        if isinstance(data, dict) and set(data) != {"detail"}:
            errors = {
                name: reasons if isinstance(reasons, list) else [reasons] for name, reasons in data.items()
            }
        else:
            errors = {"detail": [data["detail"] if isinstance(data, dict) else data]}
        response.data = {"errors": errors}
    return response


def json_response(
    payload: dict,
    status_code: int = 200,
    headers: dict | None = None,
    then: Callable[[], object] | None = None,
) -> HttpResponse:
    """`then`: work to run once the response is sent (ThenResponse)."""
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    if then is None:
        return HttpResponse(body, status=status_code, content_type="application/json", headers=headers)
    return ThenResponse(body, status=status_code, content_type="application/json", headers=headers, then=then)


class ThenResponse(HttpResponse):
    """A response that runs `then()` once it has been sent: the WSGI server calls close()
    after writing the body, so the client never waits for it. Work that fails there is
    logged; the response is gone already."""

    def __init__(self, *args, then: Callable[[], object], **kwargs):
        super().__init__(*args, **kwargs)
        self.then = then

    def close(self):
        # Let go of what `then` holds (a search's context: hundreds of hits) right away: the
        # response sits in reference cycles (request, view), so keeping it would leave all
        # of it to the next full garbage collection, a pause on some later request.
        then, self.then = self.then, None
        try:
            if then is not None:
                then()
        except Exception:  # the shopper has the page; a failed log write must not be an error
            logger.exception("after-response work failed")
        finally:
            super().close()  # request_finished: database connections are tidied after then()


class ParamsView(APIView):
    """A view whose query parameters are validated by `params_serializer`; unknown
    parameters are rejected so that a typo ("pricemin") is not silently ignored."""

    params_serializer: type[serializers.serializers.Serializer]
    throttle_classes = [FailOpenScopedRateThrottle]

    def get_exception_handler(self):
        return errors_exception_handler

    def validated_params(self, request):
        serializer_class = self.params_serializer
        unknown = sorted(set(request.query_params) - parameter_names(serializer_class))
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        serializer = serializer_class(data=params_data(serializer_class, request.query_params))
        serializer.is_valid(raise_exception=True)
        return serializer


def params_data(serializer_class, query_params) -> dict:
    """Query parameters as the serializer reads them: repeated or comma-separated values of a
    multi-valued parameter, the last value of any other. A plain dict, not the QueryDict: DRF
    treats an absent boolean in HTML-form input as false, which would turn "in_stock not
    given" into "in_stock=false"."""
    data = {}
    for name, values in query_params.lists():
        if name in serializer_class.multi_valued:
            data[name] = [value.strip() for raw in values for value in raw.split(",") if value.strip()]
        else:
            data[name] = values[-1]
    return data


@functools.cache
def parameter_names(serializer_class) -> frozenset[str]:
    # Instantiating a serializer deep-copies its fields: once per class, not per request.
    return frozenset(serializer_class().fields)


SEARCH_RESPONSES = {
    200: serializers.SearchResponseSerializer,
    400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid or unknown parameters."),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Throttled."),
    503: OpenApiResponse(serializers.ErrorSerializer, description="The search backend is down."),
}


class SearchView(ParamsView):
    params_serializer = serializers.SearchParamsSerializer
    throttle_scope = "search"

    @extend_schema(
        operation_id="search",
        summary="Hybrid search over products, videos and live streams",
        parameters=[serializers.SearchParamsSerializer],
        responses=SEARCH_RESPONSES,
    )
    def get(self, request):
        started = perf_counter()
        search_request = self.validated_params(request).to_search_request()
        with expired_ranking_stats_allowed():
            try:
                ctx = SearchPipeline().run(search_request)
            except BackendUnavailable as error:
                raise BackendDown(error) from error
            payload = search_payload(ctx, took_ms=(perf_counter() - started) * 1000)
        server_timing = ", ".join(f"{stage};dur={ms:.3f}" for stage, ms in ctx.timings.items())
        return json_response(
            payload, headers={"Server-Timing": server_timing}, then=lambda: after_search(ctx)
        )


def after_search(ctx: SearchContext) -> None:
    log_served_page(ctx)
    unmet = unmet_search_payload(ctx)
    if unmet is not None:
        record_unmet_search.delay(unmet)
    reload_expired_ranking_stats()


def log_served_page(ctx: SearchContext) -> None:
    """Feature logging, once the response is sent: a Celery task stores the page (every
    type, at the positions shown) and the vectors the rankers saw. With a broker that is a
    publish; with none (eager tasks) the write itself (SQLite: 3 to 25 ms as the log grows),
    which the shopper does not wait for."""
    request = ctx.request
    served = served_page_payload(ctx, shopper_id=request.shopper_id, session_id=request.session_id)
    if served is not None:
        log_search.delay(served)


def search_payload(ctx: SearchContext, took_ms: float) -> dict:
    request = ctx.request
    payload = {
        "search_id": ctx.search_id,
        "query": request.query,
        "type": request.type,
        "total": ctx.total,
        "total_relation": ctx.total_relation,
        "took_ms": round(took_ms, 3),
        "page": request.page,
        "page_size": request.page_size,
        "results": ctx.results,
        "facets": ctx.facets,
    }
    if ctx.parsed is not None:
        payload["understood"] = understood(ctx)
    if ctx.redirect_url:
        payload["redirect"] = ctx.redirect_url
    if ctx.degraded:
        payload["degraded"] = ctx.degraded
    if request.debug:
        payload["debug"] = {
            "timings_ms": {stage: round(ms, 3) for stage, ms in ctx.timings.items()},
            "model_versions": {doc_type: version or None for doc_type, version in ctx.model_versions.items()},
        }
    return payload


def understood(ctx: SearchContext) -> dict:
    explained = ctx.parsed.explain()
    return {
        **{name: explained[name] for name in UNDERSTOOD_FIELDS},
        "recovery": ctx.recovery,
        "suggestions": ctx.suggestions,
    }


UNDERSTOOD_FIELDS = (
    "normalized",
    "corrected_query",
    "did_you_mean",
    "filters",
    "boosts",
    "category_intent",
    "synonyms_applied",
    "spelling_alternatives",
    "unit_alternatives",
    "price_preference",
    "unreadable_words",
    "model_numbers",
)


class SuggestView(ParamsView):
    params_serializer = serializers.SuggestParamsSerializer
    throttle_scope = "suggest"

    @extend_schema(
        operation_id="suggest",
        summary="Completions of what is being typed: searches, then brands, categories and titles",
        parameters=[serializers.SuggestParamsSerializer],
        responses={
            200: serializers.SuggestResponseSerializer,
            400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid or unknown parameters."),
            429: OpenApiResponse(serializers.ErrorSerializer, description="Throttled."),
            503: OpenApiResponse(serializers.ErrorSerializer, description="The search backend is down."),
        },
    )
    def get(self, request):
        params = self.validated_params(request).validated_data
        doc_types = DOC_TYPES if params["type"] == ALL_TYPES else (params["type"],)
        try:
            suggestions, reading = complete(get_backend(), params["q"], doc_types, limit=params["limit"])
        except BackendUnavailable as error:
            raise BackendDown(error) from error
        return json_response({"query": params["q"], "corrected_query": reading, "suggestions": suggestions})


class HealthView(APIView):
    # Load balancers poll this: never throttled.
    throttle_classes = []

    @extend_schema(
        operation_id="health",
        summary="Readiness of the database, broker, search backend and embedder",
        responses={
            200: serializers.HealthResponseSerializer,
            503: OpenApiResponse(
                serializers.HealthResponseSerializer, description="A required part is down."
            ),
        },
    )
    def get(self, request):
        report = health_report()
        status_code = 503 if report["status"] == "down" else 200
        return json_response(report, status_code=status_code)
