"""Elasticsearch request bodies built from the backend's typed queries, and the hits read
back from the responses. Pure functions: tested without a server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexing.schema import DocTypeSchema

from .base import Filters, Hit, LexicalQuery, TermBoost, VectorQuery, space_field_scores
from .es_mappings import HIT_SOURCE_FIELDS, ID_FIELD, PASSAGES_FIELD, SPACE_VECTOR_FIELDS

# Elasticsearch's ceiling for both `k` and `num_candidates`, and for `size` (max_result_window).
MAX_KNN_CANDIDATES = 10_000
MAX_RESULT_WINDOW = 10_000
# HNSW is approximate: exploring several candidates per wanted neighbour (and never fewer
# than a floor) keeps recall close to exact, most of all when a filter rejects candidates.
KNN_CANDIDATES_PER_RESULT = 4
MIN_KNN_CANDIDATES = 200
# As the local backend: a repeated word adds nothing, and a pasted essay must not run into
# Elasticsearch's limit on query clauses.
MAX_QUERY_WORDS = 32


def filter_clauses(filters: Filters, schema: DocTypeSchema) -> list[dict]:
    """`Filters` as bool-filter clauses: terms on keyword fields, ranges on numeric fields,
    existence on either. A field of the wrong kind is a caller's mistake, not "no match"."""
    clauses: list[dict] = []
    for name, values in filters.terms.items():
        _require(name in schema.keyword_fields, name, "a keyword field", schema)
        clauses.append({"terms": {f"keywords.{name}": list(values)}})
    for name, bounds in filters.ranges.items():
        _require(name in schema.numeric_fields, name, "a numeric field", schema)
        limits = {
            key: value for key, value in (("gte", bounds.gte), ("lte", bounds.lte)) if value is not None
        }
        # An unbounded range asks only that the value be present.
        clauses.append(
            {"range": {f"numbers.{name}": limits}} if limits else {"exists": {"field": f"numbers.{name}"}}
        )
    for name in filters.exists:
        _require(name in schema.filter_fields, name, "a keyword or numeric field", schema)
        namespace = "keywords" if name in schema.keyword_fields else "numbers"
        clauses.append({"exists": {"field": f"{namespace}.{name}"}})
    return clauses


def _require(condition: bool, name: str, kind: str, schema: DocTypeSchema) -> None:
    if not condition:
        raise ValueError(f"cannot filter {schema.name} on {name!r}: not {kind}")


def lexical_body(query: LexicalQuery, schema: DocTypeSchema) -> dict:
    """One `match` per searched text field, boosted from outside so that its `_name` marks
    the unboosted match: with `include_named_queries_score` each hit then carries per-field
    BM25 scores, the ranking features, independent of the boosts in use."""
    if query.operator not in ("or", "and"):
        raise ValueError(f"unknown operator {query.operator!r}; expected 'or' or 'and'")
    boosts = schema.boosts_with(query.boosts)
    text = distinct_words(query.text)
    per_field = [
        {
            "bool": {
                "should": [{"match": {f"text.{name}": {"query": text, "_name": name}}}],
                "boost": boost,
            }
        }
        for name, boost in boosts.items()
    ]
    alternatives = [
        (words, weight)
        for alternative, weight in query.alternatives
        if weight > 0 and (words := distinct_words(alternative))
    ]
    matches = per_field
    if alternatives:
        # An alternative is scored as the text is, times its weight, and a document scores
        # its best match (dis_max, as the local backend). Alternatives are unnamed, so the
        # per-field scores (ranking features) stay those of the words typed.
        weighted = [
            {
                "bool": {
                    "should": [
                        {"match": {f"text.{name}": {"query": words, "boost": boost}}}
                        for name, boost in boosts.items()
                    ],
                    "boost": weight,
                }
            }
            for words, weight in alternatives
        ]
        matches = [{"dis_max": {"queries": [{"bool": {"should": per_field}}, *weighted]}}]
    constraints = filter_clauses(query.filters, schema)
    if query.operator == "and":
        # Every term (of the text, or of one alternative) must appear in some searched field.
        # In filter context it only constrains, so scores stay the per-field sum, comparable
        # with "or" queries.
        every_term = [every_term_clause(words, boosts) for words in (text, *(w for w, _ in alternatives))]
        constraints.insert(
            0,
            every_term[0]
            if len(every_term) == 1
            else {"bool": {"should": every_term, "minimum_should_match": 1}},
        )
    bool_query: dict = {"should": matches, "minimum_should_match": 1}
    preferences = [clause for boost in query.term_boosts if (clause := term_boost_clause(boost, schema))]
    if preferences:
        # Preferences add to the score of what matches; they never make a document match.
        bool_query = {"must": [{"bool": bool_query}], "should": preferences}
    if constraints:
        bool_query["filter"] = constraints
    return {
        "size": query.limit,
        "query": {"bool": bool_query},
        "_source": HIT_SOURCE_FIELDS,
        "track_total_hits": False,
    }


