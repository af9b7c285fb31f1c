"""``nas space``: validate a search-space file and show what it holds."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nas.api.space import BudgetFit, SpaceSummary


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "space",
        help="validate a search-space file and print its dimensions, size and FLOPs range",
        description=(
            "Validate a search-space YAML file (exit 2 with one line naming the file and key on any "
            "problem) and print its labelled dimensions, the number of architectures it holds and the "
            "FLOPs range of a random sample at the given input."
        ),
    )
    p.add_argument("file", metavar="FILE", help="a search-space YAML file, e.g. search_spaces/lightweight.yaml")
    p.add_argument("--input", metavar="CxHxW", help="input shape (default: the file's, else 1x28x28, Fashion-MNIST's)")
    p.add_argument("--classes", metavar="N", help="number of classes (default: the file's, else 10)")
    p.add_argument("--samples", default="32", metavar="N", help="random architectures to count FLOPs of (default 32)")
    p.add_argument("--seed", default="0", metavar="N", help="seed of the random sample (default 0)")
    p.add_argument("--max-flops", metavar="N", help="also say how many architectures fit this FLOPs budget, e.g. 5M: "
                   "counted exactly when the space holds at most 2,000 architectures, else estimated from the sample")
    p.add_argument("--max-params", metavar="N", help="with --max-flops: a parameter budget too, e.g. 500K")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.space import describe_space

    summary = describe_space(args.file, input=args.input, classes=args.classes, samples=args.samples, seed=args.seed,
                             max_flops=args.max_flops, max_params=args.max_params)
    print(json.dumps(summary.to_dict()) if args.json else "\n".join(summary_lines(summary)))
    return 0


def summary_lines(s: SpaceSummary) -> list[str]:
    """The lines ``nas space`` prints for ``s``."""
    from nas.cli.common import human

    lines = [f"{s.name}: {s.file} is valid"]
    if s.description:
        lines.append(f"  {s.description}")
    lines.append(f"input {'x'.join(map(str, s.input))}, {s.classes} classes")
    lines.append(f"{len(s.dimensions)} dimensions, {s.size:,} architectures")
    width = max((len(d.label) for d in s.dimensions), default=0)
    for d in s.dimensions:
        when = f"   (when {d.condition})" if d.condition else ""
        lines.append(f"  {d.label:<{width}}  {', '.join(map(str, d.choices))}{when}")
    r = s.sample
    lines.append(f"FLOPs of {r.n} random architectures: {human(r.flops_min)} - {human(r.flops_max)} "
                 f"(median {human(r.flops_median)}); params {human(r.params_min)} - {human(r.params_max)}")
    if s.fit is not None:
        lines.append(_fit_line(s.fit))
    return lines


def _fit_line(fit: BudgetFit) -> str:
    """How many architectures fit the budget, and whether they were all counted."""
    from nas.cli.common import human

    within = f"{human(fit.max_flops)} FLOPs" + (f" and {human(fit.max_params)} params" if fit.max_params else "")
    if fit.exact:
        return f"{fit.count:,} of {fit.of:,} architectures fit within {within} (counted exactly)"
    return (f"{fit.count} of {fit.of} sampled architectures fit within {within} (the space is too large "
            f"to count them all: more than {fit.limit:,})")
