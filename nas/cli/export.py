"""``nas export``: write a study's chosen architecture as a config YAML."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write the best / knee / a given trial's architecture as a config YAML",
        description=(
            "Export an architecture from a study as a config file in the presets' format; it rebuilds "
            "exactly the model the trial measured ('nas profile FILE' reports the same FLOPs and params)."
        ),
    )
    p.add_argument("study", metavar="STUDY", help="study name (as given to or printed by 'nas search')")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL (default: sqlite:///studies/STUDY.db)")
    p.add_argument("--pick", default="best", metavar="WHICH",
                   help="best (highest validation accuracy within --max-flops), knee (the Pareto front's knee) "
                        "or trial:N (default: best)")
    p.add_argument("--max-flops", metavar="N", help="budget for --pick best, e.g. 3M (default: the study's budget)")
    p.add_argument("-o", "--output", metavar="FILE", help="output YAML (default: STUDY-trialN.yaml)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.study import open_study
    from nas.units import format_count

    study = open_study(args.study, args.storage)
    trial = study.pick(args.pick, args.max_flops)
    output = args.output if args.output is not None else f"{args.study}-trial{trial.number}.yaml"
    study.export(f"trial:{trial.number}", path=output)
    acc = f", validation accuracy {trial.accuracy:.2%}" if trial.accuracy is not None else ""
    print(f"trial {trial.number}: {format_count(trial.flops or 0)} FLOPs, {format_count(trial.params or 0)} params"
          f"{acc} -> {output}")
    return 0
