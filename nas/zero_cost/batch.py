"""The one batch of real training data every zero-cost proxy scores a network on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from nas.data.dataset import Split
from nas.errors import NasError


def normalize(images: Tensor, mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """Images as the trainer feeds them: uint8 to ``(x / 255 - mean) / std`` in float32;
    float images are returned as they are (already normalised by the caller).

    Args:
        images: ``N x C x H x W`` uint8 or float images.
        mean: per-channel mean in [0, 1] units.
        std: per-channel std in [0, 1] units.

    Returns:
        Float32 images.
    """
    if images.is_floating_point():
        return images.float()
    channels = images.shape[1]
    if len(mean) != channels or len(std) != channels:
        raise NasError(f"zero-cost batch: {channels} image channels but {len(mean)} means and {len(std)} stds")
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (images.float() / 255.0 - m) / s


@dataclass(frozen=True, eq=False)
class Batch:
    """Normalised float32 images ``N x C x H x W`` and their int64 labels.

    Build it with :meth:`of` (from tensors) or :meth:`from_split` (a random draw from the
    training part of a split); both check shapes and normalise uint8 images like the trainer.
    """

    images: Tensor
    labels: Tensor

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or not self.images.is_floating_point():
            raise NasError(f"zero-cost batch: expected float images N x C x H x W, got {tuple(self.images.shape)} "
                           f"{self.images.dtype} (use Batch.of to normalise uint8 images)")
        if self.labels.ndim != 1 or len(self.labels) != len(self.images):
            raise NasError(f"zero-cost batch: {len(self.images)} images but labels of shape {tuple(self.labels.shape)}")
        if len(self.labels) < 2:
            raise NasError(f"zero-cost batch: at least 2 images are needed, got {len(self.labels)}")

    @property
    def size(self) -> int:
        """Images in the batch."""
        return len(self.labels)

    @classmethod
    def of(
        cls, images: Tensor, labels: Tensor, mean: Sequence[float] | None = None, std: Sequence[float] | None = None
    ) -> Batch:
        """A batch from image and label tensors.

        Args:
            images: uint8 images (normalised with ``mean``/``std``; default: scaled to [0, 1])
                or float images (used as they are).
            labels: class indices.
            mean: per-channel mean of the training images, in [0, 1] units.
            std: per-channel std, in [0, 1] units.

        Returns:
            The batch, on the CPU.
        """
        channels = images.shape[1] if images.ndim == 4 else 1
        x = normalize(images, mean or (0.0,) * channels, std or (1.0,) * channels)
        return cls(x, labels.long())

    @classmethod
    def from_split(cls, split: Split, size: int = 64, seed: int = 0) -> Batch:
        """``size`` training images of ``split`` drawn at random (the same for the same seed).

        Args:
            split: the data; only its training part is used.
            size: images in the batch (the whole training part when it has fewer).
            seed: selects the images.

        Returns:
            The batch, normalised with the split's statistics.
        """
        if size < 2:
            raise NasError(f"zero-cost batch size must be at least 2, got {size}")
        n = len(split.train_y)
        idx = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: min(size, n)]
        return cls.of(split.train_x[idx], split.train_y[idx], split.mean, split.std)
