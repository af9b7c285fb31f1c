"""``nas finalize``: retrain a study's best architectures with the full recipe; record test accuracy."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nas.cli.train import add_recipe_options

if TYPE_CHECKING:
    from nas.study.record import TrialRecord


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "finalize",
        help="retrain a study's best architectures with the full recipe and record their test accuracy",
        description=(
            "Pick trials of a study (by default a spread of the Pareto front of validation accuracy vs "
            "cost: the most accurate, the cheapest, and the rest spaced along FLOPs), train each on the "
            "whole training set of the study's data set with the full recipe of 'nas train' (checkpoint "
            "after every epoch in WEIGHTS-DIR/trial-N), evaluate it once on the test split and record the "
            "result in the study. Optuna cannot change a finished trial, so each finalisation is a trial of "
            "its own (PRUNED, user attrs finalizes=N, test_accuracy, recipe, train_time_s, weights), which "
            "'nas status', the report and any Optuna client can read. Re-running resumes: trials finalised "
            "with the same recipe are skipped and an interrupted one continues from its checkpoint; a trial "
            "finalised with another recipe is refused unless --retrain asks for a second result. Several "
            "--jobs, or hosts on one PostgreSQL storage, share the work without training a trial twice; a "
            "finalisation whose worker went silent for longer than the study's grace period (or whose process "
            "on this host is gone) is taken over."
        ),
    )
    p.add_argument("study", metavar="STUDY", help="study name (as printed by 'nas search')")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL holding the study (default: "
                   "sqlite:///studies/STUDY.db, which must exist)")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--top", metavar="K",
                      help="finalise K Pareto-optimal searched trials spread across the FLOPs range "
                           "(default: 3)")
    pick.add_argument("--trials", metavar="LIST",
                      help="finalise these trials instead, e.g. 3,7,12 (searched or baseline trials that were "
                           "trained; over-budget baselines too)")
    p.add_argument("--with-presets", action="store_true",
                   help="also finalise the study's preset baselines that were trained and fit its budget "
                        "(name an over-budget one with --trials to finalise it)")
    p.add_argument("--retrain", action="store_true",
                   help="also train trials already finalised with another recipe (other epochs, lr, ...) with "
                        "this one, keeping both results as separate finalisation trials; without it such a trial "
                        "is refused. The new run goes to WEIGHTS-DIR/trial-N-<digest of its settings> when "
                        "WEIGHTS-DIR/trial-N holds the other recipe's run; a trial finalised with this recipe is "
                        "still skipped")
    add_recipe_options(p)
    p.add_argument("--jobs", metavar="J",
                   help="worker processes on this host, each training one trial at a time (default: as nas search, "
                        "two one-thread workers on a CPU with two or more cores, one on a GPU; never more than "
                        "the trials to finalise)")
    p.add_argument("--weights-dir", metavar="DIR",
                   help="folder of the runs: each trial trains in DIR/trial-N (default: runs/STUDY)")
    p.add_argument("--threads", metavar="N", help="torch CPU threads per job (default: cores / jobs)")
    p.add_argument("--data-dir", metavar="DIR", help="where the study's data set's files are (default: the "
                   "data set's usual place; the study stores the data set's name, not its folder)")
    p.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (a line per epoch instead, as when the output is no terminal)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.finalize import OPTIONS, finalize
    from nas.api.recipe import RECIPE

    given = {name: getattr(args, name) for name in (*OPTIONS, *RECIPE)}
    return _summary(finalize(args.study, **given))


def _summary(records: tuple[TrialRecord, ...]) -> int:
    """Print each chosen trial's result; 0 when every one is finalised, else 1."""
    from nas.units import format_count

    missing = []
    for r in records:
        label = r.baseline or r.notation
        if r.final is None:
            missing.append(r.number)
            print(f"trial {r.number:>4}  not finalised  val {r.accuracy or 0:.2%}  FLOPs {format_count(r.flops or 0)}  "
                  f"{label}")
            continue
        epochs = (r.final.recipe or {}).get("epochs", "?")
        print(f"trial {r.number:>4}  test {r.final.test_accuracy:.2%}  val {r.accuracy or 0:.2%}  "
              f"FLOPs {format_count(r.flops or 0)}  {epochs} epochs  {r.final.train_time_s or 0:.0f} s  "
              f"{r.final.weights}  {label}")
    if missing:
        print(f"nas finalize: {len(missing)} trial(s) not finalised ({', '.join(map(str, missing))}); see the lines "
              "above, and re-run the same command to retry", file=sys.stderr)
        return 1
    return 0
