"""The block registry: ``BlockConfig.kind`` -> the module that builds it.

Every family is built the same way, ``BLOCKS[kind](block_config, in_channels)``, and reads
only its config; what each family accepts is declared in ``nas.arch.families``.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from nas.arch.config import BlockConfig
from nas.blocks.conv import ConvBlock, PoolBlock
from nas.blocks.convnext import ConvNeXtBlock, Downsample, Patchify
from nas.blocks.ghostnet import GhostBottleneck
from nas.blocks.hsnet import HSStem, ResHet
from nas.blocks.mobilenet import Bneck
from nas.blocks.resnet import BasicBlock

BLOCKS: dict[str, Callable[[BlockConfig, int], nn.Module]] = {
    "conv": ConvBlock,
    "pool": PoolBlock,
    "basic": BasicBlock,
    "bneck": Bneck,
    "ghost": GhostBottleneck,
    "reshet": ResHet,
    "cnx": ConvNeXtBlock,
    "down": Downsample,
    "patch": Patchify,
    "hsstem": HSStem,
}


def build_block(block: BlockConfig, in_channels: int) -> nn.Module:
    """Build one block for an input of ``in_channels`` channels."""
    return BLOCKS[block.kind](block, in_channels)

