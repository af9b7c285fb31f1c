"""HetConv's CIFAR-10 networks (Singh et al. 2019): VGG-16 and ResNet-56 with HetConv part P."""

from __future__ import annotations

from nas.arch.config import ArchConfig, BlockConfig, HeadConfig, StageConfig
from nas.arch.notation import decode_blocks

VGG16_PARTS = (1, 2, 4, 8, 16, 32, 64)
RESNET56_PARTS = (1, 2, 4)


def vgg16_cifar(part: int = 1) -> ArchConfig:
    """VGG-16 for 32x32 CIFAR-10: first conv standard, convs 2-13 HetConv, 512-512-10 classifier."""
    p = f"_p{part}" if part > 1 else ""
    stages = [
        [f"conv_k3_c64{p}"],
        ["pool_k2_s2", f"conv_k3_c128{p}_r2"],
        ["pool_k2_s2", f"conv_k3_c256{p}_r3"],
        ["pool_k2_s2", f"conv_k3_c512{p}_r3"],
        ["pool_k2_s2", f"conv_k3_c512{p}_r3", "pool_k2_s2"],
    ]
    return ArchConfig(
        name=f"vgg16-cifar-p{part}",
        stem=BlockConfig("conv", out=64),
        stages=tuple(StageConfig(decode_blocks(s)) for s in stages),
        head=HeadConfig(hidden=512, act="relu", norm="bn"),
        in_channels=3, resolution=32, num_classes=10,
    )


def resnet56_cifar(part: int = 1) -> ArchConfig:
    """ResNet-56 for CIFAR-10: every 3x3 conv in the residual blocks is HetConv (stride-2 ones too)."""
    p = f"_p{part}" if part > 1 else ""
    stages = [
        [f"basic_k3_c16{p}_r9"],
        [f"basic_k3_s2_c32{p}", f"basic_k3_c32{p}_r8"],
        [f"basic_k3_s2_c64{p}", f"basic_k3_c64{p}_r8"],
    ]
    return ArchConfig(
        name=f"resnet56-cifar-p{part}",
        stem=BlockConfig("conv", out=16),
        stages=tuple(StageConfig(decode_blocks(s)) for s in stages),
        head=HeadConfig(),
        in_channels=3, resolution=32, num_classes=10,
    )
