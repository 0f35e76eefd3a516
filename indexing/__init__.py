# onnxruntime must be loaded before usearch: importing it after usearch's native module
# segfaults the process (usearch 2.26.6 / onnxruntime 1.31.1). The embedder runs on ONNX
# Runtime and the local backend on usearch; importing it with the package orders them safely.
import onnxruntime  # noqa: F401
