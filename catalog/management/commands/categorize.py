"""manage.py categorize: apply the taxonomy rules to uncategorised products, or --report on them;
with --refile, to every product the rules filed, so a taxonomy fix reaches a loaded catalog
(products a merchandiser or the feed filed keep their category)."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog import taxonomy
from catalog.importers.references import References
from catalog.models import Product
from catalog.search_index import schedule_index


class Command(BaseCommand):
    help = (
        "Assign taxonomy categories (catalog/taxonomy.py) to products that have none (with --refile, to "
        "every product the rules filed); with --report, change nothing and list the most frequent title "
        "patterns no rule matches."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", action="store_true", help="only report coverage and gaps")
        parser.add_argument("--top", type=int, default=30, help="patterns to list in the report")
        parser.add_argument("--no-index", action="store_true", help="do not schedule search indexing")
        parser.add_argument(
            "--refile",
            action="store_true",
            help="re-derive the category of every product the rules filed (after a taxonomy change); "
            "those a merchandiser or the feed filed keep theirs",
        )

    def handle(self, *args, report, top, no_index, refile, **options):
        total = Product.objects.count()
        uncategorised = Product.objects.filter(category=None).select_related("brand")
        if report:
            self._report(total, uncategorised, top)
            return
        if refile:
            candidates = Product.objects.filter(category_source=Product.CategorySource.RULES)
        else:  # a product a merchandiser left without a category stays so
            candidates = uncategorised.exclude(category_source=Product.CategorySource.MERCHANDISER)
        references = References()
        assigned = []
        moves: Counter[tuple[str, str]] = Counter()
        with transaction.atomic():
            for product in candidates.select_related("category").iterator(chunk_size=2000):
                path = taxonomy.categorize(product.title, product.attributes)
                category_id = references.category_id(tuple(taxonomy.split_path(path))) if path else None
                # A product no rule matches any more keeps the category it has.
                if category_id is not None and category_id != product.category_id:
                    moves[product.category.name if product.category else "(none)", path] += 1
                    product.category_id = category_id
                    product.category_source = Product.CategorySource.RULES
                    assigned.append(product)
            Product.objects.bulk_update(assigned, ["category", "category_source"], batch_size=1000)
            if not no_index:
                schedule_index("product", [product.pk for product in assigned])
        if refile:
            self.stdout.write(f"refiled {len(assigned):,} products")
            for (filed, path), count in moves.most_common(top):
                self.stdout.write(f"{count:6,}  {filed} -> {path}")
        else:
            self.stdout.write(f"categorised {len(assigned):,} more products")
        self._report(total, Product.objects.filter(category=None).select_related("brand"), top=0)

    def _report(self, total, uncategorised, top):
        missing = uncategorised.count()
        share = 100 * (total - missing) / total if total else 0.0
        self.stdout.write(f"categorised {share:.1f}% of products ({missing:,} uncategorised)")
        if top:
            products = (
                (p.title, p.brand.name if p.brand else "", p.attributes)
                for p in uncategorised.iterator(chunk_size=2000)
            )
            for pattern, count in taxonomy.uncategorised_patterns(products, top=top):
                self.stdout.write(f"{count:6,}  {pattern or '(model number only)'}")
