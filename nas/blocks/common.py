"""Pieces every block family shares: conv units per conv kind, pointwise convs, attention."""

from __future__ import annotations

from torch import nn

from nas.arch.config import BlockConfig
from nas.arch.families import FAMILY_TABLE
from nas.ops import ECA, GhostModule, HetConv, SqueezeExcite, make_act, make_divisible


def block_act(block: BlockConfig) -> str:
    """The block's activation name (its own, or its family's default)."""
    return block.act if block.act is not None else FAMILY_TABLE[block.kind].default_act


def conv_unit(block: BlockConfig, in_channels: int, out_channels: int, stride: int, act: str) -> nn.Module:
    """A kxk conv of the block's conv kind, with its norm and activation.

    Standard conv (part 1, no Ghost) -> Conv-BN-act; HetConv (part P > 1; its 1x1 part a Ghost
    module when ``ghost`` is set) -> HetConv-BN-act; Ghost only -> a GhostModule whose primary
    conv is kxk (it carries its own norms).
    """
    k = block.kernel
    if block.part > 1:
        conv: nn.Module = HetConv(
            in_channels, out_channels, kernel=k, stride=stride, part=block.part,
            pointwise="ghost" if block.ghost else "dense", ghost_ratio=block.ghost or 2,
        )
    elif block.ghost:
        return GhostModule(in_channels, out_channels, ratio=block.ghost, kernel=k, stride=stride, act=act)
    else:
        conv = nn.Conv2d(in_channels, out_channels, k, stride, k // 2, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels), make_act(act))


def pointwise(block: BlockConfig, in_channels: int, out_channels: int, act: str) -> nn.Module:
    """A 1x1 conv with norm and activation, or a Ghost module when the block uses Ghost."""
    if block.ghost:
        return GhostModule(in_channels, out_channels, ratio=block.ghost, act=act)
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels), make_act(act))


def attention(kind: str, channels: int, se_divisor: int = 8) -> nn.Module:
    """Channel attention: SE (squeeze to a quarter, hard-sigmoid gate), ECA, or nothing."""
    if kind == "se":
        return SqueezeExcite(channels, make_divisible(channels // 4, se_divisor), act="relu", gate="hsigmoid")
    if kind == "eca":
        return ECA(channels)
    return nn.Identity()
