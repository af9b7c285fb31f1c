"""MobileNetV3-small (torchvision's layout) and the LDC paper's variants (Sun, Pan, Zhang 2022).

The paper's "layer k" is torchvision's ``features[k-1]``: ``features[0]`` is the stem, 1-11
the bnecks, 12 the final 1x1 conv. DC0 / LDC0 make the stem deformable; LDC1 removes layer 6
(a 40-channel 5x5 block at 14x14), LDC2 layer 11 (a 96-channel 5x5 block at 7x7), LDC3 both.
"""

from __future__ import annotations

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.notation import decode_block

# torchvision features[1..12], grouped into stages by resolution (112 -> 56, 28, 14, 7).
_LAYERS = (
    ("bneck_k3_s2_x16_c16_se_re",),
    ("bneck_k3_s2_x72_c24_re", "bneck_k3_x88_c24_re"),
    ("bneck_k5_s2_x96_c40_se_hs", "bneck_k5_x240_c40_se_hs", "bneck_k5_x240_c40_se_hs",
     "bneck_k5_x120_c48_se_hs", "bneck_k5_x144_c48_se_hs"),
    ("bneck_k5_s2_x288_c96_se_hs", "bneck_k5_x576_c96_se_hs", "bneck_k5_x576_c96_se_hs", "conv_k1_c576_hs"),
)

#: LDC variant -> the paper's layer numbers removed.
LDC_REMOVED = {0: (), 1: (6,), 2: (11,), 3: (6, 11)}


def mobilenetv3_small(stem: str = "none", removed: tuple[int, ...] = (), name: str = "mobilenetv3-small") -> ArchConfig:
    """MobileNetV3-small at 224x224, 1000 classes.

    Args:
        stem: ``"none"``, ``"dc"`` or ``"ldc"``: the stem conv's deformable kind.
        removed: the paper's layer numbers (2-12) to delete.
    """
    stages, layer = [], 2
    for group in _LAYERS:
        blocks = []
        for text in group:
            if layer not in removed:
                blocks.append(decode_block(text)[0])
            layer += 1
        stages.append(StageConfig(tuple(blocks)))
    return ArchConfig(
        name=name,
        stem=BlockConfig("conv", out=16, stride=2, act="hswish", deform=stem),
        stages=tuple(stages),
        head=HeadConfig(hidden=1024, act="hswish", dropout=0.2),
        in_channels=3, resolution=224, num_classes=1000,
    )


def ldc(variant: int) -> ArchConfig:
    """LDC0-3: low-cost deformable stem, plus the block removals of LDC1-3."""
    return mobilenetv3_small("ldc", LDC_REMOVED[variant], name=f"mobilenetv3-small-ldc{variant}")
