"""``nas train``: train an exported (or preset) architecture at full fidelity; test accuracy."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an architecture on the whole training set and report its test accuracy",
        description=(
            "Train an architecture (a config YAML from 'nas export', or a preset name) on the whole "
            "training set with a cosine schedule, saving a checkpoint each epoch (re-run the same command "
            "to resume), then evaluate it once on the test split and write metrics.json."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("arch", metavar="ARCH", help="architecture YAML or preset name")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="run folder: checkpoint.pt, model.pt, metrics.json")
    p.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist, cifar10, cifar100, folder:PATH or synthetic")
    p.add_argument("--data-dir", metavar="DIR", help="where the data set's files are")
    p.add_argument("--download", action="store_true", help="let torchvision download CIFAR into --data-dir")
    p.add_argument("--adapt", action="store_true", help="re-target the architecture to the data set's input and classes")
    p.add_argument("--epochs", type=int, default=15, help="training epochs")
    p.add_argument("--batch-size", type=int, default=128, help="batch size")
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate at batch 128 (scaled with the batch size)")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation, shuffling and augmentation")
    p.add_argument("--no-flip", action="store_true", help="no horizontal flips (e.g. for digits)")
    p.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: all cores)")
    p.add_argument("--device", metavar="DEV", help="cpu or cuda (default: cuda when available)")
    p.add_argument("--onnx", metavar="PATH", help="also export the trained model to ONNX")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from nas.arch.shapes import validate
    from nas.builder import build_model
    from nas.cli.common import resolve_target
    from nas.data import load_dataset
    from nas.train import TrainSettings, set_threads
    from nas.train.full import train_full

    config = resolve_target(args.arch)
    data = load_dataset(args.dataset, args.data_dir, download=args.download)
    if args.adapt:
        c, h, _ = data.input_shape
        config = config.with_input(c, h, data.num_classes)
        validate(config)
    set_threads(args.threads)
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                             flip=not args.no_flip)
    try:
        result = train_full(config, data, settings, args.output, device=args.device,
                            progress=not args.no_progress and sys.stderr.isatty())
    except KeyboardInterrupt:
        print(f"nas train: interrupted; the last finished epoch is saved in {args.output}/checkpoint.pt "
              "(re-run the same command to resume)", file=sys.stderr)
        return 130
    print(f"{config.name}: test accuracy {result.test_accuracy:.2%} after {result.epochs} epochs "
          f"on {data.name} -> {result.metrics_path}")
    if args.onnx:
        import torch

        from nas.train.onnx import export_onnx

        model = build_model(config)
        model.load_state_dict(torch.load(f"{args.output}/model.pt", map_location="cpu"))
        print(f"ONNX: {export_onnx(model, config.input_shape, args.onnx)}")
    return 0
