"""A ranker's trees compiled to native code (lleaves, through LLVM) for serving.

LightGBM's own predict spends most of a search's call on per-call work (input checks,
ctypes, thread set-up): on the dev queries' real lists (200 rows, 124 four-leaf trees) it
takes 0.67 ms p50, the compiled trees 0.12 ms with the float32 -> float64 copy included, and
the scores agree to 1e-14 (float64 throughout; tests/ranking/test_compiled_trees.py holds them
equal, missing values included).

The machine code is specific to the host CPU and to the lleaves and llvmlite versions, so
the cache file is named after them and the model file's hash: a version registered on one
host and served on another compiles there once. lleaves runs a cached file without any
check, and damaged machine code would crash the worker rather than raise, so the name also
carries the hash of the file's own bytes: a file that does not match it (a full disk, a
copy gone wrong) is deleted and the model compiled afresh. A process writes the file under
its own temporary name and renames it, so no process reads another's half-written file.

Without lleaves (or when LLVM refuses the model), serving keeps LightGBM's predict and logs
why: the same order, slower. `RANKING_COMPILE_TREES=0` keeps it too.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from pathlib import Path

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

Scorer = Callable[[np.ndarray], np.ndarray]


def compiled_scorer(model_path: Path, cache_dir: Path) -> Scorer | None:
    """The model's raw scores from compiled trees, or None (see the module docstring)."""
    if not settings.RANKING_COMPILE_TREES:
        return None
    try:
        import lleaves
        import llvmlite.binding as llvm

        model = lleaves.Model(model_file=str(model_path))
        key = cache_key(model_path, llvm)
        cached = intact_cache_file(cache_dir, key)
        if cached is not None:
            model.compile(cache=str(cached))
        else:
            cache_dir.mkdir(parents=True, exist_ok=True)
            written = cache_dir / f"{key}.{os.getpid()}.tmp"
            model.compile(cache=str(written))
            if written.exists():
                os.replace(written, cache_dir / f"{key}.{content_hash(written.read_bytes())}.o")
    # lleaves surfaces LLVM's and its parser's failures as assorted exception types; any of
    # them leaves serving on LightGBM's predict, which scores the same.
    except Exception as error:
        logger.warning("ranker %s served by LightGBM's predict: compiling failed: %r", model_path.name, error)
        return None
    # One thread: 200 rows are scored before threads could be woken up.
    return partial(model.predict, n_jobs=1)


def cache_key(model_path: Path, llvm) -> str:
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # LLVM cannot read this CPU's features: the name alone keys it
        features = ""
    host = f"{llvm.get_host_cpu_name()}|{features}|{version('lleaves')}|{version('llvmlite')}"
    digest = hashlib.sha256(model_path.read_bytes())
    digest.update(host.encode())
    return digest.hexdigest()[:32]


def intact_cache_file(cache_dir: Path, key: str) -> Path | None:
    """The cached machine code for `key` whose bytes match the hash in its name; any other
    file for the key is damaged, and deleted."""
    for path in cache_dir.glob(f"{key}.*.o"):
        if content_hash(path.read_bytes()) == path.name.split(".")[1]:
            return path
        logger.warning("compiled ranker %s is damaged: compiling it again", path.name)
        path.unlink(missing_ok=True)
    return None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]
