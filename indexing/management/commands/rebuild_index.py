"""Rebuild the search indexes into fresh versioned indexes and swap the aliases atomically.

Searches keep using the old index until the swap. With a broker, chunks fan out to the
workers as `indexing.rebuild_chunk` tasks; without one (the embedded default) they run here.
"""

import time

from celery import group
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indexing import indexer, tasks
from indexing.backends import get_backend
from indexing.documents import indexable_queryset
from indexing.indexer import IndexReport, RebuildProgress
from indexing.schema import DOC_TYPES
from searchapp.celery import app

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = "Rebuild search indexes from the catalog (new versioned index, then atomic alias swap)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--type",
            choices=DOC_TYPES,
            dest="doc_types",
            action="append",
            help="Document type to rebuild (repeatable); default: all.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=settings.SEARCH_REBUILD_CHUNK_SIZE,
            help="Rows per indexing task (default: SEARCH_REBUILD_CHUNK_SIZE).",
        )

    def handle(self, *args, doc_types, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be positive")
        started = time.monotonic()
        total = IndexReport()
        for doc_type in doc_types or DOC_TYPES:
            try:
                state = self._rebuild(doc_type, chunk_size)
            except Exception as error:
                raise CommandError(f"rebuild of {doc_type} failed, new index discarded: {error}") from error
            self._progress(state, final=True)
            total.add(state.report)
        self.stdout.write(
            f"indexed {total.indexed} documents ({total.passages} passages, {total.images} images); "
            f"embeddings: {total.encoded} encoded, {total.cached} from cache; "
            f"{time.monotonic() - started:.1f} s"
        )

    def _rebuild(self, doc_type: str, chunk_size: int) -> RebuildProgress:
        if app.conf.task_always_eager:
            return indexer.rebuild(doc_type, chunk_size, progress=self._progress)
        return self._rebuild_on_workers(doc_type, chunk_size)

    def _rebuild_on_workers(self, doc_type: str, chunk_size: int) -> RebuildProgress:
        """Fan the chunks out as a group, report progress as their results come in, then have a
        worker commit. Needs a result backend to hear back from the chunks."""
        if not app.conf.result_backend:
            raise CommandError("a distributed rebuild needs CELERY_RESULT_BACKEND to collect chunk results")
        state = RebuildProgress(doc_type, total=indexable_queryset(doc_type).count())
        new_index = get_backend().start_rebuild(doc_type)
        try:
            chunks = group(
                tasks.rebuild_chunk.s(doc_type, new_index.name, pks)
                for pks in indexer.rebuild_chunks(doc_type, chunk_size)
            ).apply_async()
            collected = set()
            while len(collected) < len(chunks.results):
                for result in chunks.results:
                    if result.id not in collected and result.ready():
                        # propagate=True: a failed chunk raises its error here, aborting below.
                        state.report.add(IndexReport(**result.get(propagate=True)))
                        collected.add(result.id)
                        self._progress(state)
                if len(collected) < len(chunks.results):
                    time.sleep(POLL_SECONDS)
            indexer.raise_if_failed(state.report)
            tasks.commit_rebuild.delay(doc_type, new_index.name).get(propagate=True)
        except BaseException:
            new_index.abort()
            raise
        return state

    def _progress(self, state: RebuildProgress, final: bool = False) -> None:
        eta = state.eta_seconds
        report = state.report
        line = (
            f"{state.doc_type}: {state.done}/{state.total} docs ({report.passages} passages, "
            f"{report.images} images), {report.encoded} encoded, {state.docs_per_second:.0f} docs/s, "
        ) + ("done" if final else f"ETA {eta:.0f} s" if eta is not None else "ETA ?")
        self.stderr.write(line, ending="\n" if final else "\r")
        self.stderr.flush()
