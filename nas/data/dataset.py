"""Image data held in memory as tensors, and the train/validation split used to select models."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


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
        return int(self.train_x.shape[1])

    @property
    def resolution(self) -> int:
        return int(self.train_x.shape[2])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.resolution, int(self.train_x.shape[3]))


@dataclass(frozen=True, eq=False)
class Split:
    """Training and validation tensors (uint8 images, int64 labels), plus normalisation stats
    computed on the training part only."""

    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_x.shape[1:])  # type: ignore[return-value]


def channel_stats(images: Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images, in [0, 1] units."""
    x = images.float().div_(255).transpose(0, 1).reshape(images.shape[1], -1)
    return tuple(x.mean(1).tolist()), tuple(x.std(1).clamp_min(1e-3).tolist())


def _stratified(labels: Tensor, count: int, generator: torch.Generator) -> Tensor:
    """Indices of ``count`` samples drawn class-balanced (as far as the classes allow)."""
    classes = labels.unique()
    per_class = [torch.nonzero(labels == c).flatten() for c in classes]
    per_class = [idx[torch.randperm(len(idx), generator=generator)] for idx in per_class]
    share = count // len(classes)
    chosen = [idx[:share] for idx in per_class]
    remainder = torch.cat([idx[share:] for idx in per_class])
    extra = count - sum(len(c) for c in chosen)
    if extra > 0:
        chosen.append(remainder[torch.randperm(len(remainder), generator=generator)[:extra]])
    return torch.cat(chosen).sort().values


def split_train_val(data: ImageData, val_size: int | None = None, val_fraction: float = 0.1, seed: int = 0) -> Split:
    """Carve a stratified validation split out of the TRAINING set (the test set is not touched).

    Args:
        data: the data set.
        val_size: validation images (default: ``val_fraction`` of the training set).
        val_fraction: used when ``val_size`` is None.
        seed: makes the split deterministic.
    """
    n = len(data.train_y)
    size = int(val_size if val_size is not None else round(n * val_fraction))
    size = max(1, min(size, n - 1))
    gen = torch.Generator().manual_seed(seed)
    val_idx = _stratified(data.train_y, size, gen)
    mask = torch.ones(n, dtype=torch.bool)
    mask[val_idx] = False
    train_x, train_y = data.train_x[mask], data.train_y[mask]
    mean, std = channel_stats(train_x)
    return Split(train_x, train_y, data.train_x[val_idx], data.train_y[val_idx], data.num_classes, mean, std)


def subset(split: Split, n_train: int, seed: int = 0) -> Split:
    """The same split with a class-balanced subset of ``n_train`` training images."""
    if n_train >= len(split.train_y):
        return split
    idx = _stratified(split.train_y, n_train, torch.Generator().manual_seed(seed + 1))
    return Split(split.train_x[idx], split.train_y[idx], split.val_x, split.val_y, split.num_classes, split.mean, split.std)
