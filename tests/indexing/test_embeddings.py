"""The embedder: shape and normalisation, the two-level query cache, the bf16 decision, which
runtime encodes queries and documents, and their faithfulness to torch fp32."""

import numpy as np
import pytest

from indexing.embedding_runtimes import TorchRuntime
from indexing.embeddings import (
    DOCUMENT_MAX_TOKENS,
    MIN_COSINE_TO_FP32,
    bundled_model_path,
    choose_precision,
    cpu_flags,
    fastest,
    normalise_query,
)


def test_documents_are_normalised_float32_rows(embedder):
    vectors = embedder.encode_documents(["wireless headphones", "toner cartridge", "hdmi cable 2m"])
    assert vectors.shape == (3, embedder.dimension) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_vector_matches_the_document_encoding(embedder):
    query = embedder.encode_query("Wireless   HEADPHONES")
    assert query.shape == (384,) and query.dtype == np.float32
    [document] = embedder.encode_documents(["wireless headphones"])
    assert float(query @ document) > 0.9999


def test_query_cache_answers_repeats_from_memory_then_the_shared_cache(embedder, monkeypatch):
    # given a query encoded once
    calls = []
    encode = embedder.encode_queries
    monkeypatch.setattr(embedder, "encode_queries", lambda texts: calls.append(texts) or encode(texts))
    first = embedder.encode_query("usb-c charger 65w cache test")

    # when it is asked again, with other case and spacing
    again = embedder.encode_query("  USB-C charger 65W   cache test")
    # and again after this process forgot it (the shared Django cache still has it)
    embedder.query_cache.clear()
    from_shared = embedder.encode_query("usb-c charger 65w cache test")

    # then the model ran once
    assert len(calls) == 1
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, from_shared)
    assert not first.flags.writeable


def test_normalise_query():
    assert normalise_query("  \uff23af\u00e9\tLATTE ") == "café latte"


def must_not_run():
    raise AssertionError("this check has no bearing on the outcome and must not cost its time")


def test_bf16_is_never_chosen_without_native_support():
    # given a CPU with avx2 only: neither the cosine nor the speed check is run
    assert choose_precision("auto", {"avx2", "fma"}, must_not_run, must_not_run) == "fp32"


@pytest.mark.parametrize(
    ("cosine", "expected"), [(0.9995, "bf16"), (MIN_COSINE_TO_FP32, "bf16"), (0.998, "fp32")]
)
def test_bf16_is_chosen_with_native_support_only_when_faithful(cosine, expected):
    assert choose_precision("auto", {"avx2", "avx512_bf16"}, lambda: cosine, lambda: True) == expected
    assert choose_precision("auto", {"amx_bf16"}, lambda: cosine, lambda: True) == expected


def test_faithful_native_bf16_slower_than_fp32_is_not_chosen():
    # AVX512-BF16 without AMX: torch bf16 encoded documents at 0.7x ONNX Runtime's fp32 rate
    assert choose_precision("auto", {"avx512_bf16"}, lambda: 1.0, lambda: False) == "fp32"
    # and a drifting bf16 is refused before its speed is measured
    assert choose_precision("auto", {"avx512_bf16"}, lambda: 0.9, must_not_run) == "fp32"


def test_fastest_names_the_quickest_call_after_warming_each_up():
    import time

    calls = []

    def timed(name, seconds):
        return lambda: calls.append(name) or time.sleep(seconds)

    assert fastest({"slow": timed("slow", 0.02), "quick": timed("quick", 0.0)}, rounds=2) == "quick"
    # one unmeasured call each, then the rounds in turns
    assert calls == ["slow", "quick"] * 3


def test_explicit_precision_wins_and_nonsense_is_refused():
    assert choose_precision("fp32", {"amx_bf16"}, lambda: 1.0, lambda: True) == "fp32"
    assert choose_precision("bf16", set(), lambda: 0.0, lambda: False) == "bf16"
    with pytest.raises(ValueError, match="EMBEDDINGS_PRECISION"):
        choose_precision("int4", set(), lambda: 1.0, lambda: True)


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_queries_run_on_onnx_runtime_documents_on_the_fastest_faithful_path(embedder):
    # Queries: ONNX Runtime (~3 ms a query on 2 cores; torch bf16 ~9 ms). Documents: torch
    # bf16 only where the CPU has it natively and it measured faster than ONNX fp32 at load.
    assert type(embedder.query_runtime).__name__ == "OnnxRuntime"
    if not cpu_flags() & {"avx512_bf16", "amx_bf16"}:
        assert embedder.precision == "fp32"
    expected_runtime = "TorchRuntime" if embedder.precision == "bf16" else "OnnxRuntime"
    assert type(embedder.runtime).__name__ == expected_runtime


