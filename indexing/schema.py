"""What each document type puts in the index, declared once for every backend.

Text fields carry their default query-time boost (BM25 per field); keyword fields are
exact-match filters and facets; numeric fields are range filters and ranking features;
display fields are stored only, to render a hit without a database round trip.
Vector spaces are the dense channels a doc type is searchable in (see VECTOR_SPACES).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

# "text": one vector per document from its embedding text (the dense channel);
# "passage": one per transcript passage, a document scoring its best passage;
# "visual": one per document from its image, in a CLIP space (only with VISUAL_MODEL_PATH).
TEXT_SPACE, PASSAGE_SPACE, VISUAL_SPACE = "text", "passage", "visual"
VECTOR_SPACES = (TEXT_SPACE, PASSAGE_SPACE, VISUAL_SPACE)


@dataclass(frozen=True)
class DocTypeSchema:
    name: str
    text_fields: dict[str, float]
    keyword_fields: tuple[str, ...]
    numeric_fields: tuple[str, ...]
    display_fields: tuple[str, ...]
    # Fields whose values the suggester offers as completions.
    suggest_fields: tuple[str, ...] = field(default=())
    vector_spaces: tuple[str, ...] = (TEXT_SPACE,)

    @property
    def filter_fields(self) -> tuple[str, ...]:
        return self.keyword_fields + self.numeric_fields

    def boosts_with(self, overrides: Mapping[str, float] | None) -> dict[str, float]:
        """The text fields a query searches, with its boosts: the defaults updated by the
        overrides. Fields this doc type lacks are ignored, so one boost map can serve every
        doc type; a boost of 0 takes the field out of the match. Every backend uses this."""
        boosts = dict(self.text_fields)
        boosts.update({name: float(boost) for name, boost in (overrides or {}).items() if name in boosts})
        return {name: boost for name, boost in boosts.items() if boost > 0}


PRODUCT = DocTypeSchema(
    name="product",
    text_fields={"title": 3.0, "brand": 2.0, "category": 2.0, "attributes": 1.0, "description": 0.5},
    # `colour`: what the title or the colour attributes state (catalog/colours.py); `feature`
    # and `lacking`: the yes/no attributes it flags true and false (catalog/features.py);
    # `size`: the sizes its attributes state (catalog/sizes.py).
    keyword_fields=(
        "brand",
        "category",
        "category_path",
        "colour",
        "feature",
        "lacking",
        "size",
        "shop",
        "status",
        "currency",
        "in_stock",
    ),
    numeric_fields=("price", "rating", "review_count", "sales_count", "stock", "created_ts", "released_ts"),
    display_fields=("title", "description", "image_url", "price", "currency", "brand", "category", "shop"),
    suggest_fields=("title", "brand", "category"),
    vector_spaces=(TEXT_SPACE, VISUAL_SPACE),
)

VIDEO = DocTypeSchema(
    name="video",
    text_fields={"title": 3.0, "hashtags": 2.0, "caption": 1.5, "product_titles": 1.5, "transcript": 0.5},
    # `product`: the tagged products' document ids, so the videos of relevant products are
    # found by a filter (relevance propagated from products).
    keyword_fields=("creator", "shop", "brand", "category", "category_path", "colour", "kind", "product"),
    numeric_fields=("views", "likes", "duration_seconds", "published_ts", "min_product_price"),
    display_fields=("title", "caption", "image_url", "creator", "shop", "product_ids"),
    suggest_fields=("title",),
    vector_spaces=(TEXT_SPACE, PASSAGE_SPACE, VISUAL_SPACE),
)

LIVE = DocTypeSchema(
    name="live",
    text_fields={"title": 3.0, "product_titles": 1.5, "shop_name": 1.5, "description": 1.0},
    keyword_fields=("shop", "brand", "category", "category_path", "colour", "status", "product"),
    numeric_fields=("viewer_count", "scheduled_ts", "started_ts", "min_product_price"),
    display_fields=("title", "description", "host", "shop", "status", "scheduled_at", "product_ids"),
    suggest_fields=("title",),
    vector_spaces=(TEXT_SPACE, VISUAL_SPACE),
)

SCHEMAS: dict[str, DocTypeSchema] = {s.name: s for s in (PRODUCT, VIDEO, LIVE)}
DOC_TYPES: tuple[str, ...] = tuple(SCHEMAS)


def get_schema(doc_type: str) -> DocTypeSchema:
    try:
        return SCHEMAS[doc_type]
    except KeyError:
        raise ValueError(
            f"unknown document type {doc_type!r}; expected one of {', '.join(DOC_TYPES)}"
        ) from None


def document_id(doc_type: str, pk) -> str:
    return f"{doc_type}:{pk}"


def parse_document_id(doc_id: str) -> tuple[str, str]:
    doc_type, _, pk = doc_id.partition(":")
    return doc_type, pk
