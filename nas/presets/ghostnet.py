"""GhostNet 1.0x (Han et al. 2020), the Ghost module's reference network."""

from __future__ import annotations

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.notation import decode_blocks

_STAGES = (
    ("ghost_k3_x16_c16",),
    ("ghost_k3_s2_x48_c24", "ghost_k3_x72_c24"),
    ("ghost_k5_s2_x72_c40_se", "ghost_k5_x120_c40_se"),
    ("ghost_k3_s2_x240_c80", "ghost_k3_x200_c80", "ghost_k3_x184_c80_r2", "ghost_k3_x480_c112_se",
     "ghost_k3_x672_c112_se"),
    ("ghost_k5_s2_x672_c160_se", "ghost_k5_x960_c160", "ghost_k5_x960_c160_se", "ghost_k5_x960_c160",
     "ghost_k5_x960_c160_se", "conv_k1_c960"),
)


def ghostnet() -> ArchConfig:
    """GhostNet 1.0x at 224x224, 1000 classes (Ghost ratio 2, 1280-wide head)."""
    return ArchConfig(
        name="ghostnet-1.0",
        stem=BlockConfig("conv", out=16, stride=2),
        stages=tuple(StageConfig(decode_blocks(s)) for s in _STAGES),
        head=HeadConfig(hidden=1280, act="relu", dropout=0.2),
        in_channels=3, resolution=224, num_classes=1000,
    )
