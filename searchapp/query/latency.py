"""How long `analyze` takes over a set of queries (the bench commands report it).

Wall-clock percentiles include time the process spent descheduled, which on a shared 2-core
host dominates the tail; CPU-time percentiles (this thread's) show the stage's own cost."""

from __future__ import annotations

from collections.abc import Sequence
from time import perf_counter, thread_time

import numpy as np

from .analyzer import AnalyzerConfig, analyze


def analyze_latency(queries: Sequence[str], rounds: int = 5, config: AnalyzerConfig | None = None) -> dict:
    """Percentiles (ms) of `analyze` per query, after one warm-up pass that loads the
    vocabulary, corrector and intent model (a web process pays that once)."""
    config = config or AnalyzerConfig.from_settings()
    for query in queries:
        analyze(query, config)
    wall, cpu = [], []
    for _ in range(rounds):
        for query in queries:
            wall_started, cpu_started = perf_counter(), thread_time()
            analyze(query, config)
            cpu.append((thread_time() - cpu_started) * 1000)
            wall.append((perf_counter() - wall_started) * 1000)
    return {
        "analyze_p50_ms": percentile(wall, 50),
        "analyze_p99_ms": percentile(wall, 99),
        "analyze_cpu_p50_ms": percentile(cpu, 50),
        "analyze_cpu_p99_ms": percentile(cpu, 99),
        "analyze_samples": len(wall),
    }


def percentile(values: Sequence[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 3) if len(values) else 0.0
