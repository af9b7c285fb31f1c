"""``nas profile``: FLOPs, params, latency and activation memory of a preset or config."""

from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profile",
        help="count FLOPs/params and measure latency of a preset or config file",
        description=(
            "Profile an architecture: FLOPs (fvcore MACs, norms excluded, HetConv counted exactly), "
            "parameters, median batch-1 CPU latency and peak activation memory of a training step, "
            "with a per-stage breakdown."
        ),
    )
    p.add_argument("target", metavar="TARGET", help="a preset name (see 'nas presets') or an architecture YAML file")
    p.add_argument("--input", metavar="CxHxW", help="input shape, e.g. 3x32x32 (default: the config's own)")
    p.add_argument("--classes", type=int, metavar="N", help="number of classes (default: the config's own)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    p.add_argument("--no-memory", action="store_true", help="skip the activation-memory measurement")
    p.add_argument("--repeats", type=int, default=30, metavar="N", help="timed forwards for the latency median (default 30)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.blocks import build_model
    from nas.cli.common import human, resolve_target
    from nas.cost import profile_model

    config = resolve_target(args.target, args.input, args.classes)
    model = build_model(config)
    profile = profile_model(
        model, config.input_shape, latency=not args.no_latency, memory=not args.no_memory,
        latency_repeats=args.repeats,
    )
    if args.json:
        data = profile.to_dict()
        data.update(name=config.name, classes=config.num_classes, notation=config.notation())
        print(json.dumps(data))
        return 0
    print(f"{config.name}  input {'x'.join(map(str, config.input_shape))}  classes {config.num_classes}")
    print(f"  {config.notation()}")
    print(f"{'part':<8} {'FLOPs':>10} {'params':>10}  output")
    for stage in profile.stages:
        shape = "x".join(map(str, stage.out_shape)) if stage.out_shape else ""
        print(f"{stage.name:<8} {human(stage.flops):>10} {human(stage.params):>10}  {shape}")
    print(f"{'total':<8} {human(profile.flops):>10} {human(profile.params):>10}")
    print(f"FLOPs {profile.flops:,}  params {profile.params:,}")
    if profile.latency_ms is not None:
        print(f"latency {profile.latency_ms:.2f} ms (median, batch 1, CPU)")
    if profile.peak_activation_bytes is not None:
        print(f"activation memory {human(profile.peak_activation_bytes, 'B')} (training step, batch 1)")
    return 0
