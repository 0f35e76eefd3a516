"""Merchandiser curations (searchapp.models.Curation): for given queries, results pinned first
in a fixed order, results hidden, or a page to send the shopper to (`redirect` in the
response). Every process keeps a table normalized query -> curated results, reloaded when a
curation is saved (cached.VersionedValue, as synonyms are).

The pipeline's Curate stage (after recovery, before ranking) drops hidden results and takes
pinned ones out of the ranked lists, fetching those the query did not recall within the
shopper's filters; the blend shows them first, in relevance order only (an explicit sort lists
strictly by its key, pins included where they match). Pinned results carry no ranking
features, so feature logging leaves them out: the ranker never learns from a curated position."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from indexing.backends.base import Hit
from indexing.documents import DOC_TYPE_MODELS
from indexing.schema import parse_document_id

from .models import Curation, Window
from .query.cached import VersionedValue
from .query.normalize import normalize
from .search_request import Sort

MAX_PINNED = 20  # a merchandiser's first page, not a hand-made catalog
MAX_PRIMARY_KEY = 2**63 - 1  # past it a database lookup fails instead of finding nothing


@dataclass(frozen=True)
class CuratedResults:
    curation_id: int
    pinned: tuple[str, ...]
    hidden: frozenset[str]
    redirect_url: str = ""
    # Read at every search: a campaign starts and ends on time without a reload.
    window: Window = field(default_factory=Window)


def curated_queries(text: str) -> list[str]:
    return list(dict.fromkeys(query for line in text.splitlines() if (query := normalize(line))))


def result_ids(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def load_curations() -> dict[str, list[CuratedResults]]:
    """Normalized query -> its curations, oldest first. Validation refuses a query in two
    curations whose windows overlap; where rows saved around it (bulk updates) do, the oldest
    active one applies."""
    table: dict[str, list[CuratedResults]] = {}
    for curation in Curation.objects.filter(enabled=True).order_by("pk"):
        curated = CuratedResults(
            curation.pk,
            tuple(result_ids(curation.pinned)),
            frozenset(result_ids(curation.hidden)),
            curation.redirect_url,
            curation.window,
        )
        for query in curated_queries(curation.queries):
            table.setdefault(query, []).append(curated)
    return table


curation_table = VersionedValue("searchapp:curations:version", load_curations)


@receiver(post_save, sender=Curation)
@receiver(post_delete, sender=Curation)
def curations_changed(sender, **kwargs):
    curation_table.invalidate()


def curation_for(ctx) -> CuratedResults | None:
    """The active curation of the search's query as typed, else of its correction
    (`ctx.query_keys`)."""
    table = curation_table.get()
    if not table:
        return None
    now = timezone.now()
    for key in ctx.query_keys:
        for curated in table.get(key, ()):
            if curated.window.active_at(now):
                return curated
    return None


def curation_errors(curation: Curation) -> dict[str, list[str]]:
    """What is wrong with a curation before it is saved, per field, as merchandisers read it."""
    errors: dict[str, list[str]] = {}
    queries = curated_queries(curation.queries)
    if not queries:
        errors["queries"] = ["Give at least one query."]
    elif curation.enabled:
        others = Curation.objects.filter(enabled=True).exclude(pk=curation.pk)
        taken = {
            q: other.pk
            for other in others
            if other.overlaps(curation)
            for q in curated_queries(other.queries)
        }
        clashes = [
            f'"{q}" is curated already at the same time (curation #{taken[q]}).'
            for q in queries
            if q in taken
        ]
        if clashes:
            errors["queries"] = clashes
    pinned, hidden = result_ids(curation.pinned), result_ids(curation.hidden)
    for name, ids in (("pinned", pinned), ("hidden", hidden)):
        problems = unknown_results(ids)
        if problems:
            errors[name] = problems
    if len(pinned) > MAX_PINNED:
        errors.setdefault("pinned", []).append(f"At most {MAX_PINNED} pinned results ({len(pinned)} given).")
    both = [doc_id for doc_id in pinned if doc_id in set(hidden)]
    if both:
        errors.setdefault("hidden", []).append(f"Both pinned and hidden: {', '.join(both)}.")
    return errors


def unknown_results(ids: list[str]) -> list[str]:
    """Messages for ids that name no catalog row ("product:123" form, a known type)."""
    problems = []
    wanted: dict[str, list[str]] = {}
    for doc_id in ids:
        doc_type, pk = parse_document_id(doc_id)
        if doc_type not in DOC_TYPE_MODELS or not pk.isdigit() or int(pk) > MAX_PRIMARY_KEY:
            problems.append(f'"{doc_id}" is not a result id (product:123, video:7 or live:3).')
        else:
            wanted.setdefault(doc_type, []).append(pk)
    for doc_type, pks in wanted.items():
        found = {
            str(pk)
            for pk in DOC_TYPE_MODELS[doc_type].objects.filter(pk__in=pks).values_list("pk", flat=True)
        }
        problems += [f"{doc_type}:{pk} is not in the catalog." for pk in pks if pk not in found]
    return problems


class Curate:
    """The pipeline stage (after recovery, before ranking): hidden results leave the candidates;
    in relevance order pinned ones leave them too, to be shown first (`ctx.pinned`), fetched
    within the shopper's own filters when the query did not recall them."""

    name = "curate"

    def __init__(self, backend):
        self.backend = backend

    def run(self, ctx) -> None:
        curated = curation_for(ctx)
        if curated is None:
            return
        ctx.curation_id = curated.curation_id
        ctx.redirect_url = curated.redirect_url or None
        ctx.hidden = curated.hidden
        pinning = ctx.request.sort is Sort.RELEVANCE
        pinned = set(curated.pinned) if pinning else set()
        recalled: dict[str, Hit] = {}
        for doc_type, hits in ctx.candidates.items():
            kept = []
            for hit in hits:
                if hit.id in pinned:
                    recalled[hit.id] = hit
                elif hit.id not in curated.hidden:
                    kept.append(hit)
            ctx.candidates[doc_type] = kept
        if pinning:
            ctx.pinned = self.pinned_hits(ctx, curated.pinned, recalled)

    def pinned_hits(self, ctx, pinned: tuple[str, ...], recalled: dict[str, Hit]) -> list[Hit]:
        wanted = set(ctx.request.doc_types)
        missing: dict[str, list[str]] = {}
        for doc_id in pinned:
            doc_type = parse_document_id(doc_id)[0]
            if doc_id not in recalled and doc_type in wanted:
                missing.setdefault(doc_type, []).append(doc_id)
        found = dict(recalled)
        for doc_type, ids in missing.items():
            try:
                hits = self.backend.documents(doc_type, ids, ctx.request.filters.for_doc_type(doc_type))
            except Exception as error:  # the curation is an addition: the ranked page stands
                ctx.degraded.append(f"{self.name}: pinned {doc_type} results left out: {error}")
                continue
            found.update((hit.id, hit) for hit in hits)
        return [found[doc_id] for doc_id in pinned if doc_id in found]
