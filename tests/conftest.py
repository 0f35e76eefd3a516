import pytest
from django.conf import settings
from django.core.cache import cache

from indexing.backends import reset_backends


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty Django cache (query vectors, throttles, versions)."""
    cache.clear()


@pytest.fixture
def local_index_dir(tmp_path, settings):
    """A fresh local-backend directory for this test; the backend factory forgets old ones."""
    path = tmp_path / "index"
    settings.SEARCH_BACKENDS = {
        **settings.SEARCH_BACKENDS,
        "local": {**settings.SEARCH_BACKENDS["local"], "PATH": str(path)},
    }
    settings.SEARCH_DEFAULT_BACKEND = "local"
    reset_backends()
    yield path
    reset_backends()


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {db}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
