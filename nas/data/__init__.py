"""Data sets held in memory as tensors, and the validation split carved from training data."""

from __future__ import annotations

from pathlib import Path

from nas.data.dataset import ImageData, Split, split_train_val, subset
from nas.errors import DataError

DATASETS = ("fashion-mnist", "cifar10", "cifar100", "folder:PATH", "synthetic[:CxHxW[:CLASSES]]")


def load_dataset(spec: str, data_dir: str | Path | None = None, download: bool = False, resolution: int | None = None) -> ImageData:
    """Load a data set by name.

    Args:
        spec: ``fashion-mnist``, ``cifar10``, ``cifar100``, ``folder:PATH`` or
            ``synthetic[:CxHxW[:CLASSES]]`` (default ``synthetic:1x16x16:4``).
        data_dir: where its files are (fashion-mnist defaults to Debian's package's folder).
        download: let torchvision download CIFAR (never done unless asked).
        resolution: image size for ``folder:`` data sets (default 64).

    Raises:
        DataError: for an unknown name or missing / unreadable files.
    """
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
        from nas.data.synthetic import make_synthetic

        parts = spec.split(":")[1:]
        try:
            c, h, _ = (int(v) for v in parts[0].split("x")) if parts else (1, 16, 16)
            classes = int(parts[1]) if len(parts) > 1 else 4
        except ValueError:
            raise DataError(f"--dataset: expected synthetic[:CxHxW[:CLASSES]], got {spec!r}") from None
        return make_synthetic(c, h, classes)
    raise DataError(f"--dataset: unknown data set {spec!r} (choose from {', '.join(DATASETS)})")


__all__ = ["DATASETS", "DataError", "ImageData", "Split", "load_dataset", "split_train_val", "subset"]
