"""Training speed of networks with a deformable stem: nas's deform_conv2d against torchvision's kernel.

For each network (the ``mobilenetv3-small-dc0`` / ``-ldc0`` presets adapted to the data's input,
and ``--archs`` sampled architectures of ``search_spaces/lightweight.yaml`` with a ``dc`` or
``ldc`` stem), times training steps (batch ``--batch-size``, SGD, forward and backward) with
the layer's convolution computed by :func:`nas.ops.deform.deform_conv2d` and by
``torchvision.ops.deform_conv2d``, alternating the two in rounds so that both see the same
machine load, and prints images per second and their ratio. Both compute the same function
(``tests/ops/test_deform.py`` checks values and gradients against each other).

    python benchmarks/deform_speed.py [--archs 3] [--steps 10] [--rounds 3] [--batch-size 128]
        [--threads 1] [--input 1x28x28]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from nas.errors import NasError

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archs", type=int, default=3, help="sampled architectures with a deformable stem (default 3)")
    p.add_argument("--steps", type=int, default=10, help="timed training steps per round (default 10)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per implementation (default 3)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step (default 128)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--input", default="1x28x28", help="CxHxW of the images (default 1x28x28, Fashion-MNIST)")
    a = p.parse_args(argv)
    for name, low, high in (("archs", 0, 50), ("steps", 1, 10_000), ("rounds", 1, 100), ("batch_size", 1, 4096),
                            ("threads", 1, 256)):
        if not low <= getattr(a, name) <= high:
            raise NasError(f"--{name.replace('_', '-')} must be from {low} to {high}, got {getattr(a, name)}")
    parts = a.input.lower().split("x")
    if len(parts) != 3 or not all(x.isdigit() and int(x) >= 1 for x in parts) or parts[1] != parts[2]:
        raise NasError(f"--input must be CxHxW with H = W, e.g. 1x28x28, got {a.input!r}")
    a.shape = tuple(int(x) for x in parts)
    return a


def networks(shape: tuple[int, int, int], archs: int) -> list[tuple[str, object]]:
    from nas.arch.shapes import validate
    from nas.cost import safe_cost
    from nas.presets import get_preset
    from nas.space import SearchSpace

    c, h, _ = shape
    out = []
    for name in ("mobilenetv3-small-dc0", "mobilenetv3-small-ldc0"):
        config = get_preset(name).with_input(c, h, 10)
        validate(config)
        out.append((name, config))
    space = SearchSpace.load(ROOT / "search_spaces/lightweight.yaml", shape, 10)
    found = 0
    for _, config in space.random(400, seed=0):
        if found == archs:
            break
        if config.stem.deform != "none" and safe_cost(config).flops <= 5_000_000:
            found += 1
            out.append((f"sampled {found} ({config.stem.deform} stem)", config))
    return out


def steps_per_s(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> float:
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    start = time.perf_counter()
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except NasError as exc:
        print(f"deform_speed: error: {exc}", file=sys.stderr)
        return 2
    import torchvision.ops

    import nas.ops.deform as deform
    from nas.blocks import build_model
    from nas.cost import count_flops

    torch.set_num_threads(args.threads)
    ours, theirs = deform.deform_conv2d, torchvision.ops.deform_conv2d
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch_size, *args.shape, generator=gen)
    y = torch.randint(0, 10, (args.batch_size,), generator=gen)
    print(f"training images/s, batch {args.batch_size}, {args.threads} thread(s), {args.rounds} rounds x "
          f"{args.steps} steps each, median:")
    print(f"{'network':<30} {'FLOPs':>7} {'torchvision':>12} {'nas':>8} {'ratio':>6}")
    ratios = []
    for name, config in networks(args.shape, args.archs):
        model = build_model(config, seed=0)
        flops = count_flops(model, config.input_shape).total
        rates: dict[str, list[float]] = {"torchvision": [], "nas": []}
        for impl, fn in (("torchvision", theirs), ("nas", ours)):  # warm-up
            deform.deform_conv2d = fn
            steps_per_s(model, x, y, 2)
        for _ in range(args.rounds):
            for impl, fn in (("torchvision", theirs), ("nas", ours)):
                deform.deform_conv2d = fn
                rates[impl].append(steps_per_s(model, x, y, args.steps) * args.batch_size)
        deform.deform_conv2d = ours
        tv, mine = statistics.median(rates["torchvision"]), statistics.median(rates["nas"])
        ratios.append(mine / tv)
        print(f"{name:<30} {flops / 1e6:6.2f}M {tv:12.0f} {mine:8.0f} {mine / tv:5.2f}x", flush=True)
    print(f"median speed-up: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
