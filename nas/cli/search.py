"""``nas search``: multi-objective architecture search under a hard FLOPs budget."""

from __future__ import annotations

import argparse
import sys

from nas.units import format_count


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search",
        help="search a space for the best accuracy/FLOPs trade-off under a hard budget",
        description=(
            "Run (or resume) an Optuna multi-objective study: sample architectures from SPACE, count "
            "their FLOPs before any training (over-budget ones get no training time), train the rest "
            "briefly on a validation split carved from the training set, and keep the Pareto front of "
            "validation accuracy vs cost. Re-running the same command resumes the study. The study "
            "stores its space and settings: 'nas search --study NAME --storage URL' (no SPACE, no other "
            "option) joins it from another host with the stored settings; options left out of a resumed "
            "study take its stored values. On a terminal progress bars are shown; otherwise (a log file, "
            "CI, nohup) one line per finished trial."
        ),
    )
    p.add_argument("space", metavar="SPACE", nargs="?",
                   help="a search-space YAML file (see search_spaces/); optional when joining a stored study")
    p.add_argument("--max-flops", metavar="N", help="hard FLOPs budget, e.g. 5M, 1.5G, 300000 (required for a new study)")
    p.add_argument("--max-params", metavar="N", help="optional hard parameter budget, e.g. 500K")
    p.add_argument("--trials", metavar="N", help="trained (within budget) trials the study aims for, "
                   "across all workers (default 24); with --fidelity asha: architectures screened (trained at "
                   "rung 0), of which about 1 in eta per rung goes on to the top rung")
    p.add_argument("--timeout", metavar="SEC", help="stop starting new trials after SEC seconds")
    p.add_argument("--study", metavar="NAME", help="study name (default <space>-<budget>-<dataset>)")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL (default sqlite:///studies/<study>.db); "
                   "postgresql://user:pass@host/db lets many hosts share one study")
    p.add_argument("--dataset", help="fashion-mnist (default), cifar10, cifar100, folder:PATH or synthetic")
    p.add_argument("--data-dir", metavar="DIR", help="where the data set's files are (for fashion-mnist "
                   "/usr/share/datasets/fashion-mnist unless given)")
    p.add_argument("--download", action="store_true", help="let torchvision download CIFAR into --data-dir "
                   "(never done unless asked)")
    p.add_argument("--epochs", metavar="N", help="proxy-training epochs per trial (default 6)")
    p.add_argument("--train-subset", metavar="N", help="training images per trial (default 6000; 0: all)")
    p.add_argument("--fidelity", metavar="{single,asha}", help="single (default): every trial trains --epochs over --train-subset; asha: "
                   "asynchronous successive halving: trials train rung by rung, from --min-epochs over "
                   "--min-train-subset up to --epochs over --train-subset (each rung eta times the one below), "
                   "and go on only while in the top 1/eta at their rung by non-dominated rank of accuracy and "
                   "cost; only trials that reach the top rung are ranked")
    p.add_argument("--eta", metavar="N", help="asha: each rung trains N times the one below and 1 in N "
                   "trials goes on (default 3)")
    p.add_argument("--min-epochs", metavar="N", help="asha: rung 0's epochs; --epochs must be N times a "
                   "power of eta (by default --epochs divided by eta as often as it divides)")
    p.add_argument("--min-train-subset", metavar="N", help="asha: rung 0's training images, --train-subset "
                   "divided by a power of eta (by default --train-subset: no images axis)")
    p.add_argument("--val-size", metavar="N", help="validation images carved from the training set "
                   "(default 2000)")
    p.add_argument("--batch-size", metavar="N", help="proxy-training batch size (default 128)")
    p.add_argument("--seed", help="seed of the sampler, the data split and training (default 0)")
    p.add_argument("--jobs", help="worker processes on this host (default 2 on a CPU with 2+ cores, "
                   "1 with CUDA; use 1 for a run that repeats exactly for a seed)")
    p.add_argument("--threads", metavar="N", help="torch threads per worker (default cores / jobs)")
    p.add_argument("--sampler", metavar="{tpe,nsga2,random}", help="Optuna sampler: tpe (default), nsga2 or random")
    p.add_argument("--objectives", help="comma list from accuracy, flops, params, latency, in any order "
                   "(default accuracy,flops)")
    p.add_argument("--with-presets", action="store_true", default=None, help="also evaluate the papers' presets "
                   "that fit the data's input, as baselines for the report")
    p.add_argument("--preset-max-flops", metavar="N", help="skip presets above this many FLOPs (default 4x the budget)")
    p.add_argument("--heartbeat", metavar="SEC", help="worker heartbeat interval (default 30)")
    p.add_argument("--grace", metavar="SEC", help="a trial silent this long is failed; must be larger "
                   "than --heartbeat (default 120)")
    p.add_argument("--prescreen", metavar="K", help="zero-cost pre-screening: score K sampled architectures per "
                   "trained one with a zero-cost proxy on one batch of training data, and train only those ranking in "
                   "the top 1/K of the candidates of similar FLOPs (half-octave bins below the budget); the rest are "
                   "pruned as screened out. 0 or 1: off; default 4; at most 64")
    p.add_argument("--prescreen-proxy", metavar="NAME", help="the proxy the pre-screen ranks by: naswot (default; "
                   "of the four it orders final test accuracy best: see the README's ground truth), snip, grad_norm "
                   "or synflow")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (one line per finished trial instead)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.search import OPTIONS, search

    given = {name: getattr(args, name) for name in OPTIONS}
    study = search(args.space, max_flops=args.max_flops, **given)
    summary = study.summary
    assert summary is not None
    trained = (f"{summary.complete} complete" if summary.rungs is None else
               f"{summary.complete + summary.stopped} screened, {summary.complete} trained to the top rung, "
               f"{summary.stopped} stopped at a lower rung (rungs {summary.rungs})")
    screened = f", {summary.screened_out} screened out" if summary.screened_out else ""
    print(f"study {summary.study} ({summary.storage}): {trained}, "
          f"{summary.infeasible} over budget, {summary.failed} failed{screened}; "
          f"{summary.feasible_fraction:.0%} of {summary.sampled} sampled architectures were feasible; "
          f"{summary.wall_s / 60:.1f} min")
    if summary.exhausted is not None:
        print(f"nas search: note: {summary.exhausted}", file=sys.stderr)
    if summary.linear_accuracy is not None:
        print(f"linear classifier (same proxy training): {summary.linear_accuracy:.2%} validation accuracy")
    if summary.best:
        print("Pareto front (validation accuracy vs cost):")
        for row in summary.best:
            print(f"  trial {row['trial']:>3}  acc {row['accuracy']:.2%}  FLOPs {format_count(row['flops'])}  "
                  f"params {format_count(row['params'])}  {row['notation']}")
    return 0
