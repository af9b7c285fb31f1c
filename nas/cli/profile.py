"""``nas profile``: FLOPs, params, latency and activation memory of a preset or config."""

from __future__ import annotations

import argparse
import json

#: What the papers' reference numbers (and so the presets' tests) count.
CONVENTIONS = (
    "Counting conventions (those of the presets' reference numbers): FLOPs are fvcore's multiply-"
    "accumulates (MACs, 1 MAC = 1 FLOP) of convolutions, linear layers and matmuls at batch 1; "
    "normalization layers are excluded, element-wise ops (activations, adds) are not counted, "
    "adaptive average pooling is counted (one per input element), HetConv is counted exactly and "
    "deformable convs as a conv of the same weight shape. Params count every parameter (norms "
    "included). Latency is measured on the CPU under a fixed thread count (--threads, 1 by default "
    "as on an edge device), reported as p10/p50/p90 of batch-1 forwards."
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profile",
        help="count FLOPs/params and measure latency of a preset or config file",
        description=(
            "Profile an architecture: FLOPs, parameters, batch-1 CPU latency (p10/p50/p90) and "
            "peak activation memory of a training step, with a per-stage breakdown. " + CONVENTIONS
        ),
    )
    p.add_argument("target", metavar="TARGET", help="a preset name (see 'nas presets') or an architecture YAML file")
    p.add_argument("--input", metavar="CxHxW", help="input shape, e.g. 3x32x32 (default: the config's own)")
    p.add_argument("--classes", metavar="N", help="number of classes (default: the config's own)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    p.add_argument("--no-memory", action="store_true", help="skip the activation-memory measurement")
    p.add_argument("--repeats", metavar="N", help="timed forwards for the latency percentiles (default 30)")
    p.add_argument("--threads", metavar="N",
                   help="CPU threads to measure latency under (default 1, as on an edge device)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nas.api.profile import OPTIONS, profile_config
    from nas.cli.common import human

    config, profile = profile_config(args.target, **{name: getattr(args, name) for name in OPTIONS})
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
    print(f"FLOPs {profile.flops:,}  params {profile.params:,}  (MACs, norms excluded)")
    if profile.latency is not None:
        t = profile.latency
        print(
            f"latency {t.p50_ms:.2f} ms median (p10 {t.p10_ms:.2f}, p90 {t.p90_ms:.2f}; batch 1, CPU, "
            f"{t.threads} thread{'s' if t.threads != 1 else ''}, {t.repeats} runs)"
        )
    if profile.peak_activation_bytes is not None:
        print(f"activation memory {human(profile.peak_activation_bytes, 'B')} (training step, batch 1)")
    return 0
