"""``nas train``: train an exported (or preset) architecture at full fidelity; test accuracy."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nas.train.settings import TrainSettings


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an architecture on the whole training set and report its test accuracy",
        description=(
            "Train an architecture (a config YAML from 'nas export', or a preset name) on the whole "
            "training set with SGD (Nesterov), a linear warm-up and a cosine decay, saving a checkpoint "
            "after each epoch; an interrupted run (Ctrl-C, kill) resumes from its last finished epoch when "
            "the same command is run again. At the end the model is evaluated once on the test split and "
            "DIR/metrics.json (losses, accuracies, FLOPs, params, wall time) and DIR/model.pt are written."
        ),
    )
    p.add_argument("arch", metavar="ARCH", help="architecture: a config YAML (from 'nas export') or a preset name")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="run folder for checkpoint.pt, model.pt and metrics.json (re-use it to resume)")
    p.add_argument("--dataset", default="fashion-mnist",
                   help="fashion-mnist, cifar10, cifar100, folder:PATH or synthetic[:CxHxW[:CLASSES[:TRAIN]]] "
                        "(default: %(default)s)")
    p.add_argument("--data-dir", metavar="DIR", help="where the data set's files are (default: its usual place)")
    p.add_argument("--download", action="store_true", help="let torchvision download CIFAR into --data-dir")
    p.add_argument("--resolution", type=int, metavar="PX", help="image size for folder: data sets (default: 64)")
    p.add_argument("--adapt", action="store_true",
                   help="re-target the architecture to the data set's channels, resolution and classes "
                        "(without it a mismatch is an error)")
    add_recipe_options(p)
    p.add_argument("--val-size", type=int, default=0, metavar="N",
                   help="carve N training images off as a validation split, scored after every epoch "
                        "(default: 0, train on all of them)")
    p.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: every core)")
    p.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--restart", action="store_true", help="ignore DIR's checkpoint and train from scratch")
    p.add_argument("--onnx", metavar="PATH", help="also export the trained model to this ONNX file")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def add_recipe_options(p: argparse.ArgumentParser) -> None:
    """The full training recipe's options (shared by ``nas train`` and ``nas finalize``)."""
    p.add_argument("--epochs", type=int, default=15, metavar="N", help="training epochs (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=128, metavar="N", help="images per step (default: %(default)s)")
    p.add_argument("--lr", type=float, default=0.1,
                   help="peak learning rate at batch size 128, scaled linearly (default: %(default)s)")
    p.add_argument("--weight-decay", type=float, default=5e-4, metavar="WD",
                   help="L2 penalty on weights (default: %(default)s)")
    p.add_argument("--warmup", type=float, default=1.0, metavar="EPOCHS",
                   help="linear warm-up length in epochs (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of initialisation, shuffling and augmentation (default: %(default)s)")
    p.add_argument("--no-augment", action="store_true", help="no random shifts, flips or erasing")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips (e.g. for digits)")
    p.add_argument("--erase", type=float, default=0.0, metavar="P",
                   help="random erasing: each training image gets, with probability P, one random rectangle "
                        "(2-33%% of its area) set to the mean (default: 0, off)")
    p.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                   help="keep an exponential moving average of the weights with this decay per step (e.g. "
                        "0.999) and evaluate and save it instead of the last weights (default: 0, off)")


def recipe_settings(args: argparse.Namespace) -> TrainSettings:
    """The :class:`~nas.train.TrainSettings` that :func:`add_recipe_options`' options ask for."""
    from nas.train.settings import TrainSettings

    return TrainSettings(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         weight_decay=args.weight_decay, warmup_epochs=args.warmup, seed=args.seed,
                         augment=not args.no_augment, flip=not args.no_flip,
                         erase_prob=0.0 if args.no_augment else args.erase, ema_decay=args.ema)


