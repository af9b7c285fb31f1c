"""CIFAR-10 / CIFAR-100 in torchvision's on-disk format (downloaded only when asked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nas.data.dataset import ImageData
from nas.errors import DataError


def load_cifar(name: str, data_dir: str | Path | None, download: bool = False) -> ImageData:
    """CIFAR-10 (``name="cifar10"``) or CIFAR-100 as 3x32x32 uint8 tensors."""
    import torchvision

    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    root = Path(data_dir or "data")
    try:
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    except RuntimeError as exc:
        raise DataError(
            f"{name} not found in {root} ({str(exc).splitlines()[0]}); pass --data-dir with the "
            f"extracted 'cifar-{name[5:]}-*-python' folder's parent, or --download to fetch it"
        ) from None

    def tensors(ds: object) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2).contiguous()  # type: ignore[attr-defined]
        return x, torch.as_tensor(ds.targets, dtype=torch.int64)  # type: ignore[attr-defined]

    (train_x, train_y), (test_x, test_y) = tensors(train), tensors(test)
    return ImageData(name, train_x, train_y, test_x, test_y, len(train.classes), tuple(train.classes))
