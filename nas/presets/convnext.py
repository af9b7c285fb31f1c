"""ConvNeXt-T (Liu et al. 2022) and the kernel-factorization / multi-level-residual variants."""

from __future__ import annotations

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.notation import decode_blocks

DEPTHS = (3, 3, 9, 3)
DIMS = (96, 192, 384, 768)


def convnext_tiny(kernel: int = 7, factorize: bool = False, multilevel: bool = False, name: str = "convnext-tiny") -> ArchConfig:
    """ConvNeXt-T at 224x224, 1000 classes.

    Args:
        kernel: depthwise kernel size (7 in the original, 3 in the paper's variant).
        factorize: kxk depthwise as kx1 then 1xk.
        multilevel: add a stage-level shortcut to every stage.
    """
    f = "_f" if factorize else ""
    stages = []
    for i, (depth, dim) in enumerate(zip(DEPTHS, DIMS)):
        texts = [] if i == 0 else [f"down_k2_s2_c{dim}"]
        texts.append(f"cnx_k{kernel}_c{dim}{f}_r{depth}")
        stages.append(StageConfig(decode_blocks(texts), "stage" if multilevel else "block"))
    return ArchConfig(
        name=name,
        stem=BlockConfig("patch", out=DIMS[0], kernel=4, stride=4),
        stages=tuple(stages),
        head=HeadConfig(norm="ln"),
        in_channels=3, resolution=224, num_classes=1000,
    )
