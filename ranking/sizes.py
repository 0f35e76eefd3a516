"""Sizes a query asks for, against the sizes a title states.

A shopper typing "samsung tv 55 inch" or "1tb ssd" names the size they want; BM25 weighs
"55in" as one word of four, so a 40" Samsung TV outranked the second 55" one. Query
normalisation and catalog titles share one canonical unit spelling ("55in", "1tb", "2m",
searchapp/query/normalize.py), so both sides read as (family, value): lengths in cm,
capacities in GB, each other unit on its own scale.

A title fits a query's size when it states one within its family's tolerance of it (TV makers
list a "55-inch class" set as 54.6"; drive makers sell a "1 TB class" as 960, 1000 or 1024 GB),
or when its sizes of that family span it (a mount "for 32-55 inch TVs" fits "43 inch"; a
laptop's 8 GB RAM and 1 TB drive say nothing sure about "256gb"). A title stating sizes of the family, none of which
fits, is demoted the more the further off its nearest is. A title stating none is left alone:
many never state the size (descriptions do, as sizes of other things: compatible mounts,
cables in the box). Where a title states none, the catalog's size attribute for the kind may
(`display_diagonal` of a TV, `cable_length` of an HDMI cable: catalog/sizes.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import pairwise

from searchapp.query.normalize import normalize, split_unit

# unit -> (family, scale to the family's base unit)
UNIT_SCALES = {
    "mm": ("length", 0.1), "cm": ("length", 1.0), "m": ("length", 100.0),
    "in": ("length", 2.54), "ft": ("length", 30.48),
    "b": ("capacity", 1e-9), "kb": ("capacity", 1e-6), "mb": ("capacity", 1e-3),
    "gb": ("capacity", 1.0), "tb": ("capacity", 1e3), "pb": ("capacity", 1e6),
    "w": ("power", 1.0), "kw": ("power", 1e3),
    "hz": ("frequency", 1.0), "khz": ("frequency", 1e3), "mhz": ("frequency", 1e6),
    "ghz": ("frequency", 1e9),
    "mbps": ("bitrate", 1.0), "gbps": ("bitrate", 1e3),
    "v": ("voltage", 1.0), "mah": ("charge", 1.0), "mp": ("resolution", 1.0),
}  # fmt: skip
BARE_UNITS = frozenset({"m", "w", "v"})
NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Relative. Capacities come in classes 4% apart (480 / 500 / 512 GB, 960 GB / 1 TB): "ssd 1tb"
# put 1 TB hard drives before 960 GB SSDs at 3%. Elsewhere 3%: a 23" monitor is not a 24" one.
SIZE_TOLERANCE, FAMILY_TOLERANCE = 0.03, {"capacity": 0.05}
# A size this far off (relative) gets the whole demotion: 50" for 55", 16 GB for 32 GB.
FULL_DEMOTION_DISTANCE = 0.1

Sizes = Mapping[str, tuple[float, ...]]  # family -> values in its base unit, ascending


def sizes_in(tokens: Iterable[str]) -> Sizes:
    """The sizes among canonical tokens ("55in", "139.7cm" -> {"length": (139.7, 139.7)})."""
    found: dict[str, list[float]] = {}
    for token in tokens:
        unit = split_unit(token)
        if unit is None or unit[1] not in UNIT_SCALES:
            continue
        family, scale = UNIT_SCALES[unit[1]]
        found.setdefault(family, []).append(float(Decimal(unit[0])) * scale)
    return {family: tuple(sorted(values)) for family, values in found.items()}


def title_sizes(title: str) -> Sizes:
    return sizes_in(title_size_tokens(title))


def document_sizes(title: str, indexed: Iterable[str]) -> Sizes:
    """The sizes a document states: its title's and, for a family its title states none of,
    those its index entry holds (`size`: the catalog's size attributes, catalog/sizes.py; an
    index built before that field existed holds none). The title wins a family it states: it
    is what the shopper reads, and it may span sizes ("HDMI cable 1.5 m / 3 m" sets)."""
    return {**sizes_in(indexed), **title_sizes(title)}


def title_size_tokens(title: str) -> list[str]:
    """A title's canonical size tokens, a number before a bare "m", "w" or "v" included
    ("HDMI cable 1.5 m"): query normalisation leaves those apart (a shopper's "2 m" may mean
    anything), titles mean the unit."""
    tokens = normalize(title).split()
    joined = [
        number + unit for number, unit in pairwise(tokens) if unit in BARE_UNITS and NUMBER.match(number)
    ]
    return [token for token in (*tokens, *joined) if (unit := split_unit(token)) and unit[1] in UNIT_SCALES]


def size_distance(wanted: Sizes, stated: Sizes) -> float | None:
    """How far the title's sizes are from those the query asks for: 0 when it fits every
    family the query names a size of and it states sizes of, else the largest relative
    distance of such a family from its nearest fitting size (0.27 for a 40" TV asked as 55");
    None when the title states no size of those families."""
    distance = None
    for family, values in wanted.items():
        sizes = stated.get(family)
        if not sizes:
            continue
        tolerance = FAMILY_TOLERANCE.get(family, SIZE_TOLERANCE)
        nearest = min(relative_distance(value, sizes, tolerance) for value in values)
        distance = max(distance or 0.0, nearest)
    return distance


def relative_distance(value: float, sizes: tuple[float, ...], tolerance: float) -> float:
    if len(sizes) > 1 and sizes[0] < value < sizes[-1]:
        return 0.0
    distance = min(abs(size - value) / max(size, value) for size in sizes)
    return 0.0 if distance <= tolerance else distance


def size_factor(wanted: Sizes, stated: Sizes, demotion: float) -> float:
    """The factor for a title's sizes: 1 when they fit (or are not stated), `demotion` from
    FULL_DEMOTION_DISTANCE away, between them on a log scale, so nearer sizes come first
    (a 58" TV before a 40" one for "55 inch")."""
    distance = size_distance(wanted, stated)
    if not distance:
        return 1.0
    return demotion ** min(1.0, distance / FULL_DEMOTION_DISTANCE)
