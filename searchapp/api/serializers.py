"""Request-parameter serializers (validation and OpenAPI) and response serializers.

Responses are built as plain dicts and written with orjson (the response serializers below
only document their shape): running DRF serializers over 100 hits costs more than the search.
"""

from __future__ import annotations

import copy
import re

from django.conf import settings
from rest_framework import serializers

from catalog.colours import COLOURS
from indexing.schema import DOC_TYPES
from searchapp.query.attributes import HIGH, LOW
from searchapp.recovery import RECOVERY_STEPS
from searchapp.search_request import REQUEST_TYPES, SearchFilters, SearchRequest, Sort

# C0/C1 control characters (tabs and newlines included) become spaces; format characters
# (Cf: zero-width joiners inside emoji) are kept.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class QueryTextField(serializers.CharField):
    """Free text: control characters removed before the blank and length checks. Text
    without a letter or digit ("😀", "!!!") is refused: nothing in it can match a word, and
    the embedding model reads emoji as unknown tokens, so "results" would be arbitrary."""

    default_error_messages = {"nothing_to_search": "Nothing to search for: the text has no letter or digit."}

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str):
            data = " ".join(CONTROL_CHARACTERS.sub(" ", data).split())
        value = super().run_validation(data)
        if value and not any(character.isalnum() for character in value):
            self.fail("nothing_to_search")
        return value


class PrefixTextField(QueryTextField):
    """Text being typed: a trailing space says its last word is finished (autocomplete then
    offers the next word instead of completing it), so one is kept."""

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        return value + " " if isinstance(data, str) and data[-1:].isspace() else value


class ParamsSerializer(serializers.Serializer):
    """A request's query parameters, validated once per request. DRF deep-copies every
    declared field for each serializer instance (Field.__deepcopy__ re-runs the field's
    constructor: ~0.2 ms for the search parameters, on every search); a shallow copy per
    instance is enough, since validating only binds the copy (name, parent) and the shared
    parts (validators, messages, a list field's child) are never changed."""

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class SearchParamsSerializer(ParamsSerializer):
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
    colour = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="Colour facet values (black, red, grey...: what a title or the colour attributes "
        "state); repeat the parameter or separate values with commas. Products stating any of "
        "them; videos and live streams tagging such a product.",
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
    shopper_id = serializers.CharField(
        required=False,
        default="",
        max_length=100,
        help_text="The signed-in shopper, for personalisation (an unknown id just gets none).",
    )
    session_id = serializers.CharField(
        required=False,
        default="",
        max_length=100,
        help_text="The browsing session, for anonymous shoppers' session profile.",
    )

    # Parameters that may be repeated; every other one takes its last value.
    multi_valued = ("brand", "colour")

    def validate_colour(self, values: list[str]) -> list[str]:
        """Colours as the colour facet names them; the catalog's spellings are accepted too
        ("Gray" is grey). A name the catalog never states is refused, naming those it does:
        as a filter it could only empty the page."""
        unknown = [value for value in values if value.casefold() not in COLOURS]
        if unknown:
            known = ", ".join(sorted(set(COLOURS.values())))
            raise serializers.ValidationError(f"Unknown colour {unknown[0]!r}; one of: {known}.")
        return list(dict.fromkeys(COLOURS[value.casefold()] for value in values))

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
            colours=tuple(data.get("colour", ())),
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
            shopper_id=data["shopper_id"],
            session_id=data["session_id"],
        )


class SuggestParamsSerializer(ParamsSerializer):
    q = PrefixTextField(
        max_length=100, help_text="The prefix typed so far; a trailing space ends its last word."
    )
    type = serializers.ChoiceField(choices=REQUEST_TYPES, default="all")
    limit = serializers.IntegerField(default=10, min_value=1, max_value=50)

    multi_valued = ()


# --- Response shapes (documentation only, see the module docstring).


class ErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Parameter (or part) name -> reasons.",
    )


