"""Fashion-MNIST from its four IDX files (Debian's ``dataset-fashion-mnist`` package)."""

from __future__ import annotations

from pathlib import Path

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
        if (directory / name).exists():
            return directory / name
    raise DataError(
        f"Fashion-MNIST not found: no {stem}[.gz] in {directory} "
        "(install it with 'apt-get install dataset-fashion-mnist', or pass --data-dir with the four IDX files)"
    )


def load_fashion_mnist(data_dir: str | Path | None = None) -> ImageData:
    """Fashion-MNIST as 1x28x28 uint8 tensors (60000 train, 10000 test, 10 classes)."""
    directory = Path(data_dir) if data_dir else DEFAULT_DIR
    arrays = {key: read_idx(_find(directory, stem)) for key, stem in FILES.items()}
    for split in ("train", "test"):
        x, y = arrays[f"{split}_x"], arrays[f"{split}_y"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(f"{directory}: {split} images {x.shape} and labels {y.shape} do not match")
    return ImageData(
        name="fashion-mnist",
        train_x=torch.from_numpy(arrays["train_x"].copy()).unsqueeze(1),
        train_y=torch.from_numpy(arrays["train_y"].astype("int64")),
        test_x=torch.from_numpy(arrays["test_x"].copy()).unsqueeze(1),
        test_y=torch.from_numpy(arrays["test_y"].astype("int64")),
        num_classes=10,
        class_names=CLASSES,
    )
