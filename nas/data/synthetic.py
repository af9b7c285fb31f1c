"""A small, learnable synthetic data set for tests: one texture (a striped grating) per class.

Each class has its own stripe orientation, frequency and colour; every image gets a random
phase (so position tells nothing) and Gaussian noise. Small CNNs with global pooling learn it
in a few epochs; a flip maps an orientation to one no class uses, so flips do not confuse it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from nas.data.dataset import ImageData
from nas.errors import DataError

MAX_BYTES = 2**30  # 1 GiB of uint8 pixels (generating them needs several times that in floats)


def make_synthetic(
    channels: int = 1,
    resolution: int = 16,
    classes: int = 4,
    train: int = 1024,
    test: int = 256,
    seed: int = 0,
    noise: float = 0.3,
) -> ImageData:
    """Images whose class is a striped texture, with a random phase and noise per image.

    Args:
        channels: image channels.
        resolution: image height and width.
        classes: number of classes (labels are spread evenly).
        train: training images.
        test: test images.
        seed: the same seed gives the same images.
        noise: standard deviation of the per-pixel Gaussian noise (patterns lie in [0, 1]).

    Returns:
        The data set, as uint8 tensors.

    Raises:
        DataError: for fewer than two classes, sizes below 1 or a set larger than 1 GiB.
    """
    if min(channels, resolution, classes, train, test) < 1 or resolution < 4 or classes < 2:
        raise DataError(
            f"synthetic data needs channels >= 1, resolution >= 4, classes >= 2 and images >= 1; got "
            f"{channels}x{resolution}x{resolution}, {classes} classes, {train}/{test} images"
        )
    if channels * resolution * resolution * (train + test) > MAX_BYTES:
        raise DataError(
            f"synthetic data of {train}+{test} images of {channels}x{resolution}x{resolution} would take more than "
            f"{MAX_BYTES // 2**20} MiB; it is meant for small tests"
        )
    gen = torch.Generator().manual_seed(seed)
    half = (classes + 1) // 2
    k = torch.arange(classes)
    angle = (k % half).float() / half * (math.pi / 2)  # in [0, pi/2): a flip gives one no class has
    freq = resolution / 8 * torch.where(k < half, 1.0, 1.7)  # stripes per image
    colour = 0.5 + 0.5 * torch.rand(classes, channels, generator=gen)
    grid = torch.arange(resolution, dtype=torch.float32) / resolution
    v, u = torch.meshgrid(grid, grid, indexing="ij")

    def draw(n: int) -> tuple[Tensor, Tensor]:
        y = (torch.arange(n) % classes)[torch.randperm(n, generator=gen)]
        phase = 2 * math.pi * torch.rand(n, 1, 1, generator=gen)
        wave = torch.sin(
            2 * math.pi * freq[y, None, None] * (angle.cos()[y, None, None] * u + angle.sin()[y, None, None] * v) + phase
        )
        x = 0.5 + 0.35 * colour[y][:, :, None, None] * wave[:, None]
        x = x + noise * torch.randn(x.shape, generator=gen)
        return (x.clamp(0, 1) * 255).round().to(torch.uint8), y

    train_x, train_y = draw(train)
    test_x, test_y = draw(test)
    names = tuple(f"class{i}" for i in range(classes))
    return ImageData("synthetic", train_x, train_y, test_x, test_y, classes, names)
