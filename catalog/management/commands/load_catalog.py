"""manage.py load_catalog [PATH ...]: import products (default: the bundled Chorus catalog)."""

import sys
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.importers.chorus import iter_chorus
from catalog.importers.jsonl import is_jsonl, iter_jsonl
from catalog.importers.loader import ImportReport, ProductLoader
from catalog.importers.records import SourceRow
from catalog.importers.references import upsert_synthetic_shops

CHORUS_DIR = Path(settings.BASE_DIR) / "data" / "chorus"
SKIPPED_ROWS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import products, idempotently (keyed by the source id). Without PATH, imports the Chorus "
        "catalog from data/chorus/products-*.json.zip; .jsonl(.gz) files use the generic JSON Lines "
        "format described in data/README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Chorus .json.zip or JSON Lines files")
        parser.add_argument(
            "--format", dest="source_format", choices=["chorus", "jsonl"], help="default: from the file name"
        )
        parser.add_argument("--limit", type=int, help="read at most N rows in total")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-index", action="store_true", help="do not schedule search indexing")

    def handle(self, *args, paths, source_format, limit, batch_size, no_index, **options):
        paths = paths or sorted(CHORUS_DIR.glob("products-*.json.zip"))
        if not paths:
            raise CommandError(f"no path given and no products-*.json.zip in {CHORUS_DIR}")
        for path in paths:
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
        if batch_size < 1 or (limit is not None and limit < 0):
            raise CommandError("--batch-size must be >= 1 and --limit >= 0")
        formats = [source_format or ("jsonl" if is_jsonl(path) else "chorus") for path in paths]
        if "chorus" in formats:
            upsert_synthetic_shops()

        loader = ProductLoader(batch_size=batch_size, index=not no_index, on_batch=self._progress)
        report = loader.load(self._rows(paths, formats), limit=limit)
        self._summary(report)

    @staticmethod
    def _rows(paths: list[Path], formats: list[str]) -> Iterator[SourceRow]:
        for path, source_format in zip(paths, formats, strict=True):
            yield from iter_jsonl(path) if source_format == "jsonl" else iter_chorus(path)

    def _progress(self, report: ImportReport) -> None:
        self.stderr.write(
            f"products: {report.read:,} rows read, {report.imported:,} imported, "
            f"{len(report.skipped):,} skipped ({report.rows_per_second:,.0f} rows/s)"
        )
        sys.stderr.flush()

    def _summary(self, report: ImportReport) -> None:
        self.stdout.write(
            f"imported {report.imported:,} products from {report.read:,} rows in {report.seconds:.1f}s "
            f"({report.rows_per_second:,.0f} rows/s)"
        )
        uncategorised = report.imported - report.categorised
        self.stdout.write(
            f"categorised {100 * report.categorised_share:.1f}% of products ({uncategorised:,} uncategorised)"
        )
        if report.skipped:
            self.stdout.write(self.style.WARNING(f"skipped {len(report.skipped):,} rows:"))
            for where, why in report.skipped[:SKIPPED_ROWS_SHOWN]:
                self.stdout.write(f"  {where}: {why}")
            if len(report.skipped) > SKIPPED_ROWS_SHOWN:
                self.stdout.write(f"  ... and {len(report.skipped) - SKIPPED_ROWS_SHOWN:,} more")