def every_term_clause(text: str, boosts: Mapping[str, float]) -> dict:
    return {
        "multi_match": {
            "query": text,
            "fields": [f"text.{name}" for name in boosts],
            "type": "cross_fields",
            "operator": "and",
        }
    }


def term_boost_clause(boost: TermBoost, schema: DocTypeSchema) -> dict | None:
    """A constant `weight` for documents with the value (an equal keyword, or the phrase in
    a text field), as the local backend adds it; None when the doc type lacks the field."""
    if boost.weight <= 0:
        return None
    if boost.field in schema.keyword_fields:
        match = {"term": {f"keywords.{boost.field}": boost.value}}
    elif boost.field in schema.text_fields:
        match = {"match_phrase": {f"text.{boost.field}": boost.value}}
    else:
        return None
    return {"constant_score": {"filter": match, "boost": boost.weight}}


def distinct_words(text: str) -> str:
    return " ".join(list(dict.fromkeys(text.split()))[:MAX_QUERY_WORDS])


def knn_candidates(k: int) -> int:
    return min(MAX_KNN_CANDIDATES, max(MIN_KNN_CANDIDATES, KNN_CANDIDATES_PER_RESULT * k))


def vector_body(query: VectorQuery, schema: DocTypeSchema) -> dict:
    """Top-level approximate kNN in the query's vector space. The filter goes inside `knn`
    (not a post-filter) so that Elasticsearch returns the k nearest documents *that match
    it*. On the nested passages a document scores its best passage, which one inner hit
    names."""
    k = min(query.limit, MAX_KNN_CANDIDATES)
    knn = {
        "field": SPACE_VECTOR_FIELDS[query.space],
        "query_vector": [float(x) for x in query.vector],
        "k": k,
        "num_candidates": knn_candidates(k),
    }
    constraints = filter_clauses(query.filters, schema)
    if constraints:
        knn["filter"] = constraints
    if query.space == "passage":
        knn["inner_hits"] = {"size": 1, "_source": False}
    # Without `size`, a search returns 10 hits whatever `k` is.
    return {"size": k, "knn": knn, "_source": HIT_SOURCE_FIELDS, "track_total_hits": False}


def msearch_lines(searches: list[tuple[str, dict]]) -> list[dict]:
    """Header/body pairs for `msearch` from (index, body) pairs. A missing index answers
    empty rather than with an error: a doc type never indexed simply has no hits."""
    lines: list[dict] = []
    for index, body in searches:
        lines += [{"index": index, "ignore_unavailable": True}, body]
    return lines


def lexical_hits(response: dict, schema: DocTypeSchema) -> list[Hit]:
    hits = []
    for raw in response["hits"]["hits"]:
        # With include_named_queries_score, `matched_queries` maps each matching field to
        # its score; a field that did not match scores 0, as in the local backend.
        field_scores = dict.fromkeys(schema.text_fields, 0.0) | (raw.get("matched_queries") or {})
        hits.append(_hit(raw, schema.name, raw["_score"], field_scores))
    return hits


def vector_hits(response: dict, schema: DocTypeSchema, space: str = "text") -> list[Hit]:
    hits = []
    for raw in response["hits"]["hits"]:
        # Elasticsearch scores cosine similarity as (1 + cosine) / 2 to keep scores positive.
        cosine = 2.0 * raw["_score"] - 1.0
        hits.append(_hit(raw, schema.name, cosine, space_field_scores(space, cosine, _best_passage(raw))))
    return hits


def _best_passage(raw: dict) -> int:
    inner = raw.get("inner_hits", {}).get(PASSAGES_FIELD, {}).get("hits", {}).get("hits", [])
    return inner[0]["_nested"]["offset"] if inner else 0


