"""Trials per hour of real searches on Fashion-MNIST, side by side in one run.

Configurations (each a fresh study of the same space, budget and seed):
  * one worker with every core (``--jobs 1``, 2 threads here);
  * one worker with one thread;
  * two worker processes with one thread each (``--jobs 2``).
Prints trials/hour and the ratio of each configuration to the first.

    python benchmarks/search_throughput.py [--trials 6] [--space search_spaces/lightweight.yaml]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from nas.searching.run import run_search, settings_from

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=6, help="completed trials per configuration")
    parser.add_argument("--space", default=str(ROOT / "search_spaces/lightweight.yaml"))
    parser.add_argument("--max-flops", type=int, default=5_000_000)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    configs = [("1 worker x %d threads" % cores, 1, cores), ("1 worker x 1 thread", 1, 1), ("2 workers x 1 thread", 2, 1)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, jobs, threads in configs:
            settings = settings_from(
                space=args.space, max_flops=args.max_flops, trials=args.trials, study=f"bench-{jobs}-{threads}",
                storage=f"sqlite:///{tmp}/bench-{jobs}-{threads}.db", jobs=jobs, threads=threads, progress=False,
            )
            start = time.perf_counter()
            summary = run_search(settings)
            wall = time.perf_counter() - start
            rows.append((label, summary.complete, wall, summary.complete / wall * 3600))
            print(f"{label:<24} {summary.complete} trials in {wall:6.1f} s -> {rows[-1][3]:6.1f} trials/h", flush=True)
    base = rows[0][3]
    print("\nconfiguration             trials/h   ratio")
    for label, _, _, rate in rows:
        print(f"{label:<24} {rate:9.1f}   {rate / base:5.2f}x")


if __name__ == "__main__":
    main()
