"""A small catalog built with the ORM, the real embedder, and a backend that records calls."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.models import Brand, Category, LiveStream, Product, Shop, Video
from indexing.backends.base import BaseSearchBackend, BulkResult, Rebuild
from indexing.embeddings import get_embedder


@pytest.fixture(scope="session")
def embedder():
    """The real bundled model, loaded once per test session (HF_HUB_OFFLINE=1)."""
    return get_embedder()


@pytest.fixture
def encode_calls(embedder, monkeypatch):
    """Every text list the document encoder is asked for, in order."""
    calls: list[list[str]] = []
    encode = embedder.encode_documents

    def counting(texts):
        calls.append(list(texts))
        return encode(texts)

    monkeypatch.setattr(embedder, "encode_documents", counting)
    return calls


def make_category(name: str, parent: Category | None = None) -> Category:
    slug = name.lower().replace(" ", "-")
    return Category.objects.create(name=name, slug=slug, parent=parent)


def make_product(**fields) -> Product:
    n = Product.objects.count() + 1
    defaults = {
        "external_id": f"SKU-{n}",
        "title": f"Product {n}",
        "price": Decimal("10.00"),
        "stock": 3,
    }
    return Product.objects.create(**{**defaults, **fields})


@pytest.fixture
def catalog(db):
    """One shop, two brands, electronics/audio/headphones, three products (one draft), a video
    and a live stream tagging them."""
    shop = Shop.objects.create(name="Audio Shop", slug="audio-shop")
    sony = Brand.objects.create(name="Sony", slug="sony")
    bose = Brand.objects.create(name="Bose", slug="bose")
    electronics = make_category("Electronics")
    audio = make_category("Audio", electronics)
    headphones = make_category("Headphones", audio)
    sony_headphones = make_product(
        title="Sony WH-1000XM4 wireless headphones Black",
        description="Noise-cancelling over-ear headphones with 30 hours of battery. " * 10,
        brand=sony,
        category=headphones,
        shop=shop,
        attributes={"product_colour": "Black", "battery_life_max": 30.0, "wireless": True},
        price=Decimal("279.99"),
        stock=12,
        rating=4.6,
        review_count=120,
        sales_count=900,
        image_url="https://images.example.com/sku-1.jpg",
        released_at=datetime(2020, 8, 6, tzinfo=UTC),
    )
    bose_headphones = make_product(
        title="Bose QuietComfort 45 headphones White",
        brand=bose,
        category=headphones,
        shop=shop,
        price=Decimal("249.00"),
        stock=0,
    )
    draft = make_product(title="Unreleased prototype earbuds", brand=sony, category=audio, status="draft")
    video = Video.objects.create(
        creator="techreviewer",
        shop=shop,
        kind="review",
        title="Best noise cancelling headphones",
        caption="Sony vs Bose",
        hashtags=["headphones", "anc"],
        transcript="Today we compare...",
        duration_seconds=300,
        thumbnail_url="https://images.example.com/v1.jpg",
        views=5000,
        likes=300,
        published_at=datetime(2024, 1, 2, tzinfo=UTC),
    )
    video.products.set([sony_headphones, bose_headphones, draft])
    live = LiveStream.objects.create(
        shop=shop,
        host="Ana",
        title="Headphone deals live",
        description="Live discounts",
        status="scheduled",
        scheduled_at=datetime(2024, 2, 1, 18, tzinfo=UTC),
        viewer_count=0,
    )
    live.products.set([bose_headphones])
    return {
        "shop": shop, "sony": sony, "bose": bose, "electronics": electronics, "audio": audio,
        "headphones": headphones, "sony_headphones": sony_headphones,
        "bose_headphones": bose_headphones, "draft": draft, "video": video, "live": live,
    }  # fmt: skip


class RecordingRebuild(Rebuild):
    def __init__(self, backend: "RecordingBackend", doc_type: str, name: str):
        self.backend, self.doc_type, self.name = backend, doc_type, name

    def index_documents(self, docs):
        docs = list(docs)
        self.backend.rebuild_docs.setdefault(self.name, []).extend(docs)
        return BulkResult(indexed=len(docs))

    def commit(self):
        self.backend.events.append(("commit", self.name))

    def abort(self):
        self.backend.events.append(("abort", self.name))


class RecordingBackend(BaseSearchBackend):
    """Keeps documents in a dict and records rebuild events: for indexer logic tests."""

    def __init__(self):
        super().__init__("recording", {})
        self.docs: dict[str, object] = {}
        self.rebuild_docs: dict[str, list] = {}
        self.events: list[tuple[str, str]] = []

    def ensure_index(self, doc_type):
        pass

    def index_documents(self, doc_type, docs):
        docs = list(docs)
        self.docs.update({doc.id: doc for doc in docs})
        return BulkResult(indexed=len(docs))

    def delete_documents(self, doc_type, ids):
        gone = [i for i in ids if self.docs.pop(i, None) is not None]
        return len(gone)

    def start_rebuild(self, doc_type):
        self.events.append(("start", f"{doc_type}-new"))
        return RecordingRebuild(self, doc_type, f"{doc_type}-new")

    def open_rebuild(self, doc_type, name):
        return RecordingRebuild(self, doc_type, name)

    def search_lexical(self, doc_type, query):
        raise NotImplementedError

    def search_vector(self, doc_type, query):
        raise NotImplementedError

    def search_terms(self, doc_type, filters, limit):
        raise NotImplementedError

    def documents(self, doc_type, ids, filters):
        raise NotImplementedError

    def vectors(self, doc_type, ids):
        raise NotImplementedError

    def suggest(self, prefix, doc_types, limit=10):
        raise NotImplementedError

    def count(self, doc_type):
        return sum(1 for doc in self.docs.values() if doc.doc_type == doc_type)

    def refresh(self, doc_type):
        pass

    def health(self):
        return {"status": "ok"}


@pytest.fixture
def recording_backend():
    return RecordingBackend()
