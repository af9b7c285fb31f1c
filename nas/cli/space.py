"""``nas space``: validate a search-space file and show what it holds."""

from __future__ import annotations

import argparse
import json


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
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.arch.io import parse_input
    from nas.cli.common import human
    from nas.options import count
    from nas.cost import safe_cost
    from nas.space import SearchSpace, load_space

    samples = count(args.samples, "--samples", maximum=10_000)
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
    if args.json:
        print(json.dumps({
            "name": space.name, "file": args.file, "input": list(space.input_shape), "classes": space.num_classes,
            "size": space.size(), "dimensions": [
                {"label": d.label, "choices": list(d.choices), "condition": d.condition} for d in dims
            ],
            "sample": {"n": len(flops), "flops_min": min(flops), "flops_max": max(flops),
                       "params_min": min(params), "params_max": max(params)},
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
    return 0
