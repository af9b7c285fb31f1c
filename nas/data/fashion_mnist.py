"""Fashion-MNIST from its four IDX files (Debian's ``dataset-fashion-mnist`` package)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nas.data.dataset import ImageData
from nas.data.idx import read_idx
from nas.errors import DataError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FILES = {
    "train_x": "train-images-idx3-ubyte", "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte", "test_y": "t10k-labels-idx1-ubyte",
}


def _find(directory: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise DataError(
        f"Fashion-MNIST not found: no {stem}[.gz] in {directory} (install it with "
        "'apt-get install dataset-fashion-mnist', or pass --data-dir with the four IDX files)"
    )


def _check(directory: Path, split: str, x: np.ndarray, y: np.ndarray) -> None:
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DataError(f"{directory}: {split} images are {x.dtype} {x.shape}, expected uint8 N x 28 x 28")
    if y.dtype != np.uint8 or y.ndim != 1 or len(x) != len(y):
        raise DataError(f"{directory}: {split} labels {y.dtype} {y.shape} do not match {len(x)} images")
    if len(y) and int(y.max()) >= len(CLASSES):
        raise DataError(f"{directory}: {split} labels go up to {int(y.max())}, expected 0..{len(CLASSES) - 1}")


def load_fashion_mnist(data_dir: str | Path | None = None) -> ImageData:
    """Fashion-MNIST as 1x28x28 uint8 tensors (60000 train, 10000 test, 10 classes).

    Args:
        data_dir: the folder with the four IDX files, gzipped or not (default: where
            Debian's ``dataset-fashion-mnist`` package puts them).

    Returns:
        The data set, in memory.

    Raises:
        DataError: when a file is missing, unreadable or not what Fashion-MNIST holds.
    """
    directory = Path(data_dir) if data_dir else DEFAULT_DIR
    paths = {key: _find(directory, stem) for key, stem in FILES.items()}
    arrays = {key: read_idx(path) for key, path in paths.items()}
    for split in ("train", "test"):
        _check(directory, split, arrays[f"{split}_x"], arrays[f"{split}_y"])
    return ImageData(
        name="fashion-mnist",
        train_x=torch.from_numpy(arrays["train_x"].copy()).unsqueeze(1),
        train_y=torch.from_numpy(arrays["train_y"].astype(np.int64)),
        test_x=torch.from_numpy(arrays["test_x"].copy()).unsqueeze(1),
        test_y=torch.from_numpy(arrays["test_y"].astype(np.int64)),
        num_classes=len(CLASSES),
        class_names=CLASSES,
    )