class ShopTrustSerializer(serializers.Serializer):
    score = serializers.FloatField(
        help_text="0..1 from official/verified status, rating, fulfilment, returns."
    )
    badge = serializers.ChoiceField(
        choices=["official", "verified", "top_rated"], allow_null=True, help_text="The label to show."
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
    shop_trust = ShopTrustSerializer(allow_null=True, help_text="Seller authority; null without a shop.")
    explored = serializers.BooleanField(
        required=False, help_text="Present (true) on a cold-start exploration slot."
    )
    pinned = serializers.BooleanField(
        required=False, help_text="Present (true) on a result a merchandiser pinned to the query."
    )
    utility = serializers.FloatField(
        required=False, help_text="With debug=true: the expected utility the mixed row ranked it by."
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
    """Counts over the candidates. Brand, category, colour and price are disjunctive: a facet
    the request filters on counts the candidates passing every filter but its own."""

    brand = FacetValueSerializer(many=True)
    category = FacetValueSerializer(many=True, help_text="Category paths, ancestors included.")
    colour = FacetValueSerializer(
        many=True, help_text="Colours stated (a product stating two counts for each)."
    )
    price = PriceBucketSerializer(many=True)
    type = TypeCountsSerializer()


class DebugSerializer(serializers.Serializer):
    timings_ms = serializers.DictField(child=serializers.FloatField(), help_text="Per pipeline stage.")


class PriceBoundsSerializer(serializers.Serializer):
    gte = serializers.FloatField(allow_null=True)
    lte = serializers.FloatField(allow_null=True)


class UnderstoodFiltersSerializer(serializers.Serializer):
    brand = serializers.ListField(child=serializers.CharField(), required=False)
    category = serializers.CharField(required=False, help_text="A category path; matches its subtree.")
    price = PriceBoundsSerializer(required=False)


class UnderstoodBoostSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The index field preferred (brand, category_path, title, ...).")
    value = serializers.CharField()
    weight = serializers.FloatField(help_text="The rule's confidence or the category's probability.")
    source = serializers.CharField(
        help_text="The rule that suggested it (brand, colour, category_intent...)."
    )


class CategoryIntentSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="A category path.")
    probability = serializers.FloatField()


class SynonymAppliedSerializer(serializers.Serializer):
    # "from" is a Python keyword: declared as from_ and renamed in get_fields.
    from_ = serializers.CharField(help_text="The phrase typed.")
    to = serializers.CharField(help_text="The synonym it also searched for.")
    query = serializers.CharField(help_text="The alternative query searched.")
    weight = serializers.FloatField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class UnderstoodSerializer(serializers.Serializer):
    normalized = serializers.CharField()
    corrected_query = serializers.CharField(
        allow_null=True, help_text="The query as searched, when spelling correction changed it."
    )
    did_you_mean = serializers.CharField(allow_null=True, help_text="A spelling suggestion to offer.")
    filters = UnderstoodFiltersSerializer(
        help_text="Filters read from the query; a filter given as a parameter wins over them."
    )
    boosts = UnderstoodBoostSerializer(many=True, help_text="Soft preferences: they reorder, never filter.")
    category_intent = CategoryIntentSerializer(many=True)
    synonyms_applied = SynonymAppliedSerializer(many=True)
    spelling_alternatives = SynonymAppliedSerializer(
        many=True,
        help_text="Other words a misspelled word may mean, searched beside the corrected query "
        '("to" in place of its correction in "from").',
    )
    unit_alternatives = SynonymAppliedSerializer(
        many=True,
        help_text='Sizes as catalogs also write them, searched beside the query ("1tb" as "1000 gb").',
    )
    price_preference = serializers.ChoiceField(
        choices=[LOW, HIGH],
        allow_null=True,
        help_text='"low" for "cheap ...", "high" for "premium ...": cheaper (dearer) items for their '
        "category rise over neighbours that match about as well. Null when the query asks for no price.",
    )
    unreadable_words = serializers.ListField(
        child=serializers.CharField(),
        help_text="Words in a script the catalog is not written in. When every word is, only "
        "exact word matches are searched: no semantic matches.",
    )
    model_numbers = serializers.ListField(
        child=serializers.CharField(),
        help_text='Words naming a few products exactly ("tn-2110"): the results whose titles hold '
        "them come first, and a brand word they contradict is no filter.",
    )
    recovery = serializers.ChoiceField(
        choices=RECOVERY_STEPS,
        allow_null=True,
        help_text="Null when the query found results as understood; else the recovery step whose "
        "results are shown: relax_filters (filters read from the query, a brand or a price, dropped "
        "because nothing passed them or nothing that did was of the kind asked for: 'logitech "
        "webcam' shows webcams when Logitech sells none), relax_terms (unknown words dropped, any "
        "word may match), dense_only (no word matched: the nearest results by meaning, to show as "
        "related items rather than matches), suggest (nothing found: see suggestions).",
    )
    suggestions = serializers.ListField(
        child=serializers.CharField(), help_text="Queries to offer when nothing was found."
    )


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
    understood = UnderstoodSerializer(help_text="What query understanding made of the query.")
    redirect = serializers.CharField(
        required=False,
        help_text="Present when a merchandiser's curation sends this query to a page (a path on "
        "the site or an https address): show it instead of the results.",
    )
    degraded = serializers.ListField(
        child=serializers.CharField(), required=False, help_text='e.g. "dense: <reason>"'
    )
    debug = DebugSerializer(required=False)


class SearchResponseSerializer(SearchResponseBaseSerializer):
    results = SearchHitSerializer(
        many=True,
        help_text="One list. With type=all, products, videos and live streams blended by expected "
        "utility under the mixed-row rules (each result's `type` says which).",
    )


class SuggestedCategorySerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Pass as /api/search's `category` to search only there.")
    name = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField()
    field = serializers.ChoiceField(
        choices=["query", "title", "brand", "category"],
        help_text="query: a search to run (the typed words, the last one completed); the others "
        "complete a title, brand or category name.",
    )
    doc_type = serializers.ChoiceField(choices=DOC_TYPES)
    count = serializers.IntegerField(
        help_text="query: the products whose title holds every word; otherwise the documents with that value."
    )
    category = SuggestedCategorySerializer(
        required=False,
        help_text="On the first search only, when query understanding is sure of its category "
        '("wireless mouse" in Keyboards & mice).',
    )


class SuggestResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text="When the prefix as typed completes nothing: the reading completed instead, "
        'its Latin spelling ("тон" -> "ton") or its spelling correction ("samsnug" -> "samsung").',
    )
    suggestions = SuggestionSerializer(many=True)


class HealthPartSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down", "eager"])
    detail = serializers.CharField(required=False)


class CanaryHealthSerializer(serializers.Serializer):
    version = serializers.CharField(required=False)
    share = serializers.FloatField(required=False, help_text="Of shoppers, split by shopper or session id.")
    problem = serializers.CharField(
        required=False, help_text="Why it is not served (the promoted version is)."
    )


class RankerHealthSerializer(HealthPartSerializer):
    model_version = serializers.CharField(required=False, help_text="The promoted product ranker.")
    feature_version = serializers.CharField(required=False)
    compiled = serializers.BooleanField(
        required=False,
        help_text="The product ranker scores through its trees compiled to native code; false: through "
        "LightGBM's predict (the same scores, slower; the log says why).",
    )
    by_type = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="doc type -> the version ordering it; null = its first-stage order.",
    )
    canaries = serializers.DictField(
        child=CanaryHealthSerializer(),
        required=False,
        help_text="doc type -> the canary version serving a share of shoppers beside it (absent: none).",
    )


class HealthResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    database = HealthPartSerializer()
    broker = HealthPartSerializer()
    backend = HealthPartSerializer()
    embedder = HealthPartSerializer()
    ranker = RankerHealthSerializer()
