"""Backend selection by setting, as Django does for caches: SEARCH_BACKENDS[alias]["BACKEND"]
names a module exposing `SearchBackend`."""

from functools import cache
from importlib import import_module

from django.conf import settings

from .base import BaseSearchBackend


@cache
def get_backend(alias: str | None = None) -> BaseSearchBackend:
    alias = alias or settings.SEARCH_DEFAULT_BACKEND
    try:
        params = settings.SEARCH_BACKENDS[alias]
    except KeyError:
        raise ValueError(f"no search backend named {alias!r} in SEARCH_BACKENDS") from None
    module = import_module(params["BACKEND"])
    return module.SearchBackend(alias, params)


def reset_backends() -> None:
    """Forget constructed backends (tests change settings between cases)."""
    get_backend.cache_clear()
