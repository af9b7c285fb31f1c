"""``build_model``: any valid architecture config -> a PyTorch model."""

from __future__ import annotations

import torch

from nas.arch.config import ArchConfig
from nas.arch.shapes import infer_shapes
from nas.arch.vocab import TRANSITIONS
from nas.blocks.network import Head, Network, Stage
from nas.blocks.registry import build_block
from nas.ops import StageShortcut


def build_model(config: ArchConfig, seed: int | None = None) -> Network:
    """Build the network a config describes, for the config's input and classes.

    Args:
        config: the architecture.
        seed: draw the initial weights from torch's CPU generator seeded with this, leaving the
            caller's random state as it was, so the weights depend only on ``(config, seed)``;
            None draws them from the global generator as it stands.

    Raises:
        ConfigError: naming the field, if the config cannot be built.
    """
    if seed is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return build_model(config)
    shapes = iter(infer_shapes(config))
    stem_shape = next(shapes)
    stem = build_block(config.stem, stem_shape.in_channels)
    stages = []
    for stage in config.stages:
        block_shapes = [next(shapes) for _ in stage.blocks]
        blocks = [build_block(s.block, s.in_channels) for s in block_shapes]
        # The stage shortcut starts after a leading downsampling layer, else at the stage input.
        lead = 1 if stage.blocks[0].kind in TRANSITIONS else 0
        span = block_shapes[lead:]
        shortcut = None
        if stage.shortcut == "stage" and span:
            first, last = span[0], span[-1]
            stride = -(-first.in_size // last.out_size)
            shortcut = StageShortcut(first.in_channels, last.out_channels, stride)
        stages.append(Stage(blocks, shortcut, lead))
    last = block_shapes[-1]
    return Network(stem, stages, Head(config.head, last.out_channels, config.num_classes))
