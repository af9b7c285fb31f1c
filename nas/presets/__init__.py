"""The papers' own networks as named configs in the same space the search explores."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from nas.arch.config import ArchConfig
from nas.errors import ConfigError
from nas.presets.convnext import convnext_tiny
from nas.presets.ghostnet import ghostnet
from nas.presets.hetconv import RESNET56_PARTS, VGG16_PARTS, resnet56_cifar, vgg16_cifar
from nas.presets.hsnet import hsnet
from nas.presets.mobilenetv3 import ldc, mobilenetv3_small

PRESETS: dict[str, Callable[[], ArchConfig]] = {
    **{f"vgg16-cifar-p{p}": partial(vgg16_cifar, p) for p in VGG16_PARTS},
    **{f"resnet56-cifar-p{p}": partial(resnet56_cifar, p) for p in RESNET56_PARTS},
    "mobilenetv3-small": mobilenetv3_small,
    "mobilenetv3-small-dc0": partial(mobilenetv3_small, "dc", (), "mobilenetv3-small-dc0"),
    **{f"mobilenetv3-small-ldc{v}": partial(ldc, v) for v in range(4)},
    "ghostnet-1.0": ghostnet,
    "hsnet": hsnet,
    "convnext-tiny": convnext_tiny,
    "convnext-tiny-k3": partial(convnext_tiny, 3, False, False, "convnext-tiny-k3"),
    "convnext-tiny-k3x1": partial(convnext_tiny, 3, True, False, "convnext-tiny-k3x1"),
    "convnext-tiny-multilevel": partial(convnext_tiny, 7, False, True, "convnext-tiny-multilevel"),
}

#: Which paper each preset comes from.
PAPERS = {
    "vgg16-cifar": "HetConv", "resnet56-cifar": "HetConv", "mobilenetv3-small": "LDC",
    "ghostnet": "GhostNet (HSNet's Ghost module)", "hsnet": "HSNet", "convnext-tiny": "multi-level residual",
}


def get_preset(name: str) -> ArchConfig:
    """The named preset's config at its paper's input.

    Raises:
        ConfigError: for an unknown name, listing the known ones.
    """
    try:
        return PRESETS[name]()
    except KeyError:
        raise ConfigError("preset", f"unknown preset {name!r} (see 'nas presets')") from None


def paper_of(name: str) -> str:
    return next((paper for prefix, paper in PAPERS.items() if name.startswith(prefix)), "")


__all__ = ["PRESETS", "get_preset", "paper_of"]
