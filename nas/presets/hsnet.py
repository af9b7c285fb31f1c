"""HSNet (Yu, Gao, Hu 2021): HetConv + Ghost + ECA residual network.

The paper gives the stage plan (stem 224->112, four stages to 7x7, ECA in stages 1-3, a
1280-wide FC) and its cost (231.87M FLOPs, 3.0M params) but no channel widths: the widths
here are chosen to land on that cost, so this preset approximates the published network.
"""

from __future__ import annotations

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.notation import decode_blocks

_STAGES = (
    ("reshet_k3_s2_e2_c32_p8_g2_eca", "reshet_k3_e2_c32_p8_g2_eca"),
    ("reshet_k3_s2_e2_c64_p8_g2_eca", "reshet_k3_e2_c64_p8_g2_eca"),
    ("reshet_k3_s2_e2_c128_p8_g2_eca", "reshet_k3_e2_c128_p8_g2_eca_r2"),
    ("reshet_k3_s2_e2_c256_p8_g2", "reshet_k3_e2_c256_p8_g2"),
)


def hsnet() -> ArchConfig:
    """HSNet at 224x224, 1000 classes."""
    return ArchConfig(
        name="hsnet",
        stem=BlockConfig("hsstem", out=24, stride=2),
        stages=tuple(StageConfig(decode_blocks(s)) for s in _STAGES),
        head=HeadConfig(hidden=1280, act="relu", dropout=0.2),
        in_channels=3, resolution=224, num_classes=1000,
    )
