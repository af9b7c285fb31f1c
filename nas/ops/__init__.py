"""Op layer: the building blocks every block family is assembled from."""

from __future__ import annotations

from nas.ops.act import ACTIVATIONS, make_act
from nas.ops.deform import DeformConv, LowCostDeformConv, deform_conv_flop_handle
from nas.ops.eca import ECA, eca_kernel_size
from nas.ops.factorized import DepthwiseConv
from nas.ops.ghost import GhostModule
from nas.ops.hetconv import HetConv
from nas.ops.norm import LayerNorm2d
from nas.ops.se import SqueezeExcite, make_divisible
from nas.ops.shortcut import StageShortcut

__all__ = [
    "ACTIVATIONS",
    "DeformConv",
    "DepthwiseConv",
    "ECA",
    "GhostModule",
    "HetConv",
    "LayerNorm2d",
    "LowCostDeformConv",
    "SqueezeExcite",
    "StageShortcut",
    "deform_conv_flop_handle",
    "eca_kernel_size",
    "make_act",
    "make_divisible",
]
