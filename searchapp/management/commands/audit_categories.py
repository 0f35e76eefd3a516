"""manage.py audit_categories: list products whose titles argue against their category
(searchapp/query/category_audit.py), grouped by (filed -> suggested); --csv writes the full
list with links to each product's admin page, --save keeps it for review in the admin
(*Suspected misfiles*: move to the suggestion, or dismiss). Never changes a category."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from catalog.models import Category, Product, SuspectedMisfile
from searchapp.query.category_audit import FILED_BELOW, FOLDS, SUGGESTED_ABOVE, Suspect, suspected_misfiles
from searchapp.query.intent import catalog_samples

CSV_COLUMNS = (
    "external_id", "title", "filed", "suggested", "filed_probability", "suggested_probability", "admin_url",
)  # fmt: skip


class Command(BaseCommand):
    help = "List products whose titles argue against their category (a cross-validated classifier)."

    def add_arguments(self, parser):
        parser.add_argument("--csv", dest="csv_path", help="Write every suspected product here.")
        parser.add_argument("--folds", type=int, default=FOLDS, help="Cross-validation folds (>= 2).")
        parser.add_argument("--top", type=int, default=20, help="(filed -> suggested) groups to print.")
        parser.add_argument(
            "--save", action="store_true", help="Replace the findings the admin lists (Suspected misfiles)."
        )

    def handle(self, *args, csv_path, folds, top, save, **options):
        if folds < 2:
            raise CommandError("--folds must be at least 2")
        catalog = catalog_samples()
        if not catalog:
            raise CommandError("no categorised active products: load the catalog first")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"fold {done}/{total} scored ({time.perf_counter() - started:.0f} s)")

        suspected = suspected_misfiles(catalog, folds=folds, on_fold=progress)
        # A merchandiser's filing is a decision, not a suspect: it trains the classifier, and
        # is not put to them again.
        decided = set(
            Product.objects.filter(category_source=Product.CategorySource.MERCHANDISER).values_list(
                "external_id", flat=True
            )
        )
        kept = [misfile for misfile in suspected if misfile.external_id not in decided]
        if len(kept) < len(suspected):
            self.stdout.write(
                f"{len(suspected) - len(kept):,} more argue with a merchandiser's filing: left out"
            )
        suspected = kept
        categories = {
            path: (pk, name) for pk, path, name in Category.objects.values_list("pk", "path", "name")
        }
        products = {
            external_id: (pk, title)
            for external_id, pk, title in Product.objects.filter(
                external_id__in=[misfile.external_id for misfile in suspected]
            ).values_list("external_id", "pk", "title")
        }
        self.stdout.write(
            f"{len(suspected):,} of {len(catalog):,} categorised products suspected (their category "
            f"< {FILED_BELOW:.0%}, another > {SUGGESTED_ABOVE:.0%})"
        )
        self.print_groups(suspected, categories, products, top)
        if csv_path:
            write_csv(Path(csv_path), suspected, products)
            self.stdout.write(f"wrote {len(suspected):,} rows to {csv_path}")
        if save:
            save_findings(suspected, categories, products)
            self.stdout.write(
                f"saved {len(suspected):,} findings for review in the admin (Suspected misfiles)"
            )

    def print_groups(self, suspected, categories, products, top: int) -> None:
        """(filed -> suggested) leaf names, most frequent first, each with one example title."""
        groups = Counter()
        examples = {}
        for misfile in suspected:
            key = (categories[misfile.filed][1], categories[misfile.suggested][1])
            groups[key] += 1
            examples.setdefault(key, products[misfile.external_id][1])
        for (filed, suggested), count in groups.most_common(top):
            self.stdout.write(f"{count:6,}  {filed} -> {suggested}  e.g. {examples[filed, suggested][:70]}")


def write_csv(path: Path, suspected: list[Suspect], products: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for misfile in suspected:
            pk, title = products[misfile.external_id]
            writer.writerow(
                (
                    misfile.external_id, title, misfile.filed, misfile.suggested,
                    round(misfile.filed_probability, 4), round(misfile.suggested_probability, 4),
                    reverse("admin:catalog_product_change", args=[pk]),
                )
            )  # fmt: skip


def save_findings(suspected: list[Suspect], categories: dict, products: dict) -> None:
    """The admin lists the latest audit only: its findings replace the previous ones."""
    with transaction.atomic():
        SuspectedMisfile.objects.all().delete()
        SuspectedMisfile.objects.bulk_create(
            SuspectedMisfile(
                product_id=products[misfile.external_id][0],
                filed_id=categories[misfile.filed][0],
                suggested_id=categories[misfile.suggested][0],
                filed_probability=misfile.filed_probability,
                suggested_probability=misfile.suggested_probability,
            )
            for misfile in suspected
        )
