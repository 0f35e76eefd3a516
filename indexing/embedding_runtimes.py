"""How the transformer's forward pass runs: ONNX Runtime in fp32, or torch (bf16 or fp32).

Both take the tokenizer's numpy features and return the last hidden states as float32, so
pooling and normalisation stay in one place (embeddings.py). On the 2-core AVX2 machines this
project runs on, ONNX Runtime with its BERT fusions encodes a query in ~3 ms against ~11 ms for
torch, and documents ~1.6x faster, with the same output (cosine 1.0000 on 200 real titles);
torch stays for bf16, which ONNX Runtime's CPU kernels do not accelerate.
"""

import copy
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime
import torch

logger = logging.getLogger(__name__)

ONNX_OPSET = 17


class TorchRuntime:
    def __init__(self, transformer: torch.nn.Module, dtype: torch.dtype = torch.float32):
        self.transformer = transformer.to(dtype).eval()

    @classmethod
    def bf16_copy(cls, transformer: torch.nn.Module) -> "TorchRuntime":
        """A bf16 twin; the fp32 original stays as the reference it is checked against."""
        return cls(copy.deepcopy(transformer), torch.bfloat16)

    def __call__(self, features: dict[str, np.ndarray]) -> np.ndarray:
        inputs = {name: torch.from_numpy(values) for name, values in features.items()}
        with torch.inference_mode():
            hidden = self.transformer(**inputs).last_hidden_state
        return hidden.float().numpy()


class OnnxRuntime:
    def __init__(self, model_path: Path, threads: int = 0):
        """`threads`: intra-op threads (0: ONNX Runtime's default, one per core)."""
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        # With several threads the intra-op workers spin while a run waits for them (a query
        # on two threads encodes in ~2.7 ms, ~4 without spinning) but, by default, keep
        # spinning after the run too, while the search that encoded its query goes on to
        # recall (BLAS, usearch, tantivy) against them: cold mixed-row p99 64-70 ms with it,
        # 41-51 ms without.
        options.add_session_config_entry("session.force_spinning_stop", "1")
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.model_path = model_path

    def with_threads(self, threads: int) -> "OnnxRuntime":
        """Another session of the same model: what it computes does not depend on the thread
        count, so a faithfulness check of one session holds for both."""
        return OnnxRuntime(self.model_path, threads)

    def __call__(self, features: dict[str, np.ndarray]) -> np.ndarray:
        inputs = {name: features[name].astype(np.int64) for name in self.input_names}
        return self.session.run(None, inputs)[0]


def exported_onnx_model(transformer, tokenizer, source_dir: Path, cache_dir: Path) -> Path:
    """The transformer exported to ONNX (and fused where ONNX Runtime knows the architecture),
    cached under `cache_dir` by a fingerprint of the weights so it is exported once per model.

    Exported locally from the loaded weights: nothing is downloaded."""
    target = cache_dir / f"{_fingerprint(source_dir)}.onnx"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and renamed: several workers may export at once.
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        exported = Path(scratch) / "model.onnx"
        _export(transformer, tokenizer, exported)
        fused = _fuse(exported, transformer.config)
        os.replace(fused, target)
    logger.info("exported %s to ONNX at %s", source_dir, target)
    return target


def _export(transformer, tokenizer, path: Path) -> None:
    # Traced from a copy: tracing and switching attention left the original module computing
    # wrong outputs afterwards (transformers 5.23, torch 2.13), and it stays the reference.
    transformer = copy.deepcopy(transformer)
    # Eager attention exports as plain MatMul/Softmax, which ONNX Runtime fuses into its
    # Attention kernel; the SDPA export does not fuse.
    transformer.set_attn_implementation("eager")
    sample = tokenizer(
        ["an example query", "a longer example product title"], padding=True, return_tensors="pt"
    )
    names = list(sample.keys())
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(
            _LastHiddenState(transformer, names),
            tuple(sample[name] for name in names),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={name: axes for name in [*names, "last_hidden_state"]},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )


def _fuse(path: Path, config) -> Path:
    """ONNX Runtime's transformer fusions (attention, GELU, skip-layer-norm): the graph-level
    optimisation optimum calls O2. Architectures it does not know keep the plain export."""
    from onnxruntime.transformers import optimizer

    if config.model_type not in optimizer.MODEL_TYPES:
        return path
    fused = optimizer.optimize_model(
        str(path),
        model_type=config.model_type,
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
    )
    fused_path = path.with_name("fused.onnx")
    fused.save_model_to_file(str(fused_path))
    return fused_path


class _LastHiddenState(torch.nn.Module):
    def __init__(self, transformer, input_names: list[str]):
        super().__init__()
        self.transformer = transformer
        self.input_names = input_names

    def forward(self, *inputs):
        return self.transformer(**dict(zip(self.input_names, inputs, strict=True))).last_hidden_state


def _fingerprint(source_dir: Path) -> str:
    """Changes when the weights, torch or ONNX Runtime change: any of them can change the graph."""
    digest = hashlib.sha256(
        f"{source_dir}|{torch.__version__}|{onnxruntime.__version__}|{ONNX_OPSET}".encode()
    )
    for weights in sorted(source_dir.glob("*.safetensors")) + sorted(source_dir.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]
