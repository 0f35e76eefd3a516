"""The sizes a product states in its attributes, where the attribute is the size shoppers name
the product by ("tv 55 inch": the screen's diagonal; "hdmi cable 2m": the cable's length).

Titles state most sizes (ranking/sizes.py reads them), but not all: of the Chorus products,
16 of 85 TVs and 19 of 177 monitors state their diagonal only in `display_diagonal`, ~200
cables their length only in `cable_length`, so a 42" TV stood among 55" ones for "tv 55
inch". An attribute counts only for the kinds it is the size of: a printer's
`display_diagonal` is its control panel's, a headphone's `cable_length` is no "3.5mm" jack
(sizes of one family, lengths, compare whatever they measure), and an audio cable is named
by its plugs as often as by its length. Declared, reviewable like the taxonomy.
"""

from __future__ import annotations

from collections.abc import Mapping

# attribute -> (its unit, as canonical size tokens write it: "55in", "2m"; the category paths,
# prefixes, of the products it is the size of)
SIZE_ATTRIBUTES = {
    "display_diagonal": (
        "in",
        (
            "tv-video/tvs-displays",
            "computers/monitors",
            "computers/laptops",
            "computers/tablets-handhelds",
            "phones-wearables/",
        ),
    ),
    "cable_length": (
        "m",
        (
            "cables/video-cables",
            "cables/hdmi-cables",
            "cables/usb-cables",
            "cables/network-cables",
            "cables/power-cables",
            "cables/kvm-computer-cables",
            "cables/fibre-optic-cables",
            "cables/coaxial-cables",
        ),
    ),
}


def product_sizes(attributes: Mapping | None, category_path: str) -> list[str]:
    """The canonical size tokens ("42in", "1.8m") of the SIZE_ATTRIBUTES a product of this
    category states: positive numbers only (a feed's 0 means unknown)."""
    tokens = []
    for name, (unit, categories) in SIZE_ATTRIBUTES.items():
        value = (attributes or {}).get(name)
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > 0
            and category_path.startswith(categories)
        ):
            tokens.append(f"{value:g}{unit}")
    return tokens
