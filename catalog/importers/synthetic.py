"""SYNTHETIC marketplace signals for the Chorus catalog, which has none.

Chorus (Icecat) gives products, brands and prices, but no sellers, stock, ratings or sales.
Ranking needs them, so they are made up here, DETERMINISTICALLY: every value is a function
of a hash of the product id (or shop name), never of random(), so every import of the same
catalog yields the same numbers and reruns are idempotent. None of this is real data.

Shape: each big brand has an official store; ~40 resellers with varied trust signals carry
the rest (a few big ones carry most); sales are long-tailed (Pareto), ~8% of products are
out of stock, ratings cluster around 4.2 and only exist when there are reviews.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

# Brands big enough in Chorus to run their own store.
OFFICIAL_STORE_BRANDS = (
    "HP", "StarTech.com", "C2G", "Tripp Lite", "APC", "Epson", "Philips", "Intel", "Canon", "Xerox",
    "Lexmark", "HERMA", "OKI", "Brother", "Samsung", "Sony", "Verbatim", "Kensington", "Lenovo",
    "Kingston Technology", "DELL",
)  # fmt: skip
# Share of an official brand's products sold by its own store rather than a reseller.
OFFICIAL_STORE_SHARE = 0.45
OUT_OF_STOCK_SHARE = 0.08

RESELLER_NAMES = (
    "Voltline Electronics", "PixelPoint", "Brightwire", "Northwind Tech", "ByteBazaar", "Harbor Direct",
    "Evergreen Supply", "Summit Digital", "Bluebird Trading", "Oakridge Outlet", "Crestview Systems", "Trailhead IT",
    "Gadget Grove", "Copperleaf", "Lakeside Electronics", "TechNest", "Blue Harbor Trading", "MegaByte Mart",
    "Connectivity Plus", "Redwood Retail", "Silverline Store", "HomeTech Direct", "Maple & Main", "Ironbridge",
    "Sunrise Shop", "Cloud Nine Computing", "Budget Bits", "Premier IT Solutions", "Signal Street",
    "Greenfield Gadgets", "Metro Electronics", "Quantum Components", "Swift Parts", "Atlas Office",
    "Nova Digital", "Riverbend Retail", "Keystone Trading", "Bargain Bytes", "Everyday Electronics", "Zenith Supply",
)  # fmt: skip


def unit_interval(key: str, salt: str) -> float:
    """A stable pseudo-random number in [0, 1) for (key, salt)."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def official_store_name(brand: str) -> str:
    return f"{brand} Official Store"


@dataclass(frozen=True)
class ShopProfile:
    name: str
    is_official: bool
    is_verified: bool
    rating: float
    fulfilment_rate: float
    return_rate: float
    followers: int
    age: timedelta  # how long the shop has been on the marketplace
    weight: float  # relative share of the reseller catalog it carries


def _official_profile(brand: str) -> ShopProfile:
    name = official_store_name(brand)
    u = lambda salt: unit_interval(name, salt)  # noqa: E731
    return ShopProfile(
        name=name,
        is_official=True,
        is_verified=True,
        rating=round(4.5 + 0.45 * u("rating"), 2),
        fulfilment_rate=round(0.97 + 0.029 * u("fulfilment"), 3),
        return_rate=round(0.01 + 0.03 * u("returns"), 3),
        followers=int(20_000 + 480_000 * u("followers") ** 2),
        age=timedelta(days=int(1_500 + 2_000 * u("age"))),
        weight=0.0,
    )


def _reseller_profile(name: str) -> ShopProfile:
    u = lambda salt: unit_interval(name, salt)  # noqa: E731
    is_new = u("new") < 0.15
    return ShopProfile(
        name=name,
        is_official=False,
        is_verified=u("verified") < 0.55,
        rating=round(3.1 + 1.85 * u("rating") ** 0.6, 2),
        fulfilment_rate=round(0.82 + 0.175 * u("fulfilment") ** 0.5, 3),
        return_rate=round(0.01 + 0.14 * u("returns") ** 2, 3),
        followers=int(50 + 120_000 * u("followers") ** 3) // (20 if is_new else 1),
        age=timedelta(days=int(5 + 55 * u("age"))) if is_new else timedelta(days=int(200 + 2_600 * u("age"))),
        # Squared: a handful of big resellers carry most of the catalog, many carry a little.
        weight=0.05 + u("weight") ** 2,
    )


SHOPS: tuple[ShopProfile, ...] = tuple(_official_profile(brand) for brand in OFFICIAL_STORE_BRANDS) + tuple(
    _reseller_profile(name) for name in RESELLER_NAMES
)
_RESELLERS = tuple(shop for shop in SHOPS if not shop.is_official)
_RESELLER_TOTAL_WEIGHT = sum(shop.weight for shop in _RESELLERS)


def shop_for(external_id: str, brand: str | None) -> str:
    """The (synthetic) shop selling this product: its brand's store or a weighted reseller."""
    if brand in OFFICIAL_STORE_BRANDS and unit_interval(external_id, "official") < OFFICIAL_STORE_SHARE:
        return official_store_name(brand)
    point = unit_interval(external_id, "reseller") * _RESELLER_TOTAL_WEIGHT
    for shop in _RESELLERS:
        point -= shop.weight
        if point < 0:
            return shop.name
    return _RESELLERS[-1].name


def marketplace_fields(external_id: str, brand: str | None) -> dict:
    """Synthetic shop, stock, sales, reviews and rating for one product."""
    u = lambda salt: unit_interval(external_id, salt)  # noqa: E731
    # Pareto (alpha ~1.2) sales: median ~15, top 1% in the thousands, capped.
    sales = min(int(12 * (1 - u("sales")) ** (-1 / 1.2)) - 12, 250_000)
    reviews = int(sales * (0.02 + 0.10 * u("reviews")))
    rating = round(min(5.0, 2.6 + 2.4 * u("rating") ** 0.45), 1) if reviews else 0.0
    in_stock = u("stock") >= OUT_OF_STOCK_SHARE
    stock = int(1 + 400 * u("stock_level") ** 3) if in_stock else 0
    return {
        "shop": shop_for(external_id, brand),
        "stock": stock,
        "sales_count": sales,
        "review_count": reviews,
        "rating": rating,
    }
