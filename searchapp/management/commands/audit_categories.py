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
from searchapp.query.category_audit import FILED_BELOW, FOLDS, SUGGESTED_ABOVE, suspected_misfiles
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
        categories = {
            path: (pk, name) for pk, path, name in Category.objects.values_list("pk", "path", "name")
        }
        names = {path: name for path, (_, name) in categories.items()}
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
        groups = Counter((names[m.filed], names[m.suggested]) for m in suspected)
        examples = {}
        for misfile in suspected:
            examples.setdefault(
                (names[misfile.filed], names[misfile.suggested]), products[misfile.external_id][1]
            )
        for (filed, suggested), count in groups.most_common(top):
            self.stdout.write(f"{count:6,}  {filed} -> {suggested}  e.g. {examples[filed, suggested][:70]}")
        if csv_path:
            with open(Path(csv_path), "w", newline="", encoding="utf-8") as handle:
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
            self.stdout.write(f"wrote {len(suspected):,} rows to {csv_path}")
        if save:
            with transaction.atomic():
                SuspectedMisfile.objects.all().delete()
                SuspectedMisfile.objects.bulk_create(
                    SuspectedMisfile(
                        product_id=products[m.external_id][0],
                        filed_id=categories[m.filed][0],
                        suggested_id=categories[m.suggested][0],
                        filed_probability=m.filed_probability,
                        suggested_probability=m.suggested_probability,
                    )
                    for m in suspected
                )
            self.stdout.write(
                f"saved {len(suspected):,} findings for review in the admin (Suspected misfiles)"
            )
