"""``nas space``: validate a search-space file and show what it holds."""

from __future__ import annotations

import argparse
import json
from typing import Any


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
    from nas.arch.io import parse_input
    from nas.cli.common import human
    from nas.options import count
    from nas.cost import safe_cost
    from nas.space import SearchSpace, load_space

    from nas.searching.budget import Budget, parse_count

    samples = count(args.samples, "--samples", maximum=10_000)
    if args.max_params is not None and args.max_flops is None:
        from nas.errors import NasError

        raise NasError("--max-params needs --max-flops (the budget to count architectures within)")
    budget = None if args.max_flops is None else Budget(
        parse_count(args.max_flops, "--max-flops"),
        None if args.max_params is None else parse_count(args.max_params, "--max-params"))
    seed = count(args.seed, "--seed", minimum=0, maximum=2**31 - 1)
    classes = None if args.classes is None else count(args.classes, "--classes")
    shape = parse_input(args.input, "--input") if args.input else None
    spec = load_space(args.file)
    space = SearchSpace(spec, shape or spec.input or (1, 28, 28), classes or spec.classes or 10)
    space.check_samples()
    flops, params = [], []
    for _, config in space.random(samples, seed):
        cost = safe_cost(config)  # refuses, in one line, an architecture too large to build
        flops.append(cost.flops)
        params.append(cost.params)
    dims = space.dimensions()
    fit = None if budget is None else _fitting(space, budget, flops, params)
    if args.json:
        print(json.dumps({
            "name": space.name, "file": args.file, "input": list(space.input_shape), "classes": space.num_classes,
            "size": space.size(), "dimensions": [
                {"label": d.label, "choices": list(d.choices), "condition": d.condition} for d in dims
            ],
            "sample": {"n": len(flops), "flops_min": min(flops), "flops_max": max(flops),
                       "params_min": min(params), "params_max": max(params)},
            **({} if fit is None else {"fit": fit}),
        }))
        return 0
    print(f"{space.name}: {args.file} is valid")
    if spec.description:
        print(f"  {spec.description}")
    print(f"input {'x'.join(map(str, space.input_shape))}, {space.num_classes} classes")
    print(f"{len(dims)} dimensions, {space.size():,} architectures")
    width = max(len(d.label) for d in dims) if dims else 0
    for d in dims:
        when = f"   (when {d.condition})" if d.condition else ""
        print(f"  {d.label:<{width}}  {', '.join(map(str, d.choices))}{when}")
    print(
        f"FLOPs of {len(flops)} random architectures: {human(min(flops))} - {human(max(flops))} "
        f"(median {human(sorted(flops)[len(flops) // 2])}); params {human(min(params))} - {human(max(params))}"
    )
    if fit is not None:
        within = f"{human(fit['max_flops'])} FLOPs" + (f" and {human(fit['max_params'])} params" if fit["max_params"] else "")
        print(f"{fit['count']:,} of {fit['of']:,} architectures fit within {within} (counted exactly)" if fit["exact"]
              else f"{fit['count']} of {fit['of']} sampled architectures fit within {within} (the space is too large "
              f"to count them all: more than {fit['limit']:,})")
    return 0


def _fitting(space: Any, budget: Any, flops: list[int], params: list[int]) -> dict[str, Any]:
    """How many architectures meet ``budget``: all of them counted when the space is small
    enough to list, else those of the random sample already costed."""
    from nas.cost import safe_cost
    from nas.space.every import MAX_LISTED, every_architecture

    base = {"max_flops": budget.max_flops, "max_params": budget.max_params, "limit": MAX_LISTED}
    if space.size() <= MAX_LISTED:
        costs = [safe_cost(c, budget.max_flops) for c in every_architecture(space)]
        fits = sum(1 for c in costs if c.exact and budget.feasible(c.flops, c.params))
        return {**base, "count": fits, "of": len(costs), "exact": True}
    fits = sum(1 for f, n in zip(flops, params) if budget.feasible(f, n))
    return {**base, "count": fits, "of": len(flops), "exact": False}
