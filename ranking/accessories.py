"""Accessories named after what they fit: "Kensington Laptop Sleeve", "CHERRY Keyboard cover",
"Philips SlimShell for iPhone 3G". Their titles carry the query's word ("laptop", "keyboard",
"iphone") as a modifier, so BM25 ranks them with, often above, the thing itself (short titles
score high). A shopper typing "laptops" wants laptops; one typing "laptop sleeve" names the
accessory and gets no demotion.

A title word is an accessory *target* when an accessory noun follows it within
`FOLLOWING_WINDOW` words ("laptop cooling stand") or "for" precedes it within
`FOR_WINDOW` words ("for apple ipod"). The noun list is declared here, reviewable like the
taxonomy; both sides go through `words.stem`, so plurals fold alike.

Products holding the query's product as a part are the same trap: Icecat titles PCs
"... 8 GB DDR4-SDRAM 256 GB SSD Tower", while SSDs say "internal solid state drive", so
"ssd" found only PCs. A word a title sizes with a capacity is a *component* there; the first
stage demotes it like an accessory when the hit is filed under another category than the
query's clear intent (searchapp/pipeline.py PreRank).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .words import TOKEN, stem

ACCESSORY_NOUNS_RAW = (
    # carrying and protection
    "case", "cases", "cover", "covers", "sleeve", "sleeves", "bag", "bags", "backpack", "backpacks",
    "briefcase", "skin", "skins", "shell", "folio", "protector", "protectors", "film", "guard",
    "strap", "straps",
    # holding and mounting
    "holder", "holders", "mount", "mounts", "mounting", "stand", "stands", "arm", "bracket",
    "brackets", "cradle", "dock", "docking", "lock", "locks",
    # power and connection
    "cable", "cables", "cord", "cords", "adapter", "adapters", "charger", "chargers", "tip",
    # cooling, cleaning, parts and consumables
    "cooler", "coolers", "cooling", "pad", "pads", "mat", "cleaner", "cleaning", "replacement",
    "spare", "accessory", "accessories", "lens", "filter", "filters", "remote", "toner", "ink",
    "cartridge", "cartridges", "drum",
)  # fmt: skip
# Not listed: "battery" ("AA batteries" are what the query "aa" asks for, not an accessory of it).
ACCESSORY_NOUNS = frozenset(stem(word) for word in ACCESSORY_NOUNS_RAW)
FOLLOWING_WINDOW = 2
FOR_WINDOW = 3
# A capacity and the word it sizes: "256 GB SSD", "1512 GB HDD+SSD". "500 GB Black" yields
# "black" too, which is harmless: no query names a colour as the product it asks for.
SIZED_PART = re.compile(r"\b\d+(?:[.,]\d+)?\s?[mgt]b\s+([a-z][\w+-]*)")


def accessory_targets(title_tokens: Sequence[str]) -> frozenset[str]:
    """The title's words that an accessory is named after (stemmed, as `title_tokens`)."""
    targets = set()
    for position, word in enumerate(title_tokens):
        if word in ACCESSORY_NOUNS:
            continue
        following = title_tokens[position + 1 : position + 1 + FOLLOWING_WINDOW]
        preceding = title_tokens[max(0, position - FOR_WINDOW) : position]
        if "for" in preceding or any(other in ACCESSORY_NOUNS for other in following):
            targets.add(word)
    return frozenset(targets)


def component_words(title: str) -> frozenset[str]:
    """The (stemmed) words a title names with a capacity: parts of the titled product
    ("... 8 GB DDR4-SDRAM 256 GB SSD Tower PC" holds an SSD, "1512 GB HDD+SSD" two drives;
    the PC is neither)."""
    return frozenset(
        stem(word) for parts in SIZED_PART.findall(title.casefold()) for word in TOKEN.findall(parts)
    )


def product_and_target(query_words: Sequence[str]) -> tuple[Sequence[str], Sequence[str]] | None:
    """A query "<product> for <target>" split at its first inner "for": "case for iphone"
    asks for a case, "mount for samsung tv" for a mount; None without one."""
    last = len(query_words) - 1
    inner = next((i for i, word in enumerate(query_words) if word == "for" and 0 < i < last), None)
    if inner is None:
        return None
    return query_words[:inner], query_words[inner + 1 :]


def product_head(query_words: Sequence[str], brand_words: Iterable[str]) -> str | None:
    """The (stemmed) word naming the product the query asks for: its last word that is
    neither the brand nor a number or size ("kids headphone" -> "headphone", "iphone 7" ->
    "iphone", "ssd 500gb" -> "ssd", "dell" -> None), before "for" when words follow it ("memory
    for hp laptop" -> "memory"). None when the query names an accessory itself ("laptop
    sleeve", "ink for hp printer")."""
    split = product_and_target(query_words)
    if split is not None:
        query_words = split[0]
    if not ACCESSORY_NOUNS.isdisjoint(query_words):
        return None
    brands = frozenset(brand_words)
    for word in reversed(query_words):
        if word not in brands and not word[:1].isdigit():
            return word
    return None
