import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Brand, Category, LiveStream, Product, Shop, Video


def event(doc_id: str, kind: str = "click", age: timedelta = timedelta(0), **fields) -> dict:
    """A valid event as POST /api/events receives it (plain JSON values)."""
    return {
        "event_id": str(uuid.uuid4()),
        "kind": kind,
        "search_id": str(uuid.uuid4()),
        "doc_id": doc_id,
        "position": 1,
        "occurred_at": (timezone.now() - age).isoformat(),
        **fields,
    }


@pytest.fixture
def catalog(db):
    """Three products in two category trees, a video tagging two of them, a live stream
    tagging one: {name: doc id}."""
    shop = Shop.objects.create(name="Acme", slug="acme")
    sony = Brand.objects.create(name="Sony", slug="sony")
    hp = Brand.objects.create(name="HP", slug="hp")
    audio = Category.objects.create(name="Audio", slug="audio")
    headphones = Category.objects.create(name="Headphones", slug="headphones", parent=audio)
    speakers = Category.objects.create(name="Speakers", slug="speakers", parent=audio)
    printing = Category.objects.create(name="Printing", slug="printing")
    toner = Category.objects.create(name="Toner", slug="toner", parent=printing)

    def product(external_id, brand, category, price):
        return Product.objects.create(
            external_id=external_id, title=external_id, brand=brand, category=category, price=price, shop=shop
        )

    headset = product("headset", sony, headphones, "280.00")  # price band 8: [256, 512)
    speaker = product("speaker", sony, speakers, "90.00")  # band 6: [64, 128)
    cartridge = product("cartridge", hp, toner, "30.00")  # band 4: [16, 32)
    video = Video.objects.create(title="Audio review", published_at=timezone.now())
    video.products.set([headset, speaker])
    live = LiveStream.objects.create(shop=shop, host="Ann", title="Toner live", scheduled_at=timezone.now())
    live.products.set([cartridge])
    return {
        "headset": f"product:{headset.pk}",
        "speaker": f"product:{speaker.pk}",
        "cartridge": f"product:{cartridge.pk}",
        "video": f"video:{video.pk}",
        "live": f"live:{live.pk}",
    }
