"""A small, learnable synthetic data set for tests: one smooth pattern per class, plus noise."""

from __future__ import annotations

import torch

from nas.data.dataset import ImageData


def make_synthetic(
    channels: int = 1, resolution: int = 16, classes: int = 4, train: int = 1024, test: int = 256, seed: int = 0
) -> ImageData:
    """Images whose class is a fixed random low-frequency pattern, shifted and noised per image."""
    gen = torch.Generator().manual_seed(seed)
    base = torch.rand(classes, channels, 4, 4, generator=gen)
    patterns = torch.nn.functional.interpolate(base, size=(resolution, resolution), mode="bilinear", align_corners=False)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.arange(n) % classes
        y = y[torch.randperm(n, generator=gen)]
        x = patterns[y] + 0.35 * torch.randn(n, channels, resolution, resolution, generator=gen)
        shift = torch.randint(-2, 3, (2,), generator=gen).tolist()
        x = torch.roll(x, shifts=shift, dims=(2, 3))
        return (x.clamp(0, 1) * 255).to(torch.uint8), y

    train_x, train_y = draw(train)
    test_x, test_y = draw(test)
    return ImageData("synthetic", train_x, train_y, test_x, test_y, classes, tuple(f"class{i}" for i in range(classes)))
