"""What generated media can truthfully say about a product, read from its real data.

Video and live-stream scripts (media_scripts.py) only ever speak through these facts, so a
video tagging a product names its real brand, type, colour, capacity or connectivity.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product

# Where a title turns from name into specification: a number with a unit, a bracket, a sentence
# break, or Icecat's "Original" (supplies) marker.
_SPEC_START = re.compile(
    r"(?:\s\(|\.\s|,\s|\s-\s|\sOriginal\b|\s\d+(?:[.,]\d+)?\s?"
    r"(?:cm|mm|m|gb|tb|mb|w|ghz|mhz|dpi|ppm|pages|mah|v|kg|g|ft|in|pc\(s\)|x)(?!\w))",
    re.IGNORECASE,
)
_IRREGULAR_SINGULARS = {"mice": "mouse", "headphones": "headphones"}
_IRREGULAR_PLURALS = {singular: plural for plural, singular in _IRREGULAR_SINGULARS.items()}
_MAX_NAME_WORDS = 7
COMPUTING_TOP_LEVELS = {"computers", "phones-wearables"}


def short_name(title: str) -> str:
    """'Sony WH-1000XM4 headphones 30 h Black' -> 'Sony WH-1000XM4 headphones'."""
    match = _SPEC_START.search(title)
    words = (title[: match.start()] if match else title).split()
    if len(words) < 2:  # the specification starts right after the brand ("C2G 50ft Cat5E ...")
        words = title.split()
    return " ".join(words[:_MAX_NAME_WORDS]).rstrip(",;:-")


def singular(word: str) -> str:
    if word.isupper() and len(word) > 1:  # an acronym ("UPS", "SSDs" is not upper) stays as is
        return word
    lowered = word.lower()
    if lowered in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[lowered]
    if lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if lowered.endswith(("ches", "shes", "xes")):
        return lowered[:-2]
    if lowered.endswith("s") and not lowered.endswith("ss"):
        return lowered[:-1]
    return lowered


def plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        last = _IRREGULAR_PLURALS[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif not last.endswith("s"):
        last += "s"
    return f"{head} {last}".strip()


def product_noun(category: str | None, title: str) -> str:
    """A singular noun for the product from its category leaf ('Keyboards & mice' -> 'mouse').

    Only plural parts of the leaf name are nouns for one product ("KVM & computer cables"
    -> "computer cable"); the part the title mentions wins. Leaves with none say "product".
    """
    parts = [part.split() for part in re.split(r"&|,", category or "") if part.strip()]
    nouns = [
        " ".join([*(word.lower() for word in part[:-1]), singular(part[-1])])
        for part in parts
        if singular(part[-1]) != part[-1].lower()
        or part[-1].lower() in _IRREGULAR_SINGULARS
        or part[-1].isupper()
    ]
    for noun in nouns:
        if re.search(rf"\b{re.escape(noun.split()[-1])}", title, re.IGNORECASE):
            return noun
    return nouns[0] if nouns else "product"


def _number(attributes: dict, *keys: str) -> float | None:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def _gigabytes(value: float) -> str:
    return f"{value / 1000:g} TB" if value >= 1000 else f"{value:g} GB"


def features(attributes: dict, *, is_computer: bool) -> list[str]:
    """Short phrases about the product's real attributes, most telling first.

    Memory and clock speed are only in GB and GHz for computers and phones (a printer's
    "internal_memory" is in MB), so they are only spoken for those.
    """
    phrases = []
    if ssd := _number(attributes, "ssd_capacity"):
        phrases.append(f"a {_gigabytes(ssd)} SSD")
    elif storage := _number(
        attributes, "total_storage_capacity", "hdd_capacity", "internal_storage_capacity", "capacity"
    ):
        phrases.append(f"{_gigabytes(storage)} of storage")
    if is_computer and (memory := _number(attributes, "internal_memory")):
        phrases.append(f"{memory:g} GB of memory")
    if screen := _number(attributes, "display_diagonal"):
        phrases.append(f'a {screen:g}" screen')
    if is_computer and (frequency := _number(attributes, "processor_frequency")):
        phrases.append(f"a {frequency:g} GHz processor")
    if battery := _number(attributes, "battery_life_max", "battery_life"):
        phrases.append(f"up to {battery:g} hours of battery life")
    if pages := _number(attributes, "black_toner_page_yield", "colour_toner_page_yield", "black_ink_page_yield",
                        "colour_ink_page_yield"):  # fmt: skip
        phrases.append(f"a yield of {pages:,.0f} pages")
    if wifi := re.search(r"Wi-Fi \d", str(attributes.get("wi_fi_standards", ""))):
        phrases.append(wifi.group())
    if attributes.get("bluetooth") is True:
        phrases.append("Bluetooth")
    if power := _number(attributes, "rms_rated_power"):
        phrases.append(f"{power:g} W of RMS power")
    if length := _number(attributes, "cable_length"):
        phrases.append(f"{length:g} m of cable")
    if (weight := _number(attributes, "weight")) and weight < 20_000:
        phrases.append(f"a weight of {weight / 1000:g} kg" if weight >= 1000 else f"a weight of {weight:g} g")
    return phrases


@dataclass(frozen=True)
class ProductFacts:
    pk: int
    name: str
    brand: str
    noun: str
    category: str
    category_id: int | None
    shop_id: int | None
    colour: str | None
    connectivity: str | None
    features: tuple[str, ...]
    price: Decimal
    popularity: int

    @classmethod
    def of(cls, product: Product) -> "ProductFacts":
        attributes = product.attributes or {}
        # A cartridge's printing colour is what a shopper means by its colour, not its casing.
        colour_value = attributes.get("printing_colours") or attributes.get("product_colour") or ""
        colour = str(colour_value).split(",")[0].strip().lower() or None
        connectivity = str(attributes.get("connectivity_technology") or "").lower() or None
        category = product.category.name if product.category else ""
        top_level = product.category.path.split("/")[0] if product.category else ""
        return cls(
            pk=product.pk,
            name=short_name(product.title),
            brand=product.brand.name if product.brand else "",
            noun=product_noun(category, product.title),
            category=category,
            category_id=product.category_id,
            shop_id=product.shop_id,
            colour=colour,
            connectivity=connectivity if connectivity in ("wired", "wireless") else None,
            features=tuple(features(attributes, is_computer=top_level in COMPUTING_TOP_LEVELS)),
            price=product.price,
            popularity=product.sales_count,
        )
