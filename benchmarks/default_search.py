"""The README's main job, measured: ``nas search search_spaces/lightweight.yaml --max-flops 5M``.

Prints wall time, trials completed, the feasible fraction of sampled architectures, the best
validation accuracy at <= 5M FLOPs, and the linear classifier's accuracy under the same proxy
training (what "clearly beats a linear classifier" is measured against).

    python benchmarks/default_search.py [--trials N] [--storage URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nas.searching.run import SearchSettings, run_search, settings_from

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    defaults = SearchSettings(space="", max_flops=0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=defaults.trials)
    parser.add_argument("--storage", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from(
            space=str(ROOT / "search_spaces/lightweight.yaml"), max_flops=5_000_000, trials=args.trials,
            study="default-search", storage=args.storage or f"sqlite:///{tmp}/default.db", progress=False,
        )
        start = time.perf_counter()
        summary = run_search(settings)
        wall = time.perf_counter() - start
    best = max(summary.best, key=lambda r: r["accuracy"]) if summary.best else None
    print(f"wall time            {wall / 60:.1f} min")
    print(f"trials completed     {summary.complete}")
    print(f"feasible fraction    {summary.feasible_fraction:.0%} of {summary.sampled} sampled")
    if best:
        print(f"best accuracy        {best['accuracy']:.2%} at {best['flops'] / 1e6:.2f}M FLOPs (trial {best['trial']})")
        print(f"                     {best['notation']}")
    print(f"linear classifier    {summary.linear_accuracy:.2%}")
    print(f"Pareto front         {len(summary.best)} trials")


if __name__ == "__main__":
    main()
