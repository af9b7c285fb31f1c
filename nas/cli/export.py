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
    from nas.export import export_trial, pick_trial
    from nas.search.budget import parse_count
    from nas.units import format_count
    from nas.study_io import load_study

    study = load_study(args.study, args.storage)
    max_flops = parse_count(args.max_flops, "--max-flops") if args.max_flops is not None else None
    trial = pick_trial(study, args.pick, max_flops)
    output = args.output if args.output is not None else f"{args.study}-trial{trial.number}.yaml"
    path = export_trial(study, trial, output)
    acc = trial.user_attrs.get("accuracy")
    acc_text = f", validation accuracy {acc:.2%}" if acc is not None else ""
    print(f"trial {trial.number}: {format_count(trial.user_attrs['flops'])} FLOPs, "
          f"{format_count(trial.user_attrs['params'])} params{acc_text} -> {path}")
    return 0
