"""CIFAR-10 / CIFAR-100 in torchvision's on-disk format (downloaded only when asked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from nas.data.dataset import ImageData
from nas.errors import DataError

_FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python"}


def _tensors(ds: Any) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2).contiguous()
    return x, torch.as_tensor(ds.targets, dtype=torch.int64)


def load_cifar(name: str, data_dir: str | Path | None = None, download: bool = False) -> ImageData:
    """CIFAR-10 or CIFAR-100 as 3x32x32 uint8 tensors (50000 train, 10000 test).

    Args:
        name: ``cifar10`` or ``cifar100``.
        data_dir: the folder holding torchvision's extracted folder (default ``./data``).
        download: let torchvision fetch it into ``data_dir`` when absent.

    Returns:
        The data set, in memory.

    Raises:
        DataError: when the files are missing or unreadable.
    """
    import torchvision

    if name not in _FOLDERS:
        raise DataError(f"unknown CIFAR variant {name!r} (choose cifar10 or cifar100)")
    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    root = Path(data_dir or "data")
    try:
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    except (RuntimeError, OSError, ValueError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(
            f"{name} not found in {root} ({reason}); pass --data-dir with the folder that holds "
            f"{_FOLDERS[name]}/, or --download to fetch it"
        ) from None
    (train_x, train_y), (test_x, test_y) = _tensors(train), _tensors(test)
    return ImageData(name, train_x, train_y, test_x, test_y, len(train.classes), tuple(train.classes))
