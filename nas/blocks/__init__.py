"""Blocks and networks: block families keyed by ``BlockConfig.kind``, and ``build_model``,
which wires them into a network (stem -> stages -> head) for an ``ArchConfig``."""

from __future__ import annotations

from nas.blocks.build import build_model
from nas.blocks.conv import ConvBlock, PoolBlock
from nas.blocks.convnext import ConvNeXtBlock, Downsample, Patchify
from nas.blocks.ghostnet import GhostBottleneck
from nas.blocks.hsnet import HSStem, ResHet
from nas.blocks.mobilenet import Bneck
from nas.blocks.network import Head, Network, Stage
from nas.blocks.registry import BLOCKS, build_block
from nas.blocks.resnet import BasicBlock

__all__ = [
    "BLOCKS", "BasicBlock", "Bneck", "ConvBlock", "ConvNeXtBlock", "Downsample", "GhostBottleneck", "HSStem",
    "Head", "Network", "Patchify", "PoolBlock", "ResHet", "Stage", "build_block", "build_model",
]
