import pytest

from catalog.models import Brand, Category, LiveStream, Product, Shop, Video
from indexing.indexer import index_objects
from searchapp.boost_rules import boost_table
from searchapp.curations import curation_table
from searchapp.query.analyzer import reset_caches
from searchapp.query.rules import rule_switches
from searchapp.query.synonyms import synonym_tables


@pytest.fixture(autouse=True)
def fresh_query_understanding(settings, tmp_path):
    """Query understanding learns from this test's catalog: its vocabulary is built (and
    saved) on first use, in a data directory of the test's own; no synonyms or rules are
    kept from another test's database, nor curations or boost rules."""
    settings.SEARCH_DATA_DIR = tmp_path / "data"
    reset_caches()
    for table in (synonym_tables, rule_switches, curation_table, boost_table):
        table.forget()
    yield
    reset_caches()
    for table in (synonym_tables, rule_switches, curation_table, boost_table):
        table.forget()


@pytest.fixture
def small_catalog(db, local_index_dir):
    """Four products in two category trees, a video and a live stream, indexed into a fresh
    local backend with the real model."""
    shop = Shop.objects.create(name="Acme Store", slug="acme-store")
    hp = Brand.objects.create(name="HP", slug="hp")
    sony = Brand.objects.create(name="Sony", slug="sony")
    printing = Category.objects.create(name="Printing", slug="printing")
    toner = Category.objects.create(name="Toner cartridges", slug="toner-cartridges", parent=printing)
    printers = Category.objects.create(name="Printers", slug="printers", parent=printing)
    audio = Category.objects.create(name="Audio", slug="audio")
    speakers = Category.objects.create(name="Speakers", slug="speakers", parent=audio)
    headphones = Category.objects.create(name="Headphones", slug="headphones", parent=audio)

    def product(external_id, title, brand, category, price, stock, description=""):
        return Product.objects.create(
            external_id=external_id,
            title=title,
            description=description,
            brand=brand,
            category=category,
            shop=shop,
            price=price,
            stock=stock,
        )

    products = {
        "toner": product(
            "p-toner",
            "HP 305 black toner cartridge",
            hp,
            toner,
            "29.99",
            5,
            "Original HP toner, 1,000 pages.",
        ),
        "printer": product(
            "p-printer",
            "HP LaserJet Pro M15w laser printer",
            hp,
            printers,
            "149.00",
            3,
            "Compact mono printer.",
        ),
        "speaker": product(
            "p-speaker",
            "Sony SRS-XB13 portable bluetooth speaker",
            sony,
            speakers,
            "59.90",
            0,
            "Waterproof wireless speaker with extra bass <and> 16 hours of battery.",
        ),
        "headphones": product(
            "p-headphones", "Sony WH-1000XM4 noise cancelling headphones", sony, headphones, "249.00", 7
        ),
    }
    video = Video.objects.create(
        creator="gadgetgirl",
        shop=shop,
        title="Unboxing the Sony bluetooth speaker",
        caption="First look at a tiny speaker",
        published_at="2024-05-01T10:00:00Z",
    )
    video.products.add(products["speaker"])
    live = LiveStream.objects.create(
        shop=shop, host="Sam", title="Printer deals live", scheduled_at="2024-06-01T18:00:00Z"
    )
    live.products.add(products["printer"], products["toner"])

    index_objects("product", [p.pk for p in products.values()])
    index_objects("video", [video.pk])
    index_objects("live", [live.pk])
    return {**products, "video": video, "live": live}


def add_products(like: Product, category: Category, rows, brand: Brand | None = None) -> dict[str, Product]:
    """Indexed products in `category`, sold by `like`'s shop under `brand` (else `like`'s), in
    stock: `rows` of (key, title, description, price)."""
    made = {
        key: Product.objects.create(
            external_id=f"p-{key}",
            title=title,
            description=description,
            brand=brand or like.brand,
            category=category,
            shop=like.shop,
            price=price,
            stock=5,
        )
        for key, title, description, price in rows
    }
    index_objects("product", [product.pk for product in made.values()])
    return made


def add_attributed_products(like: Product, rows: dict, price: str = "19.99") -> dict[object, Product]:
    """Indexed products beside `like` (its brand, category and shop), in stock: key -> (title,
    attributes)."""
    made = {
        key: Product.objects.create(
            external_id=f"p-attributed-{key}",
            title=title,
            attributes=attributes,
            brand=like.brand,
            category=like.category,
            shop=like.shop,
            price=price,
            stock=5,
        )
        for key, (title, attributes) in rows.items()
    }
    index_objects("product", [product.pk for product in made.values()])
    return made


@pytest.fixture
def brother_toners(small_catalog):
    """Two Brother toners beside the small catalog: TN-3170, and TN650 with the shorter title
    and the far dearer price (BM25 and the blend's value term would both favour it)."""
    toner = small_catalog["toner"]
    rows = (
        ("tn3170", "Brother TN-3170 toner cartridge Original Black 1 pc(s)", "", "60.00"),
        ("tn650", "Brother TN650", "", "6000.00"),
    )
    return add_products(toner, toner.category, rows, Brand.objects.create(name="Brother", slug="brother"))
