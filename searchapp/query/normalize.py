"""Query normalisation: the one canonical spelling every other query-understanding part
(and the spelling dictionary, built from catalog text with the same function) works on.

- Unicode NFKC (full-width and compatibility forms fold to plain ones), then casefold.
- Format characters (zero-width spaces, bidi marks) are dropped; control characters (NUL,
  tabs, newlines) become spaces.
- Punctuation becomes a space, except inside a token ("tn-2110", "usb-c", "3.5mm", "at&t"),
  so model numbers stay whole, and a currency sign before a number ("$20"), which the price
  extractor reads.
- Numbers with units get one canonical token: "1 TB", "1tb" and "1000GB" all become "1tb";
  "2.0 m" becomes "2m"; 27" and "27-inch" become "27in" (indexed text has it beside the
  number: indexing/units.py). Tokens that merely contain digits ("wh-1000xm4",
  "006r90321") are never split or rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from indexing.units import inches_as_units

# Enough for any real query; longer input is cut so every later step stays cheap.
MAX_NORMALIZED_CHARS = 512

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = {ord(c): '"' for c in "\u201c\u201d\u201e\u2033\u00ab\u00bb"} | {
    ord(c): "'" for c in "\u2018\u2019\u201a\u2032"
}
# Joiners kept only between two alphanumerics; everything else that is not a word character,
# a currency sign or an inch mark is a separator.
_JOINED = re.compile(r"(?<=[^\W_])[-./+&'](?=[^\W_])")
_JOIN_PLACEHOLDER = {"-": "\x01", ".": "\x02", "/": "\x03", "+": "\x04", "&": "\x05", "'": "\x06"}
_RESTORE_JOINERS = {ord(v): k for k, v in _JOIN_PLACEHOLDER.items()}
_CURRENCY_BEFORE_NUMBER = re.compile(r"([$€£])\s*(?=\d)")
_CURRENCY_AFTER_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*([$€£])")
_SEPARATORS = re.compile(r"[^\w\s$€£\x01-\x06]|_")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

# unit spelling -> (canonical unit, scale family or None). Only whole tokens are read as units.
_UNIT_ALIASES = {
    "b": "b", "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb", "pb": "pb",
    "gig": "gb", "gigs": "gb", "gigabyte": "gb", "gigabytes": "gb", "terabyte": "tb", "terabytes": "tb",
    "megabyte": "mb", "megabytes": "mb",
    "mm": "mm", "cm": "cm", "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
    "ft": "ft", "feet": "ft", "foot": "ft",
    "in": "in", "inch": "in", "inches": "in",
    "w": "w", "watt": "w", "watts": "w", "kw": "kw", "v": "v", "volt": "v", "volts": "v",
    "mah": "mah", "hz": "hz", "khz": "khz", "mhz": "mhz", "ghz": "ghz",
    "mp": "mp", "megapixel": "mp", "megapixels": "mp", "mbps": "mbps", "gbps": "gbps",
}  # fmt: skip
# Units a bare word may follow a number as ("2 m"); "in" is left out: "2 in 1 laptop".
_SEPARABLE_UNITS = set(_UNIT_ALIASES) - {"in", "b", "m", "v", "w"} | {"inch", "inches"}
_CAPACITY_STEPS = ("b", "kb", "mb", "gb", "tb", "pb")
_NUMBER_WITH_UNIT = re.compile(r"^(\d+(?:\.\d+)?)([a-z]+)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def normalize(raw: str) -> str:
    """The canonical form of a query (or of catalog text): lowercase tokens, one space apart."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(_without_control(char) for char in text)
    text = text.translate(_DASHES).translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    text = inches_as_units(text)
    text = _CURRENCY_AFTER_NUMBER.sub(r" \2\1 ", text)
    text = _CURRENCY_BEFORE_NUMBER.sub(r" \1", text)
    text = _JOINED.sub(lambda match: _JOIN_PLACEHOLDER[match.group()], text)
    text = _SEPARATORS.sub(" ", text).translate(_RESTORE_JOINERS)
    # A currency sign left alone (not before a number) says nothing.
    tokens = [token for token in text[: MAX_NORMALIZED_CHARS * 2].split() if token.strip("$€£")]
    return " ".join(canonical_units(tokens))[:MAX_NORMALIZED_CHARS].rstrip()


def _without_control(char: str) -> str:
    # Format characters (zero-width spaces, bidi marks) sit inside words: drop them; other
    # control characters (tabs, newlines, NUL) separate words.
    category = unicodedata.category(char)
    if category[0] != "C":
        return char
    return "" if category == "Cf" else " "


def canonical_units(tokens: list[str]) -> list[str]:
    """Merge "1 tb" into one token and rewrite number+unit tokens canonically."""
    merged: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if _NUMBER.match(token) and following in _SEPARABLE_UNITS:
            merged.append(unit_token(token, _UNIT_ALIASES[following]))
            index += 2
            continue
        match = _NUMBER_WITH_UNIT.match(token)
        if match and match.group(2) in _UNIT_ALIASES:
            token = unit_token(match.group(1), _UNIT_ALIASES[match.group(2)])
        merged.append(token)
        index += 1
    return merged


def unit_token(number: str, unit: str) -> str:
    """Canonical unit token: ("1000", "gb") -> "1tb"; ("2.0", "m") -> "2m". Capacities move up while they divide evenly
    by 1000 (drive makers' units) or 1024 (memory makers')."""
    try:
        value = Decimal(number)
    except InvalidOperation:
        return number + unit
    if unit in _CAPACITY_STEPS:
        step = _CAPACITY_STEPS.index(unit)
        while step + 1 < len(_CAPACITY_STEPS) and value >= 1000:
            if value % 1000 == 0:
                value /= 1000
            elif value % 1024 == 0:
                value /= 1024
            else:
                break
            step += 1
        unit = _CAPACITY_STEPS[step]
    return f"{format_number(value)}{unit}"


def format_number(value: Decimal) -> str:
    """Decimal("2.0") -> "2", Decimal("1.50") -> "1.5"."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def split_unit(token: str) -> tuple[str, str] | None:
    """A canonical unit token's parts: "1tb" -> ("1", "tb"); None for any other token."""
    match = _NUMBER_WITH_UNIT.match(token)
    if match and match.group(2) in _UNIT_ALIASES.values():
        return match.group(1), match.group(2)
    return None


def in_gigabytes(token: str) -> str | None:
    """A terabyte token as catalogs also write it: "2tb" -> "2000 gb" (drive makers list
    "1000 GB" drives as often as "1 TB" ones); None for any other token."""
    unit = split_unit(token)
    if unit is None or unit[1] != "tb":
        return None
    return f"{format_number(Decimal(unit[0]) * 1000)} gb"
