"""CPU forward latency of HetConv against a standard 3x3 conv of the same shape.

Usage: ``python benchmarks/hetconv_speed.py [--repeats N] [--threads T] [--channels-last]``

Both layers see the same input; their measurements are interleaved (one call of each in
turn) after a warm-up, and the median of the repeats is reported. ``theoretical`` is the
MAC ratio ``1 / (1/P + (1 - 1/P) / k^2)``; ``pct_of_theory`` is the measured speed-up as a
percentage of it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from nas.ops.hetconv import HetConv

SHAPES = ((64, 56), (128, 28), (256, 14))
PARTS = (2, 4, 8, 16, 32)
BATCH = 8
KERNEL = 3
WARMUP = 5


def theoretical_speedup(part: int, kernel: int = KERNEL) -> float:
    """MAC ratio of a standard conv to a HetConv of part ``part``."""
    return 1.0 / (1.0 / part + (1.0 - 1.0 / part) / kernel**2)


def interleaved_medians(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median latency in ms of each function, timing one call of each in turn."""
    for _ in range(WARMUP):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) * 1e3 for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--channels-last", action="store_true", help="feed channels-last inputs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    print(f"batch {BATCH}, threads {torch.get_num_threads()}, input format "
          f"{'channels_last' if args.channels_last else 'contiguous'}, repeats {args.repeats}")
    header = ("C", "HxW", "P", "std_ms", "het_ms", "speedup", "theoretical", "pct_of_theory")
    print("{:>5} {:>7} {:>3} {:>8} {:>8} {:>8} {:>11} {:>13}".format(*header))
    faster_everywhere, near_theory = True, True
    with torch.no_grad():
        for channels, size in SHAPES:
            x = torch.randn(BATCH, channels, size, size).contiguous(memory_format=fmt)
            std = nn.Conv2d(channels, channels, KERNEL, 1, KERNEL // 2, bias=False).eval()
            for part in PARTS:
                het = HetConv(channels, channels, KERNEL, 1, part).eval()
                std_ms, het_ms = interleaved_medians([lambda: std(x), lambda: het(x)], args.repeats)
                speedup = std_ms / het_ms
                theory = theoretical_speedup(part)
                pct = 100.0 * speedup / theory
                faster_everywhere &= speedup > 1.0
                if part <= 8 and channels >= 128:
                    near_theory &= pct >= 70.0
                print(f"{channels:>5} {f'{size}x{size}':>7} {part:>3} {std_ms:>8.2f} {het_ms:>8.2f} "
                      f"{speedup:>8.2f} {theory:>11.2f} {pct:>12.0f}%")
    verdict = "HOLD" if faster_everywhere and near_theory else "DO NOT HOLD"
    print(f"targets {verdict}: every P>=2 faster than the standard conv: {faster_everywhere}; "
          f">=70% of theory for P<=8 at C>=128: {near_theory}")


if __name__ == "__main__":
    main()