def test_queries_encode_on_one_core_documents_on_all(embedder, settings):
    # A web server runs a worker per core: a query spread over every core slowed the others.
    queries = embedder.query_runtime.session.get_session_options()
    assert queries.intra_op_num_threads == settings.EMBEDDINGS_QUERY_THREADS == 1
    if type(embedder.runtime).__name__ == "OnnxRuntime":
        assert embedder.runtime.session.get_session_options().intra_op_num_threads == 0
    # A worker left spinning after a run competes with the rest of the search for the cores.
    assert queries.get_session_config_entry("session.force_spinning_stop") == "1"


def test_batches_group_texts_of_similar_token_counts(embedder, monkeypatch):
    # given texts whose character lengths order them unlike their word pieces: a model number
    # cuts into many pieces, a long plain word is one
    texts = ["tn2110 ab12 cd34", "internationalization", "hp q2612a 12a", "professional"]
    pieces = [len(embedder.tokenizer(text)["input_ids"]) for text in texts]
    assert pieces[0] > pieces[1] and len(texts[0]) < len(texts[1])
    alone = np.stack([embedder.encode_documents([text])[0] for text in texts])
    padded_lengths = []
    runtime = embedder.runtime

    def recording(features):
        padded_lengths.append(features["input_ids"].shape[1])
        return runtime(features)

    monkeypatch.setattr(embedder, "runtime", recording)
    monkeypatch.setattr(embedder, "batch_size", 2)

    # when they are encoded two at a time
    together = embedder.encode_documents(texts)

    # then the two longest in tokens share a batch, so neither batch pads a short text
    assert padded_lengths == sorted(pieces, reverse=True)[::2]
    # and each vector is the one the text gets alone
    assert float(np.min(np.sum(together * alone, axis=1))) > 0.9999


@pytest.mark.slow
def test_accelerated_runtime_matches_torch_fp32_on_real_titles(embedder, chorus_titles):
    # given torch fp32 running a freshly loaded copy of the same model
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    torch_fp32 = TorchRuntime(model[0].auto_model.eval())

    # when 200 real product titles go through the serving runtimes and through torch
    served = embedder.encode_documents(chorus_titles)
    as_queries = embedder.encode_queries(chorus_titles)
    reference = embedder._encode(chorus_titles, DOCUMENT_MAX_TOKENS, torch_fp32)

    # then every vector, document or query, is within the quality floor
    assert float(np.min(np.sum(served * reference, axis=1))) >= MIN_COSINE_TO_FP32
    assert float(np.min(np.sum(as_queries * reference, axis=1))) >= MIN_COSINE_TO_FP32


@pytest.fixture(scope="module")
def chorus_titles():
    import json
    import zipfile
    from pathlib import Path

    archive = Path(__file__).resolve().parents[2] / "data" / "chorus" / "products-1.json.zip"
    with zipfile.ZipFile(archive) as zipped:
        rows = json.load(zipped.open(zipped.namelist()[0]))
    return [row["title"] for row in rows[:200]]


@pytest.mark.django_db
def test_the_model_loads_only_when_something_must_be_encoded(embedder):
    from indexing.backends.base import SearchDocument
    from indexing.embeddings import SentenceTransformerEmbedder, embed_documents

    def document():
        return SearchDocument(
            id="product:1", doc_type="product", text={}, keywords={}, numbers={}, display={},
            embedding_text="lazy loading probe: usb-c docking station",
        )  # fmt: skip

    # given the text's vector in the cache (encoded by the loaded session embedder)
    embed_documents([document()], embedder)

    # when a fresh embedder indexes the same text
    fresh = SentenceTransformerEmbedder()
    cached = document()
    stats = embed_documents([cached], fresh)

    # then the vector came from the cache and the model was never loaded
    assert stats.cached == 1 and stats.encoded == 0
    assert cached.vector is not None
    assert "runtime" not in vars(fresh)
    # and asking for what the model knows loads it
    assert fresh.dimension == 384 and "runtime" in vars(fresh)
