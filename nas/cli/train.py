"""``nas train``: train an exported (or preset) architecture at full fidelity; test accuracy."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nas.training.settings import TrainSettings


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
    p.add_argument("--resolution", metavar="PX", help="image size for folder: data sets (default: 64)")
    p.add_argument("--adapt", action="store_true",
                   help="re-target the architecture to the data set's channels, resolution and classes "
                        "(without it a mismatch is an error)")
    add_recipe_options(p)
    p.add_argument("--val-size", metavar="N",
                   help="carve N training images off as a validation split, scored after every epoch "
                        "(default: 0, train on all of them)")
    p.add_argument("--threads", metavar="N", help="torch CPU threads (default: every core)")
    p.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--restart", action="store_true", help="ignore DIR's checkpoint and train from scratch")
    p.add_argument("--onnx", metavar="PATH", help="also export the trained model to this ONNX file")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def add_recipe_options(p: argparse.ArgumentParser) -> None:
    """The full training recipe's options (shared by ``nas train`` and ``nas finalize``); the
    values are read and checked by :mod:`nas.api.recipe`, which holds their defaults."""
    from nas.api.recipe import RECIPE

    d = {name: default for name, (_, default) in RECIPE.items()}
    p.add_argument("--epochs", metavar="N", help=f"training epochs (default: {d['epochs']})")
    p.add_argument("--batch-size", metavar="N", help=f"images per step (default: {d['batch_size']})")
    p.add_argument("--lr", help=f"peak learning rate at batch size 128, scaled linearly (default: {d['lr']})")
    p.add_argument("--weight-decay", metavar="WD", help=f"L2 penalty on weights (default: {d['weight_decay']})")
    p.add_argument("--warmup", metavar="EPOCHS", help=f"linear warm-up length in epochs (default: {d['warmup']})")
    p.add_argument("--seed", help=f"seed of initialisation, shuffling and augmentation (default: {d['seed']})")
    p.add_argument("--no-augment", action="store_true", help="no random shifts, flips or erasing")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips (e.g. for digits)")
    p.add_argument("--erase", metavar="P",
                   help="random erasing: each training image gets, with probability P, one random rectangle "
                        "(2-33%% of its area) set to the mean (default: 0, off)")
    p.add_argument("--ema", metavar="DECAY",
                   help="keep an exponential moving average of the weights with this decay per step (e.g. "
                        "0.999) and evaluate and save it instead of the last weights (default: 0, off)")


def recipe_settings(args: argparse.Namespace) -> TrainSettings:
    """The :class:`~nas.training.TrainSettings` that :func:`add_recipe_options`' options ask for.

    Raises:
        NasError: for the first bad value, naming its option.
    """
    from nas.api.recipe import RECIPE, recipe_from

    return recipe_from({name: getattr(args, name) for name in RECIPE})


def run(args: argparse.Namespace) -> int:
    import sys

    from nas.api.recipe import RECIPE
    from nas.api.train import OPTIONS, train
    from nas.cli.common import human

    given = {name: getattr(args, name) for name in (*OPTIONS, *RECIPE)}
    try:
        trained = train(args.arch, **given)
    except KeyboardInterrupt:
        print(f"nas train: interrupted; the last finished epoch is kept in {args.output}/checkpoint.pt "
              "(run the same command again, without --restart, to resume from it)", file=sys.stderr)
        return 130
    config, result = trained.config, trained.result
    resumed = f" (resumed after epoch {result.resumed_from_epoch})" if result.resumed_from_epoch else ""
    val = f", last validation accuracy {result.val_accuracy[-1]:.2%}" if result.val_accuracy else ""
    print(f"{config.name} on {trained.dataset}: test accuracy {result.test_accuracy:.2%} after {result.epochs} epochs"
          f"{resumed}{val}, {result.wall_s:.0f} s")
    print(f"metrics: {result.metrics_path}; weights: {result.model_path}")
    if trained.onnx is not None:
        print(f"ONNX ({human(trained.onnx.stat().st_size, 'B')}): {trained.onnx}")
    return 0
