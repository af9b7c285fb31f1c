"""``nas report``: write a study's self-contained HTML report (Pareto front, progress, importances)."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write a study's HTML report: Pareto front, hypervolume, importances, best trials",
        description=(
            "Write one self-contained HTML file (plotly.js inlined, opens offline). It opens with the "
            "architecture to take: the most accurate one within the budget (by final test accuracy when "
            "some were trained with the full recipe, else by proxy validation accuracy) and the 'nas "
            "export' command that writes it. Then: proxy validation accuracy against FLOPs / params / "
            "latency with the Pareto front, the budget, the papers' presets and a strip for trials "
            "without an accuracy; final test accuracy of the finalised architectures beside the presets "
            "trained the same way, and how well the proxy ranked them; the hypervolume over trials and "
            "over time; parameter importances (from 20 ranked trials); a table of the Pareto-optimal "
            "architectures. A study with no completed trial yet still gets a page that says so (and a "
            "note on stderr); the exit code is 0."
        ),
    )
    p.add_argument("study", metavar="STUDY", help="study name (as given to or printed by 'nas search')")
    p.add_argument("--storage", metavar="URL",
                   help="Optuna storage URL holding the study (default: sqlite:///studies/STUDY.db, "
                        "which must exist)")
    p.add_argument("--max-flops", metavar="N",
                   help="recommend the best architecture within N FLOPs, e.g. 3M (default: the study's budget)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="HTML file to write; its folder is created (default: reports/STUDY.html)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.study import open_study

    study = open_study(args.study, args.storage)
    path = study.report(args.output, max_flops=args.max_flops)
    if not any(r.state == "COMPLETE" for r in study.records):
        print(f"nas report: note: study {args.study!r} has no completed trial yet; the report says so",
              file=sys.stderr)
    print(path)
    return 0
