"""``nas train``: train an exported (or preset) architecture at full fidelity; test accuracy."""

from __future__ import annotations

import argparse


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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("arch", metavar="ARCH", help="architecture: a config YAML (from 'nas export') or a preset name")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="run folder for checkpoint.pt, model.pt and metrics.json (re-use it to resume)")
    p.add_argument("--dataset", default="fashion-mnist",
                   help="fashion-mnist, cifar10, cifar100, folder:PATH or synthetic[:CxHxW[:CLASSES[:TRAIN]]]")
    p.add_argument("--data-dir", metavar="DIR", help="where the data set's files are (default: its usual place)")
    p.add_argument("--download", action="store_true", help="let torchvision download CIFAR into --data-dir")
    p.add_argument("--resolution", type=int, metavar="PX", help="image size for folder: data sets (default 64)")
    p.add_argument("--adapt", action="store_true",
                   help="re-target the architecture to the data set's channels, resolution and classes "
                        "(without it a mismatch is an error)")
    p.add_argument("--epochs", type=int, default=15, help="training epochs")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate at batch size 128 (scaled linearly)")
    p.add_argument("--weight-decay", type=float, default=5e-4, help="L2 penalty on weights")
    p.add_argument("--warmup", type=float, default=1.0, metavar="EPOCHS", help="linear warm-up length in epochs")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation, shuffling and augmentation")
    p.add_argument("--val-size", type=int, default=0, metavar="N",
                   help="carve N training images off as a validation split, scored after every epoch "
                        "(0: train on all of them)")
    p.add_argument("--no-augment", action="store_true", help="no random shifts or flips")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips (e.g. for digits)")
    p.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: every core)")
    p.add_argument("--device", metavar="DEV", help="cpu, cuda or cuda:N (default: cuda when available)")
    p.add_argument("--restart", action="store_true", help="ignore DIR's checkpoint and train from scratch")
    p.add_argument("--onnx", metavar="PATH", help="also export the trained model to this ONNX file")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from nas.cli.common import human, resolve_target
    from nas.data import load_dataset
    from nas.errors import NasError
    from nas.train import TrainSettings, set_threads
    from nas.train.full import adapt_config, load_trained, train_full

    if args.val_size < 0:
        raise NasError(f"--val-size must be >= 0, got {args.val_size}")
    config = resolve_target(args.arch)
    data = load_dataset(args.dataset, args.data_dir, download=args.download, resolution=args.resolution)
    config = adapt_config(config, data, adapt=args.adapt)
    set_threads(args.threads)
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                             weight_decay=args.weight_decay, warmup_epochs=args.warmup, seed=args.seed,
                             augment=not args.no_augment, flip=not args.no_flip)
    try:
        result = train_full(config, data, settings, args.output, device=args.device,
                            progress=not args.no_progress, resume=not args.restart, val_size=args.val_size)
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
