"""Read the Chorus (Icecat) catalog: zip files, each holding one big JSON array of products.

The arrays are tens of megabytes, so they are decoded incrementally, one object at a time,
from a buffered text stream (`json.JSONDecoder.raw_decode`), never loaded whole.
Each product is mapped to the generic record format (records.py); the marketplace fields
Chorus lacks come from synthetic.py and are labelled synthetic there.
"""

import functools
import io
import json
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from .records import SourceRow
from .synthetic import marketplace_fields

_READ_SIZE = 1 << 20
# No product is anywhere near this big; a longer undecodable run is a broken file, not a long item.
_MAX_ITEM_SIZE = 16 << 20
_decoder = json.JSONDecoder()
_ATTRIBUTE_PREFIX = re.compile(r"^attr_[tnb]_")


class MalformedArray(ValueError):
    pass


def iter_json_array(stream: io.TextIOBase) -> Iterator[object]:
    """Yield the items of the JSON array in `stream`, holding at most one read ahead in memory."""
    buffer, position, started = "", 0, False
    while True:
        # Skip the separators between items; read more when the buffer runs dry.
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position < len(buffer):
                break
            buffer, position = stream.read(_READ_SIZE), 0
            if not buffer:
                raise MalformedArray("unexpected end of file inside the array")
        if not started:
            if buffer[position] != "[":
                raise MalformedArray("expected a JSON array")
            started, position = True, position + 1
            continue
        if buffer[position] == "]":
            return
        try:
            item, end = _decoder.raw_decode(buffer, position)
        except json.JSONDecodeError as error:
            more = stream.read(_READ_SIZE)
            if not more or len(buffer) - position > _MAX_ITEM_SIZE:
                raise MalformedArray(f"invalid JSON: {error.msg}") from None
            # The item straddles the read boundary: keep its start and read on.
            buffer, position = buffer[position:] + more, 0
            continue
        yield item
        position = end


@functools.lru_cache(maxsize=16384)
def readable_attribute_key(key: str) -> str:
    """'attr_t_dimensions__wxdxh_' -> 'dimensions_wxdxh'."""
    return re.sub(r"_+", "_", _ATTRIBUTE_PREFIX.sub("", key)).strip("_")


def readable_attributes(item: dict) -> dict:
    return {
        readable_attribute_key(key): value.replace("\\n", "\n").strip() if isinstance(value, str) else value
        for key, value in item.items()
        if _ATTRIBUTE_PREFIX.match(key)
    }


def to_generic(item: dict) -> dict:
    """One Chorus product in the generic record format (data/README.md)."""
    external_id = str(item.get("id", "")).strip()
    brand = (item.get("supplier") or "").strip() or None
    cents = item.get("price")
    return {
        "id": external_id,
        "title": item.get("title"),
        "description": item.get("short_description") or "",
        "brand": brand,
        # Chorus prices are integer US cents; anything else fails validation as "not a number".
        "price": Decimal(cents) / 100 if isinstance(cents, int) and not isinstance(cents, bool) else cents,
        "currency": "USD",
        "image_url": item.get("img_500x500") or "",
        "released_at": item.get("date_released"),
        "attributes": readable_attributes(item),
        **marketplace_fields(external_id, brand),
    }


def iter_chorus(path: Path) -> Iterator[SourceRow]:
    """Every product of every JSON member of a Chorus zip, as generic-format rows."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".json"):
                continue
            with archive.open(member) as raw:
                stream = io.TextIOWrapper(raw, encoding="utf-8")
                decoded = 0
                try:
                    for item in iter_json_array(stream):
                        fields = to_generic(item) if isinstance(item, dict) else item
                        yield SourceRow(f"{path.name}:{member}[{decoded}]", fields)
                        decoded += 1
                except (MalformedArray, UnicodeDecodeError) as error:
                    # A broken file loses its remaining items, not the whole import.
                    yield SourceRow(
                        f"{path.name}:{member}[{decoded}]", {}, f"{error}; rest of member skipped"
                    )
