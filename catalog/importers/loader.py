"""Load validated product rows into the catalog: batched, idempotent upserts keyed by external_id.

Each batch is one transaction: resolve brand/shop/category names, upsert the products with
a single INSERT ... ON CONFLICT (external_id) DO UPDATE (PostgreSQL and SQLite), then hand
the primary keys to indexing, which enqueues its tasks when the batch commits. A product a
merchandiser filed keeps its category, and one archived or drafted its status, unless its row
names one (`ProductLoader._product`).
"""

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction

from catalog.models import Product
from catalog.search_index import schedule_index

from .records import ProductRecord, RowError, SourceRow, parse_product
from .references import References

# Everything an import may change; external_id is the key and created_at stays as first seen.
UPSERT_FIELDS = [
    "title", "description", "brand", "category", "category_source", "shop", "attributes", "price",
    "currency", "stock", "image_url", "rating", "review_count", "sales_count", "status", "released_at",
    "updated_at",
]  # fmt: skip


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    categorised: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def rows_per_second(self) -> float:
        return self.read / max(self.seconds, 1e-9)

    @property
    def categorised_share(self) -> float:
        return self.categorised / self.imported if self.imported else 0.0


class LoadedProduct(NamedTuple):
    category_id: int | None
    category_source: str
    status: str


def loaded_products(records: Iterable[ProductRecord]) -> dict[str, LoadedProduct]:
    """external_id -> what a merchandiser may have set on the batch's products already loaded."""
    rows = Product.objects.filter(external_id__in=[record.external_id for record in records]).values_list(
        "external_id", "category_id", "category_source", "status"
    )
    return {external_id: LoadedProduct(*fields) for external_id, *fields in rows}


class ProductLoader:
    def __init__(
        self,
        *,
        batch_size: int = 1000,
        index: bool = True,
        on_batch: Callable[[ImportReport], None] | None = None,
    ):
        self.batch_size = batch_size
        self.index = index
        self.on_batch = on_batch

    def load(self, rows: Iterable[SourceRow], limit: int | None = None) -> ImportReport:
        report = ImportReport()
        references = References()
        batch: dict[str, ProductRecord] = {}
        for row in itertools.islice(rows, limit):
            report.read += 1
            try:
                if row.error:
                    raise RowError(row.error)
                record = parse_product(row.fields)
            except RowError as error:
                report.skipped.append((row.location, str(error)))
                continue
            # Keyed by id: a repeated id inside one batch keeps its last version, as across batches.
            batch[record.external_id] = record
            if len(batch) >= self.batch_size:
                self._write(batch.values(), references, report)
                batch.clear()
        if batch:
            self._write(batch.values(), references, report)
        return report

    def _write(self, records: Iterable[ProductRecord], references: References, report: ImportReport) -> None:
        records = list(records)
        with transaction.atomic():
            loaded = loaded_products(records)
            products = [
                self._product(record, references, loaded.get(record.external_id)) for record in records
            ]
            Product.objects.bulk_create(
                products, update_conflicts=True, unique_fields=["external_id"], update_fields=UPSERT_FIELDS
            )
            if self.index:
                schedule_index("product", [product.pk for product in products])
        report.imported += len(products)
        report.categorised += sum(product.category_id is not None for product in products)
        if self.on_batch:
            self.on_batch(report)

    @staticmethod
    def _product(record: ProductRecord, references: References, loaded: LoadedProduct | None) -> Product:
        # What the row leaves out keeps what a merchandiser set: a category filed by hand is not
        # re-derived by the rules (a row naming one wins: the feed says what it sells), and a
        # product archived or drafted stays so unless the row names a status.
        by_hand = loaded is not None and loaded.category_source == Product.CategorySource.MERCHANDISER
        if by_hand and record.category_source == Product.CategorySource.RULES:
            category_id, source = loaded.category_id, loaded.category_source
        else:
            category_id, source = references.category_id(record.category_path), record.category_source
        status = record.status or (loaded.status if loaded else Product.Status.ACTIVE)
        return Product(
            external_id=record.external_id,
            title=record.title,
            description=record.description,
            brand_id=references.brand_id(record.brand),
            category_id=category_id,
            category_source=source,
            shop_id=references.shop_id(record.shop),
            attributes=record.attributes,
            price=record.price,
            currency=record.currency,
            stock=record.stock,
            image_url=record.image_url,
            rating=record.rating,
            review_count=record.review_count,
            sales_count=record.sales_count,
            status=status,
            released_at=record.released_at,
        )
