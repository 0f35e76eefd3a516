"""Indexing state kept in the database."""

import hashlib

from django.db import models


class EmbeddingCache(models.Model):
    """A document vector keyed by content hash, so re-indexing unchanged text never re-encodes.

    Keyed by model name as well as text: switching EMBEDDINGS_MODEL must not reuse vectors from
    another vector space. Rows are immutable (same key, same vector), hence no updated_at."""

    key = models.CharField(max_length=64, primary_key=True)
    vector = models.BinaryField(help_text="float32 little-endian bytes, L2-normalised")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cached embedding"

    def __str__(self):
        return self.key

    @staticmethod
    def key_for(model_name: str, text: str) -> str:
        return hashlib.sha256(f"{model_name}\0{text}".encode()).hexdigest()
