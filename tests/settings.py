"""Test settings: the real PostgreSQL and Redis when they answer (REQUIRE_SERVICES=1 makes
a missing one an error instead of a fallback), an isolated data directory, the real model."""

import os
import socket
import tempfile
from urllib.parse import urlparse

os.environ.setdefault("SEARCH_DATA_DIR", tempfile.mkdtemp(prefix="search-tests-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The ONNX export is derived from the model alone: keep it across test sessions.
os.environ.setdefault(
    "EMBEDDINGS_CACHE_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test-embeddings")
)

from searchapp.settings import *  # noqa: F403
from searchapp.settings import REST_FRAMEWORK, env

TEST_DATABASE_URL = env.str("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = _answers(TEST_DATABASE_URL)
REDIS_AVAILABLE = _answers(TEST_REDIS_URL)
if REQUIRE_SERVICES and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise RuntimeError(
        f"REQUIRE_SERVICES=1 but PostgreSQL ({TEST_DATABASE_URL}: {POSTGRES_AVAILABLE}) "
        f"or Redis ({TEST_REDIS_URL}: {REDIS_AVAILABLE}) is not answering"
    )

if POSTGRES_AVAILABLE:
    DATABASES = {"default": env.db_url_config(TEST_DATABASE_URL)}
if REDIS_AVAILABLE:
    REDIS_URL = TEST_REDIS_URL
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL}
    }

# Tests that need a real worker start one (celery.contrib.testing) against this broker;
# everything else runs tasks eagerly.
# Its own Redis db: tests clear the cache db between cases.
CELERY_TEST_BROKER_URL = (
    env.str("TEST_BROKER_URL", default="redis://127.0.0.1:6379/14") if REDIS_AVAILABLE else "memory://"
)
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/min",
        "search": "100000/min",
        "suggest": "100000/min",
        "events": "100000/min",
    },
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
