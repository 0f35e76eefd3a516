"""The "visual" vector space: document images (product pictures, video thumbnails) and query
texts encoded into one space by a CLIP-style model, for a recall channel that matches what
a product looks like.

Off unless VISUAL_MODEL_PATH names a sentence-transformers CLIP model directory (nothing is
downloaded): `get_visual_encoder()` is then None and nothing visual is indexed or searched.
An image that cannot be loaded only costs its document the visual vector (logged), never
the rebuild.
"""

from __future__ import annotations

import io
import logging
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlparse

import numpy as np
from django.conf import settings

from .embeddings import EmbeddingStats, vectors_through_cache

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

IMAGE_FETCH_TIMEOUT_SECONDS = 3.0
# A thumbnail is tens of kilobytes; anything far larger is not one.
IMAGE_MAX_BYTES = 10_000_000
# Fetching is I/O bound: a few images in flight hide the network latency.
IMAGE_FETCH_THREADS = 8
ENCODE_BATCH_SIZE = 32


class VisualEncoder(Protocol):
    """Images and texts into one L2-normalised float32 space of `dim` dimensions."""

    # Names the vector space: cached vectors are keyed by it.
    model_name: str
    dim: int

    def encode_images(self, images: Sequence[Image]) -> np.ndarray: ...

    def encode_text(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerVisualEncoder:
    """A CLIP model loaded by sentence-transformers, which encodes PIL images and texts
    alike (its Transformer module routes each to the image or text tower)."""

    def __init__(self, path: str, device: str | None = None):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device=device or settings.EMBEDDINGS_DEVICE)
        self.model_name = f"visual:{path}"
        self.dim = self.model.get_embedding_dimension()

    def encode_images(self, images: Sequence[Image]) -> np.ndarray:
        return self._encode(list(images))

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(list(texts))

    def _encode(self, inputs: list) -> np.ndarray:
        if not inputs:
            return np.zeros((0, self.dim), np.float32)
        vectors = self.model.encode(
            inputs, batch_size=ENCODE_BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


@cache
def get_visual_encoder() -> VisualEncoder | None:
    path = getattr(settings, "VISUAL_MODEL_PATH", "")
    return SentenceTransformerVisualEncoder(path) if path else None


def reset_visual_encoder() -> None:
    """Forget the process-wide encoder (tests that change VISUAL_MODEL_PATH)."""
    get_visual_encoder.cache_clear()


def load_image(source: str, timeout: float = IMAGE_FETCH_TIMEOUT_SECONDS) -> Image:
    """An RGB image from a local path, a file:// URL or an http(s) URL; raises OSError or
    ValueError when it cannot be read or decoded."""
    from PIL import Image

    parsed = urlparse(source)
    if parsed.scheme in ("http", "https"):
        with urllib.request.urlopen(source, timeout=timeout) as response:
            data = response.read(IMAGE_MAX_BYTES + 1)
        if len(data) > IMAGE_MAX_BYTES:
            raise ValueError(f"larger than {IMAGE_MAX_BYTES} bytes")
    elif parsed.scheme in ("file", ""):
        data = Path(unquote(parsed.path) if parsed.scheme else source).read_bytes()
    else:
        raise ValueError(f"unsupported image URL scheme {parsed.scheme!r}")
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def embed_images(docs: Sequence, encoder: VisualEncoder | None = None) -> EmbeddingStats:
    """Set `doc.visual_vector` from `doc.image_url` for each `SearchDocument` that has one,
    through the embedding cache (keyed by encoder and URL, so a rebuild neither refetches
    nor re-encodes). Images that fail to load are skipped with a warning."""
    encoder = encoder or get_visual_encoder()
    if encoder is None:
        return EmbeddingStats()
    urls = [doc.image_url for doc in docs if doc.image_url]
    vectors, encoded = vectors_through_cache(
        encoder.model_name, urls, lambda missing: _encode_urls(encoder, missing)
    )
    for doc in docs:
        doc.visual_vector = vectors.get(doc.image_url) if doc.image_url else None
    return EmbeddingStats(
        encoded=encoded,
        cached=len(vectors) - encoded,
        images=sum(doc.visual_vector is not None for doc in docs),
    )


def _encode_urls(encoder: VisualEncoder, urls: list[str]) -> list[np.ndarray | None]:
    with ThreadPoolExecutor(IMAGE_FETCH_THREADS) as pool:
        images = list(pool.map(_load_or_none, urls))
    loaded = [i for i, image in enumerate(images) if image is not None]
    vectors: list[np.ndarray | None] = [None] * len(urls)
    encoded = encoder.encode_images([images[i] for i in loaded])
    for i, vector in zip(loaded, encoded, strict=True):
        vectors[i] = vector
    return vectors


def _load_or_none(url: str) -> Image | None:
    try:
        return load_image(url)
    except Exception as error:  # any unreadable image only loses its document's visual vector
        logger.warning("visual: skipping image %s: %s: %s", url, type(error).__name__, error)
        return None
