"""The features a product flags: Icecat's yes/no attributes ("bluetooth": true, "wi_fi": false).

A shopper typing "bluetooth speaker" or "wifi printer" names a feature the catalog states for
many products only in their attributes, so the title alone cannot tell the speakers that have
it from those that lack it. The flags a product sets true are its features, those it sets false
what it lacks, under the attribute's name ("wi_fi"); what comes in the box and compliance
flags name nothing a shopper searches by.
"""

from __future__ import annotations

from collections.abc import Mapping

# Flags naming what comes in the box or a certificate, not something the product does: a
# "manual" flag is a printed manual, and "manual coffee grinder" asks for none.
NOT_FEATURE_WORDS = frozenset({"manual", "guide", "included", "drivers", "compliance"})


def is_feature(name: str) -> bool:
    return NOT_FEATURE_WORDS.isdisjoint(name.split("_"))


def product_features(attributes: Mapping | None) -> tuple[list[str], list[str]]:
    """(the features it flags true, those it flags false), sorted attribute names."""
    having, lacking = [], []
    for name, flag in (attributes or {}).items():
        if isinstance(flag, bool) and is_feature(name):
            (having if flag else lacking).append(name)
    return sorted(having), sorted(lacking)


def feature_forms(name: str) -> tuple[str, ...]:
    """How a query writes the feature: "wi_fi" as "wi fi" or "wifi"."""
    words = name.split("_")
    return tuple(dict.fromkeys((" ".join(words), "".join(words))))
