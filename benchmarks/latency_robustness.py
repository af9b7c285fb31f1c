"""Latency quiet vs. while another process keeps one core busy, per thread setting.

Usage: ``python benchmarks/latency_robustness.py [--repeats N] [--rounds R]``

For each model, ``nas.cost.measure_latency`` runs quiet, then while a second process spins
on one core (a busy loop, killed afterwards), alternately for ``--rounds`` rounds, under
threads=1 (the project's default, as on an edge device) and under torch's default of one
thread per core (the old behaviour). The ratio loaded/quiet of the medians is printed side by
side; the target for threads=1 is within +-25% (0.75-1.25).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics

import torch

from nas.arch.notation import decode_arch
from nas.blocks import build_model
from nas.cost import count_flops, measure_latency
from nas.presets import get_preset

INPUT = (1, 28, 28)


def _spin() -> None:
    x = 0
    while True:
        x = (x + 1) % 1_000_003


def models() -> dict[str, torch.nn.Module]:
    search = decode_arch(
        "conv_k3_c16 | bneck_k3_s2_x48_c24_eca bneck_k3_x72_c24 | ghost_k5_s2_x96_c40_g2 ghost_k3_x120_c40_g2"
        " | reshet_k3_s2_x80_c64_p4_g2_eca | head_re", *INPUT[:2], 10, name="search-arch",
    )
    configs = {
        "search-arch": search,
        "mobilenetv3-small": get_preset("mobilenetv3-small").with_input(INPUT[0], INPUT[1], 10),
        "resnet56-cifar-p4": get_preset("resnet56-cifar-p4").with_input(INPUT[0], INPUT[1], 10),
    }
    return {name: build_model(c) for name, c in configs.items()}


def measure(model: torch.nn.Module, threads: int | None, repeats: int, rounds: int) -> tuple[float, float]:
    """Median latency quiet and loaded, rounds interleaved so drift hits both alike."""
    quiet, loaded = [], []
    for _ in range(rounds):
        quiet.append(measure_latency(model, INPUT, device="cpu", repeats=repeats, threads=threads).median_ms)
        busy = mp.get_context("spawn").Process(target=_spin, daemon=True)
        busy.start()
        try:
            loaded.append(measure_latency(model, INPUT, device="cpu", repeats=repeats, threads=threads).median_ms)
        finally:
            busy.kill()
            busy.join()
    return statistics.median(quiet), statistics.median(loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} CPU cores, torch default threads {torch.get_num_threads()}, input {'x'.join(map(str, INPUT))}")
    print(f"{'model':<20} {'MFLOPs':>7} {'threads':>8} {'quiet ms':>9} {'loaded ms':>10} {'loaded/quiet':>13}")
    for name, model in models().items():
        mflops = count_flops(model, INPUT).total / 1e6
        for label, threads in (("1", 1), (f"all ({cores})", None)):
            quiet, loaded = measure(model, threads, args.repeats, args.rounds)
            print(f"{name:<20} {mflops:>7.2f} {label:>8} {quiet:>9.2f} {loaded:>10.2f} {loaded / quiet:>13.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
