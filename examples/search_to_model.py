"""From a search-space file to a trained, exported model, with the library alone.

The steps a notebook takes: search a space under a FLOPs budget, look at the front as a table
and a figure, export the best architecture as a config, train it with the full recipe and keep
the model. Run as it is, it searches the README's default (Fashion-MNIST from
/usr/share/datasets/fashion-mnist, 5M FLOPs: about 7 minutes for the search and 10-35 for the
training on two cores); the test suite runs it on a small synthetic data set:

    python examples/search_to_model.py
    python examples/search_to_model.py --dataset synthetic:1x8x8:4:2400 --max-flops 10M --trials 2 \\
        --epochs 1 --final-epochs 1 --out /tmp/example
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nas

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--space", default=str(ROOT / "search_spaces" / "lightweight.yaml"), help="search-space file")
    parser.add_argument("--max-flops", default="5M", help="hard FLOPs budget (default 5M)")
    parser.add_argument("--dataset", default="fashion-mnist", help="data set (default fashion-mnist)")
    parser.add_argument("--trials", default=24, type=int, help="trained trials of the search (default 24)")
    parser.add_argument("--epochs", default=3, type=int, help="proxy epochs per trial (default 3)")
    parser.add_argument("--final-epochs", default=15, type=int, help="epochs of the full training (default 15)")
    parser.add_argument("--out", default="runs/example", help="folder for the study, config and model")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        # 1. Search (re-running resumes: the study is stored in OUT/example.db).
        study = nas.search(args.space, max_flops=args.max_flops, dataset=args.dataset, trials=args.trials,
                           epochs=args.epochs, study="example", storage=f"sqlite:///{out / 'example.db'}")
        # 2. The front, as a table (in a notebook: study.pareto_figure().show() draws it inline).
        front = study.to_dataframe().query("pareto")
        print(front[["trial", "proxy_accuracy", "flops", "params", "notation"]].to_string(index=False))
        study.pareto_figure().write_html(out / "pareto.html")
        # 3. The most accurate architecture within the budget, as a config that rebuilds it.
        config = study.export("best", path=out / "best.yaml")
        cost = nas.profile(config, no_latency=True, no_memory=True)
        print(f"best: {cost.flops:,} FLOPs, {cost.params:,} params: {config.notation()}")
        # 4. Its full training on the whole training set, evaluated once on the test split.
        trained = nas.train(config, output=out / "best", dataset=args.dataset, epochs=args.final_epochs)
    except nas.NasError as exc:
        print(f"search_to_model: error: {exc}", file=sys.stderr)
        return 2
    print(f"test accuracy {trained.result.test_accuracy:.2%} after {trained.result.epochs} epochs; "
          f"model: {trained.result.model_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