def check_recipe(args: argparse.Namespace) -> None:
    """Refuse out-of-range recipe numbers (zero, negative, NaN, infinite), naming the option.

    Raises:
        NasError: for the first bad option.
    """
    from nas.errors import NasError

    checks = (
        ("--epochs", args.epochs, 1 <= args.epochs <= 10_000, "a whole number from 1 to 10,000"),
        ("--batch-size", args.batch_size, 1 <= args.batch_size <= 1_000_000, "a whole number from 1 to 1,000,000"),
        ("--lr", args.lr, 0 < args.lr < math.inf, "a finite number > 0"),
        ("--weight-decay", args.weight_decay, 0 <= args.weight_decay < math.inf, "a finite number >= 0"),
        ("--warmup", args.warmup, 0 <= args.warmup < math.inf, "a finite number of epochs >= 0"),
        ("--seed", args.seed, 0 <= args.seed < 2**63, "a whole number from 0 to 2**63 - 1"),
        ("--erase", args.erase, 0 <= args.erase <= 1, "a probability from 0 to 1"),
        ("--ema", args.ema, 0 <= args.ema < 1, "a decay from 0 up to (not including) 1"),
    )
    for option, value, ok, what in checks:
        if not ok:
            raise NasError(f"{option} must be {what}, got {value}")


def check_options(args: argparse.Namespace) -> None:
    """Refuse out-of-range numbers (zero, negative, NaN, infinite), naming the option.

    Raises:
        NasError: for the first bad option.
    """
    from nas.errors import NasError
    from nas.train.device import MAX_THREADS

    check_recipe(args)
    checks = (
        ("--val-size", args.val_size, args.val_size >= 0, "a whole number >= 0"),
        ("--threads", args.threads, args.threads is None or 1 <= args.threads <= MAX_THREADS,
         f"a whole number from 1 to {MAX_THREADS}"),
        ("--resolution", args.resolution, args.resolution is None or 4 <= args.resolution <= 4096,
         "a whole number of pixels from 4 to 4096"),
    )
    for option, value, ok, what in checks:
        if not ok:
            raise NasError(f"{option} must be {what}, got {value}")


def run(args: argparse.Namespace) -> int:
    import sys

    from nas.cli.common import human, resolve_target
    from nas.data import load_dataset
    from nas.errors import NasError, TrainingDiverged
    from nas.train import pick_device, set_threads
    from nas.train.full import adapt_config, load_trained, train_full

    check_options(args)
    pick_device(args.device)  # an unknown or absent device fails before the data is loaded
    config = resolve_target(args.arch)
    data = load_dataset(args.dataset, args.data_dir, download=args.download, resolution=args.resolution)
    config = adapt_config(config, data, adapt=args.adapt)
    set_threads(args.threads)
    settings = recipe_settings(args)
    try:
        result = train_full(config, data, settings, args.output, device=args.device,
                            progress=not args.no_progress, resume=not args.restart, val_size=args.val_size)
    except TrainingDiverged as exc:
        raise NasError(f"training diverged: {exc} (try a lower --lr than {args.lr:g})") from None
    except KeyboardInterrupt:
        print(f"nas train: interrupted; the last finished epoch is kept in {args.output}/checkpoint.pt "
              "(run the same command again, without --restart, to resume from it)", file=sys.stderr)
        return 130
    resumed = f" (resumed after epoch {result.resumed_from_epoch})" if result.resumed_from_epoch else ""
    val = f", last validation accuracy {result.val_accuracy[-1]:.2%}" if result.val_accuracy else ""
    print(f"{config.name} on {data.name}: test accuracy {result.test_accuracy:.2%} after {result.epochs} epochs"
          f"{resumed}{val}, {result.wall_s:.0f} s")
    print(f"metrics: {result.metrics_path}; weights: {result.model_path}")
    if args.onnx:
        from nas.train.onnx import export_onnx

        path = export_onnx(load_trained(args.output, config), config.input_shape, args.onnx)
        print(f"ONNX ({human(path.stat().st_size, 'B')}): {path}")
    return 0
