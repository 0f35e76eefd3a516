"""The admin's search preview: a merchandiser types a query, with the filters a shopper can
set, and sees the page shoppers get and why: what query understanding read, the recovery step,
each result's id, channels, first-stage rank, ranker score and boost, and a link to edit it,
with links to curate the query (pin or hide results) and to the boost rules that applied. It
can order products by any registered ranker version, or by the first stage, beside where the
served order puts each result: a version is eyeballed before it serves anyone. It runs the
pipeline directly, so previews are neither logged as searches nor counted as unmet."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse

from indexing.backends.base import BackendUnavailable
from indexing.documents import DOC_TYPE_MODELS
from ranking.models import RankerModel
from ranking.registry import try_load
from searchapp.api.serializers import SearchParamsSerializer
from searchapp.api.views import params_data, understood
from searchapp.pipeline import PipelineConfig, SearchPipeline
from searchapp.search_request import REQUEST_TYPES, Sort

from .admin_links import new_boost_rule_url, new_curation_url

# The admin page editing each result type.
ADMIN_CHANGE = {
    doc_type: f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    for doc_type, model in DOC_TYPE_MODELS.items()
}
# The preview's own field: order products by a registered version, or by the first stage.
RANKER_FIELD, FIRST_STAGE = "ranker", "first-stage"
RANKER_CHOICES = 20  # the latest product versions offered
# The form's fields: the request's, less the ones a preview fixes (debug) or pages through.
FORM_FIELDS = (
    "q", "type", "sort", "brand", "category", "colour", "price_min", "price_max", "in_stock",
    "shop", "page_size", "shopper_id",
)  # fmt: skip


def search_preview(request):
    context = {
        **admin.site.each_context(request),
        "title": "Search preview",
        "types": REQUEST_TYPES,
        "sorts": [sort.value for sort in Sort],
        "rankers": ranker_choices(),
        "form": {name: request.GET.get(name, "") for name in (*FORM_FIELDS, RANKER_FIELD)},
    }
    if "q" in request.GET:
        context.update(preview(request.GET))
    return TemplateResponse(request, "admin/searchapp/search_preview.html", context)


def ranker_choices() -> list[tuple[str, str]]:
    """(value, label) of the product orders a preview can show besides the served one."""
    versions = RankerModel.objects.filter(doc_type="product").order_by("-created_at")[:RANKER_CHOICES]
    return [(FIRST_STAGE, "the first stage")] + [
        (record.version, f"{record.version} ({record.status})") for record in versions
    ]


def pipeline_for(choice: str) -> SearchPipeline:
    """The pipeline ordering products with the chosen version (or the first stage); raises
    ValueError naming why a version cannot order anything."""
    if choice == FIRST_STAGE:
        return SearchPipeline(PipelineConfig.from_settings(use_ranker=False))
    record = RankerModel.objects.filter(version=choice, doc_type="product").first()
    if record is None:
        raise ValueError(f"no product ranker version {choice!r}")
    ranker, problem = try_load(record)
    if ranker is None:
        raise ValueError(f"{choice} cannot order results: {problem}")
    return SearchPipeline(PipelineConfig.from_settings(rankers={"product": ranker}))


def preview(query_params) -> dict:
    """The page and its explanation, or `errors` (field -> messages) as the API gives them.
    With a ranker chosen (`ranker`: a product version or the first stage) the page is ordered
    by it, and each result says where the served order puts it."""
    choice = query_params.get(RANKER_FIELD, "")
    try:
        pipeline = pipeline_for(choice) if choice else SearchPipeline()
    except ValueError as error:
        return {"errors": {RANKER_FIELD: [str(error)]}}
    data = params_data(SearchParamsSerializer, query_params)
    # An empty box means "not set", as a shopper's client would leave the parameter out.
    data = {name: value for name, value in data.items() if name in FORM_FIELDS and value not in ("", [])}
    data["debug"] = True
    serializer = SearchParamsSerializer(data=data)
    if not serializer.is_valid():
        return {"errors": serializer.errors}
    request = serializer.to_search_request()
    try:
        ctx = pipeline.run(request)
        served = SearchPipeline().run(request).page_hits if choice else None
    except BackendUnavailable as error:
        return {"errors": {"backend": [f"the search backend is down: {error}"]}}
    served_positions = {hit.id: position for position, hit in enumerate(served or (), start=1)}
    explained = understood(ctx)
    return {
        "understood": explained,
        "filters_read": filters_read(explained["filters"]),
        "total": ctx.total,
        "took_ms": round(sum(ctx.timings.values()), 1),
        "degraded": ctx.degraded,
        "model_versions": {
            doc_type: version or "first stage" for doc_type, version in ctx.model_versions.items()
        },
        "rows": [
            {**row(position, result), "served_position": served_positions.get(result["id"])}
            for position, result in enumerate(ctx.results, start=1)
        ],
        "compared": bool(choice),
        "curation_url": curation_url(ctx),
        "redirect_url": ctx.redirect_url,
        "boost_rules": [
            {
                "name": rule.name,
                "factor": rule.factor,
                "url": reverse("admin:searchapp_boostrule_change", args=[rule.rule_id]),
            }
            for rule in ctx.boost_rules
        ],
        "new_boost_rule_url": new_boost_rule_url(ctx.request.query),
    }


def curation_url(ctx) -> str:
    """The curation that applied, to edit; else a new one started from the query."""
    if ctx.curation_id is not None:
        return reverse("admin:searchapp_curation_change", args=[ctx.curation_id])
    return new_curation_url(ctx.request.query)


def row(position: int, result: dict) -> dict:
    stage_scores = result.get("stage_scores") or {}
    doc_type, _, pk = result["id"].partition(":")
    return {
        **result,
        "position": position,
        "admin_url": reverse(ADMIN_CHANGE[doc_type], args=[pk]) if doc_type in ADMIN_CHANGE else None,
        "first_stage_rank": stage_scores.get("first_stage_rank"),
        "ranker_score": stage_scores.get("rank"),
    }


def filters_read(filters: dict) -> list[str]:
    """The filters query understanding read (analyzer.explain_filters), as merchandisers say
    them: "brand: HP", "price: up to 50"."""
    read = []
    for name, value in filters.items():
        if isinstance(value, dict):
            low, high = value.get("gte"), value.get("lte")
            value = (
                f"{low:g} to {high:g}"
                if low is not None and high is not None
                else (f"up to {high:g}" if high is not None else f"from {low:g}")
            )
        elif isinstance(value, list):
            value = ", ".join(value)
        read.append(f"{name}: {value}")
    return read
