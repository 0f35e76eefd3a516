"""Read the generic JSON Lines product format (data/README.md): one JSON object per line.

Plain or gzip-compressed (".gz"); read line by line, so files of any size stream.
"""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from .records import SourceRow


def is_jsonl(path: Path) -> bool:
    return path.name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"))


def iter_jsonl(path: Path) -> Iterator[SourceRow]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            location = f"{path.name} line {number}"
            try:
                yield SourceRow(location, json.loads(line))
            except json.JSONDecodeError as error:
                yield SourceRow(location, {}, f"invalid JSON: {error.msg} at column {error.colno}")
