"""Data sets held in memory as tensors, and the validation split carved from training data.

``load_dataset`` takes a spec:

* ``fashion-mnist``: 1x28x28, 10 classes, from Debian's ``dataset-fashion-mnist`` folder or
  ``data_dir``;
* ``cifar10`` / ``cifar100``: 3x32x32, torchvision's format in ``data_dir``;
* ``folder:PATH``: an image folder (``train/`` with ``val/`` or ``test/``, or one folder of
  class folders split 80/20), resized to ``resolution`` (default 64);
* ``synthetic[:CxHxW[:CLASSES[:TRAIN]]]``: a small learnable set for tests, e.g.
  ``synthetic:3x32x32:10`` (default ``synthetic:1x16x16:4:1024``; height must equal width).
"""

from __future__ import annotations

from pathlib import Path

from nas.data.dataset import ImageData, Split, split_train_val, subset
from nas.errors import DataError

DATASETS = ("fashion-mnist", "cifar10", "cifar100", "folder:PATH", "synthetic[:CxHxW[:CLASSES[:TRAIN]]]")


def _synthetic(spec: str) -> ImageData:
    from nas.data.synthetic import make_synthetic

    parts = spec.split(":")[1:]
    if len(parts) > 3:
        raise DataError(f"--dataset: expected synthetic[:CxHxW[:CLASSES[:TRAIN]]], got {spec!r}")
    try:
        c, h, w = (int(v) for v in parts[0].lower().split("x")) if parts else (1, 16, 16)
        classes = int(parts[1]) if len(parts) > 1 else 4
        train = int(parts[2]) if len(parts) > 2 else 1024
    except ValueError:
        raise DataError(f"--dataset: expected synthetic[:CxHxW[:CLASSES[:TRAIN]]], got {spec!r}") from None
    if h != w:
        raise DataError(f"--dataset: synthetic images are square, got {h}x{w} in {spec!r}")
    return make_synthetic(c, h, classes, train=train, test=max(classes, train // 4))


def load_dataset(
    spec: str, data_dir: str | Path | None = None, download: bool = False, resolution: int | None = None
) -> ImageData:
    """Load a data set into memory.

    Args:
        spec: one of :data:`DATASETS` (see the module's docstring).
        data_dir: where its files are (Fashion-MNIST defaults to Debian's package's folder,
            CIFAR to ``./data``).
        download: let torchvision download CIFAR (never done unless asked).
        resolution: image size for ``folder:`` data sets (default 64).

    Returns:
        The data set, as uint8 image and int64 label tensors.

    Raises:
        DataError: for an unknown spec, missing / unreadable files, or fewer than two classes.
    """
    return _check_classes(_load(spec, data_dir, download, resolution))


def _load(spec: str, data_dir: str | Path | None, download: bool, resolution: int | None) -> ImageData:
    if spec == "fashion-mnist":
        from nas.data.fashion_mnist import load_fashion_mnist

        return load_fashion_mnist(data_dir)
    if spec in ("cifar10", "cifar100"):
        from nas.data.cifar import load_cifar

        return load_cifar(spec, data_dir, download)
    if spec.startswith("folder:"):
        from nas.data.folder import load_folder

        return load_folder(spec.split(":", 1)[1], resolution or 64)
    if spec == "synthetic" or spec.startswith("synthetic:"):
        return _synthetic(spec)
    raise DataError(f"--dataset: unknown data set {spec!r} (choose from {', '.join(DATASETS)})")


def _check_classes(data: ImageData) -> ImageData:
    """``data``, refused when its training images do not span at least two classes (a classifier
    of one class is trivially "100% accurate")."""
    present = int(data.train_y.unique().numel())
    if data.num_classes < 2 or present < 2:
        names = f" ({', '.join(data.class_names)})" if data.class_names and len(data.class_names) < 2 else ""
        raise DataError(f"{data.name} has {min(present, data.num_classes)} class{names} in its training images; "
                        "classification needs at least two")
    return data


__all__ = ["DATASETS", "ImageData", "Split", "load_dataset", "split_train_val", "subset"]
