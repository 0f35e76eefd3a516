"""The lexical half of the local backend: a tantivy index per versioned index directory.

Field layout (prefixes keep a text field and a keyword field of the same name apart):
`text.<f>` en_stem BM25 fields, `kw.<f>` raw keyword fields (fast, for `exists`), `num.<f>` f64
fast fields, `suggest.<f>` completion terms, `stored` a JSON blob with keywords, numbers and
display values so a hit renders without the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Query

from ..schema import DocTypeSchema
from ..units import indexed_inch_sizes
from .base import Filters, Hit, LexicalQuery, SearchDocument, TermBoost, in_id_order

logger = logging.getLogger(__name__)

# Mirrors tantivy's built-in "en_stem" analyzer so query terms match indexed terms exactly;
# building the query from analysed terms means no user text is ever parsed as query syntax.
QUERY_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)
MAX_QUERY_TERMS = 32
WRITER_HEAP_BYTES = 64_000_000
# Separates the lowercased completion key from the text shown, inside one raw term.
SUGGEST_SEPARATOR = "\x00"
SUGGEST_TERM_CHARS = 200
SUGGEST_SCAN_LIMIT = 256
# Per-field scores scan a field query's matches up to this many, else look the hits up by id.
FIELD_SCORE_SCAN = 2000
# terms_with_prefix walks every matching term: a one-letter prefix over all title word
# suffixes costs tens of milliseconds, and completes to noise anyway.
MIN_TITLE_PREFIX = 2
# Short prefixes still walk thousands ("ca": 10,376 title words, ~20 ms; "cab": ~8 ms), and
# every search typed passes through them: their title completions are kept per searcher.
SHORT_TITLE_PREFIX = 3
SHORT_TITLE_PREFIXES_KEPT = 1024
VERSION_FIELD = "version"
# Parsed versions kept beyond twice the live documents before the map starts over.
STALE_VERSIONS_SLACK = 1000


@dataclass(frozen=True)
class Suggestion:
    text: str
    field: str
    doc_type: str
    count: int
    # 0: a keyword value (brand, category); 1: a title starting with the prefix; 2: a title
    # with a later word starting with it.
    group: int
    term: str  # the index term it was read from: its live count is asked of it

    def sort_key(self):
        return self.group, -self.count, self.text

    def as_dict(self) -> dict:
        return {"text": self.text, "field": self.field, "doc_type": self.doc_type, "count": self.count}


def text_field(name: str) -> str:
    return f"text.{name}"


def keyword_field(name: str) -> str:
    return f"kw.{name}"


def numeric_field(name: str) -> str:
    return f"num.{name}"


def suggest_field(name: str) -> str:
    return f"suggest.{name}"


def build_tantivy_schema(schema: DocTypeSchema) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in schema.text_fields:
        builder.add_text_field(text_field(name), tokenizer_name="en_stem")
    for name in schema.keyword_fields:
        builder.add_text_field(keyword_field(name), tokenizer_name="raw", fast=True)
    for name in schema.numeric_fields:
        builder.add_float_field(numeric_field(name), indexed=True, fast=True)
    for name in schema.suggest_fields:
        builder.add_text_field(suggest_field(name), tokenizer_name="raw")
    builder.add_bytes_field("stored", stored=True)
    builder.add_integer_field(VERSION_FIELD, fast=True)
    return builder.build()


def suggest_values(schema: DocTypeSchema, doc: SearchDocument, name: str) -> list[str]:
    if name in schema.keyword_fields:
        return list(doc.keywords.get(name, ()))
    value = doc.text.get(name)
    return [value] if value else []


def suggest_terms(value: str, *, every_word: bool) -> list[str]:
    """`key\\0value` terms: the whole value, and for titles every word suffix as well, so that
    "air" completes to "Nike Air Max" as well as "Air Max 90"."""
    shown = " ".join(value.split())[:SUGGEST_TERM_CHARS]
    words = shown.lower().split()
    starts = range(len(words)) if every_word else range(min(1, len(words)))
    return [" ".join(words[start:]) + SUGGEST_SEPARATOR + shown for start in starts]


def to_tantivy_document(schema: DocTypeSchema, doc: SearchDocument) -> tantivy.Document:
    fields: dict[str, list] = {"id": [doc.id]}
    for name in schema.text_fields:
        if doc.text.get(name):
            fields[text_field(name)] = [indexed_inch_sizes(doc.text[name])]
    for name in schema.keyword_fields:
        if doc.keywords.get(name):
            fields[keyword_field(name)] = [str(value) for value in doc.keywords[name]]
    for name in schema.numeric_fields:
        if doc.numbers.get(name) is not None:
            fields[numeric_field(name)] = [float(doc.numbers[name])]
    for name in schema.suggest_fields:
        every_word = name not in schema.keyword_fields
        terms = [
            t for v in suggest_values(schema, doc, name) for t in suggest_terms(v, every_word=every_word)
        ]
        if terms:
            fields[suggest_field(name)] = terms
    stored = {"keywords": doc.keywords, "numbers": doc.numbers, "display": doc.display}
    blob = json.dumps(stored, separators=(",", ":")).encode()
    fields["stored"] = [blob]
    fields[VERSION_FIELD] = [version_key(doc.id, blob)]
    return tantivy.Document(**fields)


def analyse(text: str) -> list[str]:
    return list(dict.fromkeys(QUERY_ANALYZER.analyze(text)))[:MAX_QUERY_TERMS]


def keyword_filter(tantivy_schema: tantivy.Schema, name: str, values: Sequence[str]) -> Query:
    try:
        return Query.term_set_query(tantivy_schema, keyword_field(name), [str(v) for v in values])
    except ValueError:
        # An index built before the schema declared this field knows no document's value of
        # it, so none matches, until `rebuild_index` writes the field.
        logger.warning("the index lacks keyword field %r (built before it existed): run rebuild_index", name)
        return Query.empty_query()


def filter_query(tantivy_schema: tantivy.Schema, schema: DocTypeSchema, filters: Filters) -> Query | None:
    """Filters (already validated against the schema) as one non-scoring query: constant
    score 0 keeps the BM25 score pure."""
    if not filters:
        return None
    clauses = []
    for name, values in filters.terms.items():
        clauses.append(keyword_filter(tantivy_schema, name, values))
    for name, bounds in filters.ranges.items():
        clauses.append(
            Query.range_query(tantivy_schema, numeric_field(name), FieldType.Float, bounds.gte, bounds.lte)
        )
    for name in filters.exists:
        field = keyword_field(name) if name in schema.keyword_fields else numeric_field(name)
        clauses.append(Query.exists_query(field))
    return Query.const_score_query(Query.boolean_query([(Occur.Must, q) for q in clauses]), 0.0)


@dataclass(frozen=True)
class StoredDocument:
    id: str
    keywords: dict
    numbers: dict
    display: dict

    def hit(self, doc_type: str, score: float) -> Hit:
        # The stored dicts are shared by every hit of this document: callers read them only.
        # Positional (field_scores, channel_scores, channel_ranks, then the stored values):
        # half the cost of keyword arguments, for every hit a search recalls.
        return Hit(doc_type, self.id, score, {}, {}, {}, self.keywords, self.numbers, self.display)


class StoredDocuments:
    """Stored values parsed once per document version: fetching and JSON-decoding a hit's
    stored blob is most of a search's cost, and the same popular documents recur across
    queries.

    A hit's version comes from the `version` fast field (a digest of its id and stored
    values, one batched column read per search), so a commit, which gives every document a
    new address, costs nothing for the documents it did not change: their parsed objects
    (frozen out of the collector's sight by the warm-up, and keyed on by ranking's
    per-document cache) stay in use. Re-reading the store by address after every commit
    doubled the next searches' latency under a steady stream of price updates.

    Versions of updated or deleted documents stay until the map outgrows the index (then it
    starts over). An index written before version keys existed is keyed by address and
    starts over at every reload."""

    def __init__(self, searcher: tantivy.Searcher):
        self.by_version: dict[int | tuple[int, int], StoredDocument] = {}
        # The current searcher's documents by id; only documents read through that searcher
        # enter it (a thread still on the previous searcher must not put back an old version).
        self.by_id: dict[str, StoredDocument] = {}
        self.searcher = searcher
        self.versioned = has_version_field(searcher)

    def renew(self, searcher: tantivy.Searcher) -> None:
        """A new searcher (a commit): ids may now name other versions, addresses other documents."""
        self.by_id = {}
        self.searcher = searcher
        if not self.versioned or len(self.by_version) > 2 * searcher.num_docs + STALE_VERSIONS_SLACK:
            self.by_version = {}

    def remember(self, searcher: tantivy.Searcher, documents: Iterable[StoredDocument]) -> None:
        if searcher is self.searcher:
            by_id = self.by_id
            for document in documents:
                by_id[document.id] = document

    def documents(self, searcher: tantivy.Searcher, addresses: Sequence) -> list[StoredDocument]:
        if self.versioned:
            versions = searcher.fast_field_values(VERSION_FIELD, list(addresses))
        else:
            versions = [(address.segment_ord, address.doc) for address in addresses]
        by_version = self.by_version
        documents = []
        for version, address in zip(versions, addresses, strict=True):
            document = by_version.get(version)
            if document is None:
                document = self._read(searcher, address, version)
            documents.append(document)
        return documents

    def _read(self, searcher: tantivy.Searcher, address, version) -> StoredDocument:
        document = searcher.doc(address)
        stored = json.loads(document.get_first("stored"))
        parsed = StoredDocument(
            document.get_first("id"), stored["keywords"], stored["numbers"], stored["display"]
        )
        self.by_version[version] = parsed
        self.remember(searcher, (parsed,))
        return parsed


def has_version_field(searcher: tantivy.Searcher) -> bool:
    try:
        searcher.fast_field_values(VERSION_FIELD, [])
    except ValueError:  # "Unknown field": an index from before version keys
        return False
    return True


def version_key(doc_id: str, stored_blob: bytes) -> int:
    """63 bits of a digest of the id and the stored values (an i64 fast field)."""
    digest = hashlib.blake2b(doc_id.encode() + b"\0" + stored_blob, digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def create_lexical_index(path: Path, schema: DocTypeSchema) -> None:
    tantivy.Index(build_tantivy_schema(schema), path=str(path), reuse=False)


@dataclass(frozen=True)
class StagedWrite:
    """A batch staged in a tantivy writer: `base_opstamp` is the index's last commit when it
    was staged, `commit()` lands the batch (and returns the new, larger stamp)."""

    base_opstamp: int
    commit: Callable[[], int]


class LexicalIndex:
    """A tantivy index opened for reading (one searcher, reloaded on demand) and writing."""

    def __init__(self, path: Path, schema: DocTypeSchema):
        self.schema = schema
        # Index.open, unlike Index(schema, path), fails on a damaged index instead of
        # silently creating an empty one over it.
        self.index = tantivy.Index.open(str(path))
        self.tantivy_schema = self.index.schema
        # Readers reload when the COMMIT file changes; no watcher thread per process.
        self.index.config_reader(reload_policy="manual")
        self.searcher = self.index.searcher()
        self._stored = StoredDocuments(self.searcher)
        self._short_title_suggestions = self._new_short_title_cache()

    def reload(self) -> None:
        self.index.reload()
        self.searcher = self.index.searcher()
        self._stored.renew(self.searcher)
        self._short_title_suggestions = self._new_short_title_cache()

    def _new_short_title_cache(self):
        return lru_cache(maxsize=SHORT_TITLE_PREFIXES_KEPT)(partial(self._suggestions, keywords=False))

    # Writing: callers hold the index directory's write lock.

    @contextmanager
    def staged_write(self, upserts: Sequence[SearchDocument], delete_ids: Iterable[str]):
        """Stage deletes and adds, yield them as a StagedWrite whose commit() lands them
        (atomically, in tantivy): the caller commits only once the vector generation is on
        disk, so a crash before leaves both halves at the previous commit."""
        with self._writer() as writer:
            try:
                for doc_id in {*delete_ids, *(doc.id for doc in upserts)}:
                    writer.delete_documents_by_term("id", doc_id)
                for doc in upserts:
                    writer.add_document(to_tantivy_document(self.schema, doc))
                yield StagedWrite(base_opstamp=writer.commit_opstamp, commit=writer.commit)
            except BaseException:
                writer.rollback()
                raise

    def committed_opstamp(self) -> int:
        """tantivy's stamp of the index's last commit (it grows with every commit). Callers
        hold the index directory's write lock: opening a writer takes tantivy's lock too."""
        with self._writer() as writer:
            return writer.commit_opstamp

    @contextmanager
    def _writer(self):
        writer = self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        try:
            yield writer
        finally:
            writer.wait_merging_threads()  # also releases tantivy's own writer lock

    # Reading.

    def count(self) -> int:
        return self.searcher.num_docs

    def count_ids(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return self.searcher.search(self._ids_query(ids), limit=1, count=True).count

    def search(self, query: LexicalQuery) -> list[Hit]:
        terms = analyse(query.text)
        boosts = self.schema.boosts_with(query.boosts)
        if not terms or not boosts:
            return []
        texts = [(terms, 1.0)] + [
            (alternative, weight)
            for text, weight in query.alternatives
            if weight > 0 and (alternative := analyse(text))
        ]
        matches = [self._text_query(words, boosts, query.operator, weight) for words, weight in texts]
        # A document scores its best match: one phrase expanded three ways is not three matches.
        match = matches[0] if len(matches) == 1 else Query.disjunction_max_query(matches)
        clauses = [(Occur.Must, match)]
        for boost in query.term_boosts:
            if (preference := self._term_boost_query(boost)) is not None:
                clauses.append((Occur.Should, preference))
        filters = filter_query(self.tantivy_schema, self.schema, query.filters)
        if filters is not None:
            clauses.append((Occur.Must, filters))
        searcher = self.searcher
        results = searcher.search(Query.boolean_query(clauses), limit=query.limit, count=False).hits
        addresses = [address for _, address in results]
        hits = self._hits(searcher, addresses, [score for score, _ in results])
        depth = len(results) if query.field_score_depth is None else query.field_score_depth
        self._add_field_scores(searcher, hits[:depth], addresses[:depth], terms)
        return hits

    def matching(self, filters: Filters, limit: int) -> list[Hit]:
        """Every document passing `filters`, by id, at most `limit`, score 0. Ids are not a
        fast field, so all matches are read (parsed once per version) and sorted: fine for
        the few hundred videos tagging a handful of products."""
        if limit <= 0:
            return []
        searcher = self.searcher
        query = filter_query(self.tantivy_schema, self.schema, filters) or Query.all_query()
        matches = searcher.search(query, limit=max(searcher.num_docs, 1), count=False).hits
        hits = self._hits(searcher, [address for _, address in matches], [0.0] * len(matches))
        return sorted(hits, key=lambda hit: hit.id)[:limit]

    def by_ids(self, ids: Sequence[str], filters: Filters) -> list[Hit]:
        """The documents with these ids that pass `filters`, in `ids` order, score 0."""
        searcher = self.searcher
        query = self._ids_query(ids)
        constraint = filter_query(self.tantivy_schema, self.schema, filters)
        if constraint is not None:
            query = Query.boolean_query([(Occur.Must, query), (Occur.Must, constraint)])
        matches = searcher.search(query, limit=len(ids), count=False).hits
        hits = self._hits(searcher, [address for _, address in matches], [0.0] * len(matches))
        return in_id_order(hits, ids)

    def load_all(self) -> list[Hit]:
        """Every document, parsed into the per-searcher cache (a worker's warm-up: the first
        searches then parse nothing, and the parsed values can be frozen out of the garbage
        collector's sight)."""
        searcher = self.searcher
        matches = searcher.search(Query.all_query(), limit=max(searcher.num_docs, 1), count=False).hits
        return self._hits(searcher, [address for _, address in matches], [0.0] * len(matches))

    def fetch(self, ids: Sequence[str]) -> dict[str, Hit]:
        """Stored values by id, to render vector hits."""
        if not ids:
            return {}
        searcher, stored = self.searcher, self._stored
        found = {doc_id: stored.by_id[doc_id] for doc_id in ids if doc_id in stored.by_id}
        missing = [doc_id for doc_id in ids if doc_id not in found]
        if missing:
            hits = searcher.search(self._ids_query(missing), limit=len(missing), count=False).hits
            read = stored.documents(searcher, [address for _, address in hits])
            stored.remember(searcher, read)
            found.update((document.id, document) for document in read)
        return {doc_id: found[doc_id].hit(self.schema.name, 0.0) for doc_id in ids if doc_id in found}

    def suggest(self, prefix: str, keywords: bool, limit: int) -> list[Suggestion]:
        """The best `limit` completions from the keyword fields (brands, categories) or from
        the titles, best first."""
        key = " ".join(prefix.lower().split())
        if not keywords and len(key) <= SHORT_TITLE_PREFIX:
            return self._short_title_suggestions(key, limit=limit)
        return self._suggestions(key, keywords=keywords, limit=limit)

    def _suggestions(self, key: str, keywords: bool, limit: int) -> list[Suggestion]:
        suggestions = []
        for name in self.schema.suggest_fields:
            is_keyword = name in self.schema.keyword_fields
            if is_keyword != keywords or len(key) < (1 if is_keyword else MIN_TITLE_PREFIX):
                continue
            seen = set()
            terms = self.searcher.terms_with_prefix(suggest_field(name), key, limit=SUGGEST_SCAN_LIMIT)
            for term, count in terms:
                text = term.partition(SUGGEST_SEPARATOR)[2]
                if text in seen:
                    continue
                seen.add(text)
                group = 0 if is_keyword else 1 if text.lower().startswith(key) else 2
                suggestions.append(Suggestion(text, name, self.schema.name, count, group, term))
        return self._live(sorted(suggestions, key=Suggestion.sort_key), limit)

    def _live(self, suggestions: list[Suggestion], limit: int) -> list[Suggestion]:
        """The first `limit` suggestions that live documents still hold, counted among them:
        the term dictionary counts deleted documents until their segments merge."""
        live = []
        for suggestion in suggestions:
            query = Query.term_query(self.tantivy_schema, suggest_field(suggestion.field), suggestion.term)
            count = self.searcher.search(query, limit=1, count=True).count
            if count:
                live.append(replace(suggestion, count=count))
                if len(live) == limit:
                    break
        return sorted(live, key=Suggestion.sort_key)

    def _text_query(self, terms: list[str], boosts: dict[str, float], operator: str, weight: float) -> Query:
        """Each term in any searched field, boosted per field; "and" requires every term."""
        per_term = [
            Query.boolean_query(
                [
                    (Occur.Should, Query.boost_query(self._term(name, term), boost))
                    for name, boost in boosts.items()
                ]
            )
            for term in terms
        ]
        occur = Occur.Must if operator == "and" else Occur.Should
        query = Query.boolean_query([(occur, q) for q in per_term])
        return query if weight == 1.0 else Query.boost_query(query, weight)

    def _term_boost_query(self, boost: TermBoost) -> Query | None:
        """A constant `weight` added to documents with the value: a keyword equal to it, or
        the phrase in a text field. None when the doc type lacks the field."""
        if boost.weight <= 0:
            return None
        if boost.field in self.schema.keyword_fields:
            match = Query.term_query(self.tantivy_schema, keyword_field(boost.field), boost.value)
        elif boost.field in self.schema.text_fields:
            words = QUERY_ANALYZER.analyze(boost.value)[:MAX_QUERY_TERMS]
            if not words:
                return None
            name = text_field(boost.field)
            match = (
                Query.term_query(self.tantivy_schema, name, words[0])
                if len(words) == 1
                else Query.phrase_query(self.tantivy_schema, name, words)
            )
        else:
            return None
        return Query.const_score_query(match, boost.weight)

    def _term(self, name: str, term: str) -> Query:
        return Query.term_query(self.tantivy_schema, text_field(name), term)

    def _ids_query(self, ids: Sequence[str]) -> Query:
        return Query.term_set_query(self.tantivy_schema, "id", list(ids))

    def _hits(self, searcher: tantivy.Searcher, addresses: list, scores: list[float]) -> list[Hit]:
        documents = self._stored.documents(searcher, addresses)
        name = self.schema.name
        return [document.hit(name, score) for document, score in zip(documents, scores, strict=True)]

    def _add_field_scores(self, searcher, hits: list[Hit], addresses: list, terms: list[str]) -> None:
        """Unboosted BM25 of every text field for each of `hits` (ranking features), skipping
        fields none of the terms occur in. Hits left out keep an empty `field_scores`, as
        dense-only hits have.

        A field whose terms occur in few documents is scored over all of them and the hits
        picked out (~0.1 ms); otherwise the field query is restricted to the hits' ids (a
        term set of a few hundred ids: ~0.6 ms). Either way the scores are the same."""
        if not hits:
            return
        for hit in hits:
            hit.field_scores = dict.fromkeys(self.schema.text_fields, 0.0)
        position = {(a.segment_ord, a.doc): i for i, a in enumerate(addresses)}
        only_hits = None
        for name in self.schema.text_fields:
            frequencies = {t: searcher.doc_freq(text_field(name), t) for t in terms}
            present = [t for t, frequency in frequencies.items() if frequency]
            if not present:
                continue
            field_query = Query.boolean_query([(Occur.Should, self._term(name, t)) for t in present])
            matches = sum(frequencies.values())  # an upper bound: a document can hold several
            if matches > FIELD_SCORE_SCAN:
                only_hits = only_hits or Query.const_score_query(self._ids_query([h.id for h in hits]), 0.0)
                field_query = Query.boolean_query([(Occur.Must, only_hits), (Occur.Must, field_query)])
                matches = len(hits)
            for score, address in searcher.search(field_query, limit=matches, count=False).hits:
                i = position.get((address.segment_ord, address.doc))
                if i is not None:
                    hits[i].field_scores[name] = score
