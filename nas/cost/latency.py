"""Batch-1 inference latency, under a fixed and stated number of CPU threads.

Latency measured with torch's default thread count (one per core) swings by two orders of
magnitude as soon as another process takes a core (the threads oversubscribe it). A fixed
count, 1 by default as on a small edge device, keeps a measurement comparable across runs and
machines; torch's previous setting is restored afterwards.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from nas.cost._device import model_on, resolve_device
from nas.cost._modes import modes_restored

__all__ = ["LatencyResult", "measure_latency"]


@dataclass(frozen=True)
class LatencyResult:
    """Timing of repeated batch-1 forwards.

    Attributes:
        median_ms: Median forward time in milliseconds.
        p10_ms: 10th percentile in milliseconds.
        p90_ms: 90th percentile in milliseconds.
        repeats: Number of timed forwards.
        threads: CPU intra-op threads used (``torch.get_num_threads()`` during the timing).
    """

    median_ms: float
    p10_ms: float
    p90_ms: float
    repeats: int
    threads: int = 1

    @property
    def p50_ms(self) -> float:
        """The median, by its percentile name."""
        return self.median_ms


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile ``q`` in [0, 100] of an ascending list."""
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def measure_latency(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    device: str | torch.device | None = None,
    warmup: int = 10,
    repeats: int = 30,
    threads: int | None = 1,
) -> LatencyResult:
    """Time batch-1 forwards of ``model`` in eval mode under ``torch.inference_mode``.

    Args:
        model: The network to time; its modes are restored afterwards and it is not
            moved (a copy is timed when it lives on another device).
        input_shape: ``(C, H, W)`` of one image.
        device: Where to run; ``None`` picks CUDA when available, else CPU.
        warmup: Untimed forwards run first.
        repeats: Timed forwards (at least 1).
        threads: CPU intra-op threads during the measurement (1 by default, as on an edge
            device); ``None`` keeps torch's current setting (one per core unless changed).
            The previous setting is restored afterwards.

    Returns:
        Median and 10th/90th percentiles of the per-forward wall time, and the thread count.

    Raises:
        ValueError: for repeats < 1, warmup < 0 or threads < 1.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    dev = resolve_device(device)
    net = model_on(model, dev)
    old_threads = torch.get_num_threads()

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    times: list[float] = []
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        used = torch.get_num_threads()
        with modes_restored(net):
            net.eval()
            x = torch.randn(1, *input_shape, device=dev)
            with torch.inference_mode():
                for _ in range(warmup):
                    net(x)
                sync()
                for _ in range(repeats):
                    start = time.perf_counter()
                    net(x)
                    sync()
                    times.append((time.perf_counter() - start) * 1e3)
    finally:
        torch.set_num_threads(old_threads)
    times.sort()
    return LatencyResult(
        median_ms=statistics.median(times),
        p10_ms=_percentile(times, 10),
        p90_ms=_percentile(times, 90),
        repeats=repeats,
        threads=used,
    )
