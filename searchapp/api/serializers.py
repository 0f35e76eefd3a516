"""Request-parameter serializers (validation and OpenAPI) and response serializers.

Responses are built as plain dicts and written with orjson (the response serializers below
only document their shape): running DRF serializers over 100 hits costs more than the search.
"""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import serializers

from indexing.schema import DOC_TYPES
from searchapp.search_request import REQUEST_TYPES, SearchFilters, SearchRequest, Sort

# C0/C1 control characters (tabs and newlines included) become spaces; format characters
# (Cf: zero-width joiners inside emoji) are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class QueryTextField(serializers.CharField):
    """Free text: control characters removed before the blank and length checks."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str):
            data = " ".join(CONTROL_CHARACTERS.sub(" ", data).split())
        return super().run_validation(data)


class SearchParamsSerializer(serializers.Serializer):
    q = QueryTextField(max_length=settings.SEARCH_MAX_QUERY_LENGTH, help_text="The query text.")
    type = serializers.ChoiceField(choices=REQUEST_TYPES, default="product")
    brand = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Brand facet values; repeat the parameter or separate values with commas.",
    )
    category = serializers.CharField(
        required=False,
        max_length=500,
        help_text='A category path as the category facet returns it ("printing" or '
        '"printing/toner-cartridges"); matches that category and everything below it.',
    )
    price_min = serializers.FloatField(required=False, min_value=0)
    price_max = serializers.FloatField(required=False, min_value=0)
    in_stock = serializers.BooleanField(
        required=False, help_text="Products only: true keeps products in stock, false those out of it."
    )
    shop = serializers.CharField(required=False, max_length=200, help_text="A shop slug.")
    sort = serializers.ChoiceField(choices=[choice.value for choice in Sort], default=Sort.RELEVANCE.value)
    page = serializers.IntegerField(default=1, min_value=1, max_value=10_000)
    page_size = serializers.IntegerField(default=20, min_value=1, max_value=settings.SEARCH_MAX_PAGE_SIZE)
    debug = serializers.BooleanField(default=False, help_text="Add stage timings and field scores.")

    # Parameters that may be repeated; every other one takes its last value.
    multi_valued = ("brand",)

    def validate(self, attrs):
        price_min, price_max = attrs.get("price_min"), attrs.get("price_max")
        if price_min is not None and price_max is not None and price_min > price_max:
            raise serializers.ValidationError({"price_max": ["Must be greater than or equal to price_min."]})
        return attrs

    def to_search_request(self) -> SearchRequest:
        data = self.validated_data
        filters = SearchFilters(
            brands=tuple(data.get("brand", ())),
            category=data.get("category"),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            in_stock=data.get("in_stock"),
            shop=data.get("shop"),
        )
        return SearchRequest(
            query=data["q"],
            type=data["type"],
            filters=filters,
            sort=Sort(data["sort"]),
            page=data["page"],
            page_size=data["page_size"],
            debug=data["debug"],
        )


class SuggestParamsSerializer(serializers.Serializer):
    q = QueryTextField(max_length=100, help_text="The prefix typed so far.")
    type = serializers.ChoiceField(choices=REQUEST_TYPES, default="all")
    limit = serializers.IntegerField(default=10, min_value=1, max_value=50)

    multi_valued = ()


# --- Response shapes (documentation only, see the module docstring).


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Parameter (or part) name -> reasons.",
    )


class SearchHitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DOC_TYPES)
    id = serializers.CharField(help_text='"<type>:<pk>"')
    title = serializers.CharField()
    title_html = serializers.CharField(help_text="The title, HTML-escaped, query terms in <em>.")
    snippet = serializers.CharField(help_text="A description window, HTML-escaped, query terms in <em>.")
    price = serializers.FloatField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    image_url = serializers.CharField(allow_null=True)
    brand = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    shop = serializers.CharField(allow_null=True)
    score = serializers.FloatField(help_text="Fused (RRF) score.")
    channel_scores = serializers.DictField(child=serializers.FloatField())
    channel_ranks = serializers.DictField(child=serializers.IntegerField())
    field_scores = serializers.DictField(
        child=serializers.FloatField(), required=False, help_text="With debug=true only."
    )


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class PriceBucketSerializer(serializers.Serializer):
    # "from" is a Python keyword: declared as from_ and renamed in get_fields.
    from_ = serializers.FloatField()
    to = serializers.FloatField(allow_null=True, help_text="Exclusive; null for the open last bucket.")
    count = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TypeCountsSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    video = serializers.IntegerField()
    live = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    brand = FacetValueSerializer(many=True)
    category = FacetValueSerializer(many=True, help_text="Category paths, ancestors included.")
    price = PriceBucketSerializer(many=True)
    type = TypeCountsSerializer()


class DebugSerializer(serializers.Serializer):
    timings_ms = serializers.DictField(child=serializers.FloatField(), help_text="Per pipeline stage.")


class SearchResponseBaseSerializer(serializers.Serializer):
    search_id = serializers.UUIDField()
    query = serializers.CharField()
    type = serializers.ChoiceField(choices=REQUEST_TYPES)
    total = serializers.IntegerField()
    total_relation = serializers.ChoiceField(
        choices=["eq", "gte"], help_text='"gte" when a recall channel was capped by the recall depth.'
    )
    took_ms = serializers.FloatField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    facets = FacetsSerializer()
    degraded = serializers.ListField(
        child=serializers.CharField(), required=False, help_text='e.g. "dense: <reason>"'
    )
    debug = DebugSerializer(required=False)


class SingleTypeSearchResponseSerializer(SearchResponseBaseSerializer):
    results = SearchHitSerializer(many=True)


class ResultsByTypeSerializer(serializers.Serializer):
    product = SearchHitSerializer(many=True)
    video = SearchHitSerializer(many=True)
    live = SearchHitSerializer(many=True)


class AllTypesSearchResponseSerializer(SearchResponseBaseSerializer):
    results = ResultsByTypeSerializer(help_text="type=all: one page of results per type.")


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    field = serializers.ChoiceField(choices=["title", "brand", "category"])
    doc_type = serializers.ChoiceField(choices=DOC_TYPES)
    count = serializers.IntegerField()


class SuggestResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    suggestions = SuggestionSerializer(many=True)


class HealthPartSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down", "eager"])
    detail = serializers.CharField(required=False)


class HealthResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    database = HealthPartSerializer()
    broker = HealthPartSerializer()
    backend = HealthPartSerializer()
    embedder = HealthPartSerializer()
    ranker = HealthPartSerializer()
