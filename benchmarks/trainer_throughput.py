"""Training throughput of ``train_proxy`` against a bare training loop on the same model.

Usage: ``python benchmarks/trainer_throughput.py [--images N] [--repeats R] [--threads T]
[--batch-size B] [--data-dir DIR]``

For each CNN size, both sides start from the same initial weights and train one epoch of the
same Fashion-MNIST images at the same batch size and thread count. The bare loop gets its
batches already normalised, as float tensors, and does nothing but
``loss = F.cross_entropy(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()`` with the
same SGD (Nesterov) settings; it uses torch's default SGD implementation unless
``--bare-foreach`` gives it the multi-tensor (``foreach``) one the trainer uses. The trainer's figure is its training time only (shuffling,
augmentation, normalisation, schedule, label smoothing and progress bookkeeping included;
validation excluded). Runs are interleaved after a warm-up (which side goes first alternates), and
medians of images/s are reported with their ratio; the target is a ratio of at least 0.9.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from nas.data import load_dataset, split_train_val, subset
from nas.data.dataset import Split
from nas.training import TrainSettings, set_threads, train_proxy

WIDTHS = {"small": (16, 32), "medium": (32, 64, 128), "wide": (64, 128, 256)}


def make_cnn(widths: tuple[int, ...], in_channels: int = 1, classes: int = 10) -> nn.Module:
    """Conv-BN-ReLU stages, each halving the resolution after the first, then a linear head."""
    layers: list[nn.Module] = []
    c = in_channels
    for i, w in enumerate(widths):
        if i:
            layers.append(nn.MaxPool2d(2))
        layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes)]
    return nn.Sequential(*layers)


def bare_epoch(model: nn.Module, split: Split, settings: TrainSettings, foreach: bool | None = None) -> float:
    """Images/s of a bare loop over pre-normalised, pre-batched float tensors."""
    mean = torch.tensor(split.mean).view(1, -1, 1, 1)
    std = torch.tensor(split.std).view(1, -1, 1, 1)
    x, y = (split.train_x.float() / 255 - mean) / std, split.train_y
    bs = settings.batch_size
    batches = [(x[i : i + bs], y[i : i + bs]) for i in range(0, len(y) - bs + 1, bs)]
    opt = torch.optim.SGD(
        [
            {"params": [p for p in model.parameters() if p.ndim > 1], "weight_decay": settings.weight_decay},
            {"params": [p for p in model.parameters() if p.ndim <= 1], "weight_decay": 0.0},
        ],
        lr=settings.lr, momentum=settings.momentum, nesterov=True,
        foreach=foreach,
    )
    model.train()
    start = time.perf_counter()
    for xb, yb in batches:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return len(batches) * bs / (time.perf_counter() - start)


def trainer_epoch(model: nn.Module, split: Split, settings: TrainSettings) -> float:
    """Images/s of ``train_proxy`` (training part only)."""
    return train_proxy(model, split, settings, device="cpu", progress=False).samples_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6400, help="training images per run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=TrainSettings().batch_size)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--bare-foreach", action="store_true", help="give the bare loop foreach SGD too")
    parser.add_argument("--sizes", default="small,medium", help="comma-separated: small, medium, wide")
    args = parser.parse_args()

    threads = set_threads(args.threads)
    foreach = True if args.bare_foreach else None
    data = load_dataset("fashion-mnist", args.data_dir)
    split = subset(split_train_val(data, val_size=500, seed=0), args.images, seed=0)
    settings = TrainSettings(epochs=1, batch_size=args.batch_size, eval_batch_size=500)
    print(f"fashion-mnist, {len(split.train_y)} images/run, batch {settings.batch_size}, "
          f"{threads} threads, {args.repeats} repeats (medians), bare SGD "
          f"{'foreach' if args.bare_foreach else 'default'}")
    print(f"{'model':<8} {'params':>8} {'trainer img/s':>14} {'bare img/s':>11} {'ratio':>6}")
    for name in args.sizes.split(","):
        torch.manual_seed(0)
        initial = make_cnn(WIDTHS[name])
        params = sum(p.numel() for p in initial.parameters())
        trainer_epoch(copy.deepcopy(initial), split, settings)  # warm-up
        bare_epoch(copy.deepcopy(initial), split, settings, foreach)
        ours, bare = [], []
        for r in range(args.repeats):
            # Alternate which side goes first, so a slow spell of the machine hits both alike.
            if r % 2:
                bare.append(bare_epoch(copy.deepcopy(initial), split, settings, foreach))
            ours.append(trainer_epoch(copy.deepcopy(initial), split, settings))
            if not r % 2:
                bare.append(bare_epoch(copy.deepcopy(initial), split, settings, foreach))
        a, b = statistics.median(ours), statistics.median(bare)
        print(f"{name:<8} {params:>8} {a:>14.0f} {b:>11.0f} {a / b:>6.3f}")


if __name__ == "__main__":
    main()
