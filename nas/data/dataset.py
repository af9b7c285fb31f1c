"""Image data held in memory as tensors, and the train/validation split used to select models."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from nas.errors import DataError


@dataclass(frozen=True, eq=False)
class ImageData:
    """A labelled image data set: uint8 images ``N x C x H x W`` and int64 labels.

    Attributes:
        name: the data set's name.
        train_x, train_y: the training split (validation is carved from it).
        test_x, test_y: the test split, used only for final reports of exported models.
        num_classes: number of classes.
        class_names: a name per class.
    """

    name: str
    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor
    num_classes: int
    class_names: tuple[str, ...] = ()

    @property
    def channels(self) -> int:
        """Image channels (1 for grey, 3 for colour)."""
        return int(self.train_x.shape[1])

    @property
    def resolution(self) -> int:
        """Image height in pixels."""
        return int(self.train_x.shape[2])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one image."""
        return (self.channels, self.resolution, int(self.train_x.shape[3]))


@dataclass(frozen=True, eq=False)
class Split:
    """Training and validation tensors (uint8 images, int64 labels), with per-channel mean and
    std (in [0, 1] units) computed on the training part only; the trainer normalises batches
    on the device with them, so images are held once, as bytes."""

    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one image."""
        return tuple(int(v) for v in self.train_x.shape[1:])  # type: ignore[return-value]


def channel_stats(images: Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images ``N x C x H x W``, in [0, 1] units.

    Exact, from each channel's 256-bin histogram: no float copy of the set is made.
    """
    if images.dtype != torch.uint8:
        flat = images.transpose(0, 1).reshape(images.shape[1], -1).double() / 255
        return tuple(flat.mean(1).tolist()), tuple(flat.std(1, correction=0).clamp_min(1e-3).tolist())
    values = torch.arange(256, dtype=torch.float64)
    means, stds = [], []
    for c in range(images.shape[1]):
        hist = torch.bincount(images[:, c].reshape(-1), minlength=256).double()
        count = hist.sum().clamp_min(1)
        mean = (hist * values).sum() / count
        var = (hist * (values - mean).square()).sum() / count
        means.append(float(mean) / 255)
        stds.append(max(float(var.sqrt()) / 255, 1e-3))
    return tuple(means), tuple(stds)


def _per_class(labels: Tensor, generator: torch.Generator) -> list[Tensor]:
    """Each class's indices, shuffled."""
    out = []
    for c in labels.unique().tolist():
        idx = torch.nonzero(labels == c).flatten()
        out.append(idx[torch.randperm(len(idx), generator=generator)])
    return out


def _proportional(labels: Tensor, count: int, generator: torch.Generator) -> Tensor:
    """``count`` indices whose class shares match the labels' (largest remainder rounding)."""
    groups = _per_class(labels, generator)
    n = len(labels)
    exact = [count * len(g) / n for g in groups]
    take = [int(e) for e in exact]
    order = sorted(range(len(groups)), key=lambda i: exact[i] - take[i], reverse=True)
    for i in order[: count - sum(take)]:
        take[i] += 1
    return torch.cat([g[:k] for g, k in zip(groups, take)]).sort().values


def _balanced(labels: Tensor, count: int, generator: torch.Generator) -> Tensor:
    """``count`` indices with as equal a number per class as the classes allow."""
    groups = _per_class(labels, generator)
    take = [0] * len(groups)
    left = count
    while left > 0:
        open_ = [i for i, g in enumerate(groups) if take[i] < len(g)]
        share = max(1, left // len(open_))
        for i in open_:
            extra = min(share, len(groups[i]) - take[i], left)
            take[i] += extra
            left -= extra
            if left == 0:
                break
    return torch.cat([g[:k] for g, k in zip(groups, take)]).sort().values


def split_train_val(data: ImageData, val_size: int | None = None, val_fraction: float = 0.1, seed: int = 0) -> Split:
    """Carve a stratified validation split out of the TRAINING set (the test set is never used).

    Args:
        data: the data set.
        val_size: validation images (default: ``val_fraction`` of the training set).
        val_fraction: used when ``val_size`` is None.
        seed: the same seed always gives the same split.

    Returns:
        The split: disjoint training and validation parts whose class shares match the
        training set's, with normalisation statistics of the training part.

    Raises:
        DataError: when the validation part would leave no training images.
    """
    n = len(data.train_y)
    size = int(val_size if val_size is not None else round(n * val_fraction))
    if not 0 < size < n:
        raise DataError(f"validation size {size} must be between 1 and {n - 1} (the training set has {n} images)")
    val_idx = _proportional(data.train_y, size, torch.Generator().manual_seed(seed))
    mask = torch.ones(n, dtype=torch.bool)
    mask[val_idx] = False
    train_x, train_y = data.train_x[mask], data.train_y[mask]
    mean, std = channel_stats(train_x)
    return Split(train_x, train_y, data.train_x[val_idx], data.train_y[val_idx], data.num_classes, mean, std)


def subset(split: Split, n_train: int, seed: int = 0) -> Split:
    """The same split with a class-balanced subset of ``n_train`` training images.

    Args:
        split: the split to shrink (validation and statistics are kept as they are).
        n_train: training images to keep; the split is returned unchanged when it has fewer.
        seed: the same seed always gives the same subset.

    Returns:
        The smaller split.
    """
    if n_train >= len(split.train_y):
        return split
    if n_train < 1:
        raise DataError(f"training subset size must be at least 1, got {n_train}")
    idx = _balanced(split.train_y, n_train, torch.Generator().manual_seed(seed + 1))
    return Split(split.train_x[idx], split.train_y[idx], split.val_x, split.val_y, split.num_classes, split.mean, split.std)
