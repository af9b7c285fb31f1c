"""``folder:PATH``: an ImageFolder (one sub-folder per class), held in memory at one resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nas.data.dataset import ImageData
from nas.errors import DataError


def _load_split(root: Path, resolution: int, classes: list[str] | None) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    from PIL import Image
    from torchvision.datasets import ImageFolder

    try:
        folder = ImageFolder(str(root))
    except (FileNotFoundError, OSError) as exc:
        raise DataError(f"{root}: not an image folder ({exc})") from None
    if not folder.samples:
        raise DataError(f"{root}: no images in its class folders")
    if classes is not None and folder.classes != classes:
        raise DataError(f"{root}: classes {folder.classes} differ from the training folder's {classes}")
    images, labels = [], []
    for path, label in folder.samples:
        try:
            with Image.open(path) as img:
                img = img.convert("RGB").resize((resolution, resolution), Image.BILINEAR)
                images.append(np.asarray(img, dtype=np.uint8))
        except OSError as exc:
            raise DataError(f"{path}: cannot read image ({exc})") from None
        labels.append(label)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(labels, dtype=torch.int64), folder.classes


def load_folder(path: str | Path, resolution: int = 64) -> ImageData:
    """Images from ``PATH/train`` and ``PATH/test`` (or ``PATH/val``); a single folder of class
    folders is split 80/20, deterministically.

    Args:
        path: the folder.
        resolution: every image is resized to ``resolution x resolution`` RGB.

    Returns:
        The data set, as 3-channel uint8 tensors.

    Raises:
        DataError: when the folder is missing, empty or holds an unreadable image.
    """
    root = Path(path)
    if resolution < 4:
        raise DataError(f"folder:{root}: resolution must be at least 4, got {resolution}")
    if not root.is_dir():
        raise DataError(f"folder:{root}: no such directory")
    test_dir = next((root / d for d in ("test", "val") if (root / d).is_dir()), None)
    if (root / "train").is_dir() and test_dir is not None:
        train_x, train_y, classes = _load_split(root / "train", resolution, None)
        test_x, test_y, _ = _load_split(test_dir, resolution, classes)
    else:
        x, y, classes = _load_split(root, resolution, None)
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
        cut = int(0.8 * len(y))
        train_x, train_y, test_x, test_y = x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]
    return ImageData(f"folder:{root}", train_x, train_y, test_x, test_y, len(classes), tuple(classes))
