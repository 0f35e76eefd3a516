"""The features a product flags: Icecat's yes/no attributes ("bluetooth": true, "wi_fi": false).

A shopper typing "bluetooth speaker" or "wifi printer" names a feature the catalog states for
many products only in their attributes, so the title alone cannot tell the speakers that have
it from those that lack it. The flags a product sets true are its features, those it sets false
what it lacks, under the attribute's name ("wi_fi"); what comes in the box and compliance
flags name nothing a shopper searches by. A few attributes name features in their text
(NAMED_FEATURES: "Wired" or "Wireless"), and a port a product counts one of is a feature too
(CONNECTORS: "vga_d_sub_ports_quantity": 1 is a VGA port), and so is a display's 4K
(`hd_type`, FOUR_K).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .attribute_values import text_values, text_words

# Flags naming what comes in the box or a certificate, not something the product does: a
# "manual" flag is a printed manual, and "manual coffee grinder" asks for none.
NOT_FEATURE_WORDS = frozenset({"manual", "guide", "included", "drivers", "compliance"})
# Attributes whose text names one or more of a closed set of features: Icecat's
# `connectivity_technology` is "Wired", "Wireless" or "Wired & Wireless" (854 Chorus products:
# headphones, mice, keyboards, adapters), and a wired headphone lacks what "wireless
# headphones" asks for.
NAMED_FEATURES = {"connectivity_technology": frozenset({"wired", "wireless"})}
# Attributes stating a connector, by count or by flag -> the connector as shoppers name it.
# Icecat counts most ports instead of flagging them: of the 199 Chorus monitors, 138 count VGA
# ports, 63 DVI-D and 44 DisplayPorts, none flags them, so "vga monitor" could not tell monitors
# from the VGA cables its words match. Declared, reviewable like the taxonomy.
CONNECTORS = {
    "vga_d_sub_ports_quantity": "vga",
    "hdmi_ports_quantity": "hdmi",
    "displayports_quantity": "displayport",
    "mini_displayports_quantity": "mini_displayport",
    "dvi_d_ports_quantity": "dvi",
    "dvi_i_ports_quantity": "dvi",
    "dvi_ports_quantity": "dvi",
    "dvi_port": "dvi",
    "thunderbolt_3_ports_quantity": "thunderbolt",
    "thunderbolt_ports_quantity": "thunderbolt",
    "usb_type_c_ports_quantity": "usb_c",
    "usb_2_0_type_c_ports_quantity": "usb_c",
    "usb_3_2_gen_1_3_1_gen_1_type_c_ports_quantity": "usb_c",
    "usb_3_2_gen_2_3_1_gen_2_type_c_ports_quantity": "usb_c",
    "esata_ports_quantity": "esata",
    "scart_ports_quantity": "scart",
}

# Icecat's `hd_type` places a display on a resolution scale ("HD", "Full HD", "Quad HD", "4K
# Ultra HD", "8K Ultra HD"): shoppers ask for 4K by name ("4k tv", "4k laptop"), which a Full HD
# set lacks and an 8K one has. Its "Not supported" names no resolution.
FOUR_K, HD_TYPE, NO_HD_TYPE = "4k", "hd_type", "not supported"
RESOLUTION_CLASS = re.compile(r"\b(\d+)k\b")


def is_feature(name: str) -> bool:
    return NOT_FEATURE_WORDS.isdisjoint(name.split("_"))


def product_features(attributes: Mapping | None) -> tuple[list[str], list[str]]:
    """(the features it has, those it lacks), sorted: the flags it sets true and false, the
    features its NAMED_FEATURES attributes name and do not name, the CONNECTORS it counts or
    flags, and whether its `hd_type` is 4K or more."""
    having, lacking = set(), set()
    for name, value in (attributes or {}).items():
        if isinstance(value, bool) and is_feature(name):
            (having if value else lacking).add(CONNECTORS.get(name, name))
        elif name in CONNECTORS and isinstance(value, int | float):
            (having if value > 0 else lacking).add(CONNECTORS[name])
        elif name == HD_TYPE and (has_4k := is_4k(value)) is not None:
            (having if has_4k else lacking).add(FOUR_K)
        elif name in NAMED_FEATURES:
            # A feed may list the values ["Wired", "Wireless"], as colour attributes do.
            named = NAMED_FEATURES[name].intersection(text_words(value))
            if named:
                having |= named
                lacking |= NAMED_FEATURES[name] - named
    return sorted(having), sorted(lacking - having)


def is_4k(hd_type: object) -> bool | None:
    """True for a resolution class of 4K or more ("4K Ultra HD", "8K Ultra HD"), False for a
    lower one ("Full HD", "2K Ultra HD", "WUXGA"), None when it names none."""
    classes = [text for text in map(str.casefold, text_values(hd_type)) if text.strip() != NO_HD_TYPE]
    if not classes:
        return None
    return any(int(number) >= 4 for text in classes for number in RESOLUTION_CLASS.findall(text))


# Words before a feature's word that deny it: Icecat titles say "Non-Backlit", a shopper may
# type "non backlit keyboard".
NEGATIONS = ("non", "no", "without")
# Words a shopper writes for a word of a feature's name: keyboards flag "backlight", shoppers
# type "backlit keyboard". Declared here, reviewable like the taxonomy.
WORD_FORMS = {"backlight": ("backlit",)}


def feature_spellings(name: str) -> list[tuple[str, ...]]:
    """The feature's words as named ("led_backlight": led, backlight) and as shoppers may
    write them (WORD_FORMS: led, backlit)."""
    spellings: list[tuple[str, ...]] = [()]
    for word in name.split("_"):
        spellings = [
            (*spelling, form) for spelling in spellings for form in (word, *WORD_FORMS.get(word, ()))
        ]
    return spellings


def feature_forms(name: str) -> tuple[str, ...]:
    """How a query writes the feature: "wi_fi" as "wi fi" or "wifi"; its words in any order
    as their sorted form ("keyboard_backlit", typed "backlit keyboard"); in any WORD_FORMS."""
    return tuple(
        dict.fromkeys(
            form
            for words in feature_spellings(name)
            for form in (" ".join(words), "".join(words), unordered_form(words))
        )
    )


def unordered_form(words: Sequence[str]) -> str:
    """Words in whatever order, as one key: sorted."""
    return " ".join(sorted(words))