def terms_body(filters: Filters, schema: DocTypeSchema, limit: int) -> dict:
    """Every document passing the filters, unscored, in id order."""
    constraints = filter_clauses(filters, schema)
    return {
        "size": min(limit, MAX_RESULT_WINDOW),
        "query": {"bool": {"filter": constraints}} if constraints else {"match_all": {}},
        "sort": [{ID_FIELD: "asc"}],
        "_source": HIT_SOURCE_FIELDS,
        "track_total_hits": False,
    }


def documents_body(ids: Sequence[str], filters: Filters, schema: DocTypeSchema) -> dict:
    """These ids (`ids` query) within the filters, unscored; the caller restores `ids` order."""
    return {
        "size": len(ids),
        "query": {"bool": {"filter": [{"ids": {"values": list(ids)}}, *filter_clauses(filters, schema)]}},
        "_source": HIT_SOURCE_FIELDS,
        "track_total_hits": False,
    }


def terms_hits(response: dict, schema: DocTypeSchema) -> list[Hit]:
    # Sorted hits carry no score (`_score` is null).
    return [_hit(raw, schema.name, 0.0, {}) for raw in response["hits"]["hits"]]


def _hit(raw: dict, doc_type: str, score: float, field_scores: dict[str, float]) -> Hit:
    source = raw.get("_source", {})
    return Hit(
        doc_type=doc_type,
        id=raw["_id"],
        score=score,
        field_scores=field_scores,
        keywords=source.get("keywords", {}),
        numbers=source.get("numbers", {}),
        display=source.get("display", {}),
    )


# Suggestion groups, best first (the local backend's order): a keyword value (brand,
# category), a title starting with the prefix, a title with a later word starting with it.
KEYWORD_VALUE, TITLE_START, LATER_WORD = 0, 1, 2


def suggest_key(prefix: str) -> str:
    """What completions are matched on: lower case, single spaces."""
    return " ".join(prefix.lower().split())


def suggest_body(schema: DocTypeSchema, key: str, limit: int) -> dict:
    """Completions are whole values counted by documents: terms aggregations restricted by
    `include` to values starting with `key` (keyword fields) or having a word that does
    (text fields, over their `.raw` sub-field). Aggregations are named `<group>:<field>`."""
    starts = case_insensitive_prefix_regex(key)
    aggs = {}
    for name in schema.suggest_fields:
        if name in schema.keyword_fields:
            aggs[f"{KEYWORD_VALUE}:{name}"] = _values(f"keywords.{name}", starts, limit)
        else:
            aggs[f"{TITLE_START}:{name}"] = _values(f"text.{name}.raw", starts, limit)
            aggs[f"{LATER_WORD}:{name}"] = _values(f"text.{name}.raw", f".* {starts}", limit)
    return {"size": 0, "track_total_hits": False, "aggs": aggs}


def _values(field: str, include: str, limit: int) -> dict:
    return {"terms": {"field": field, "include": include, "size": limit}}


def case_insensitive_prefix_regex(prefix: str) -> str:
    """A Lucene regular expression matching values that start with `prefix` in any case:
    terms-aggregation `include` has no case-insensitive flag."""
    parts = []
    for char in prefix:
        lower, upper = char.lower(), char.upper()
        if lower != upper and len(lower) == len(upper) == 1:
            parts.append(f"[{lower}{upper}]")
        elif char.isalnum():
            parts.append(char)
        else:
            # Lucene reads a backslashed character literally, operators included.
            parts.append("\\" + char)
    return "".join(parts) + ".*"


def suggestions(response: dict, doc_type: str) -> list[tuple[int, dict]]:
    """(group, suggestion) pairs; a title found as both start and later word is a start."""
    found: dict[tuple[str, str], tuple[int, dict]] = {}
    for name, aggregation in sorted(response.get("aggregations", {}).items()):
        group, field = name.split(":", 1)
        for bucket in aggregation["buckets"]:
            suggestion = {
                "text": bucket["key"],
                "field": field,
                "doc_type": doc_type,
                "count": bucket["doc_count"],
            }
            found.setdefault((field, bucket["key"]), (int(group), suggestion))
    return list(found.values())


def best_suggestions(found: list[tuple[int, dict]], limit: int) -> list[dict]:
    found = sorted(found, key=lambda pair: (pair[0], -pair[1]["count"], pair[1]["text"]))
    return [suggestion for _, suggestion in found[:limit]]
