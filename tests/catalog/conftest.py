import json

import pytest

from .factories import SMALL_CATALOG, load_rows


@pytest.fixture
def write_jsonl(tmp_path):
    """Write rows (dicts, or raw strings for broken lines) as a JSON Lines file; returns its path."""

    def write(rows, name="products.jsonl"):
        path = tmp_path / name
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_catalog(db):
    load_rows(SMALL_CATALOG)
