from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nas.ops import (
    ACTIVATIONS,
    ECA,
    GhostModule,
    LayerNorm2d,
    SqueezeExcite,
    eca_kernel_size,
    make_act,
    make_divisible,
)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_make_act_known_names(name: str) -> None:
    assert isinstance(make_act(name), nn.Module)


def test_make_act_types_and_unknown() -> None:
    assert isinstance(make_act("hswish"), nn.Hardswish)
    assert isinstance(make_act("none"), nn.Identity)
    with pytest.raises(ValueError, match="'swishy'"):
        make_act("swishy")


def test_layernorm2d_matches_channel_layernorm() -> None:
    x = torch.randn(2, 6, 4, 5)
    ln = LayerNorm2d(6)
    nn.init.normal_(ln.weight)
    nn.init.normal_(ln.bias)
    ref = nn.functional.layer_norm(x.permute(0, 2, 3, 1), (6,), ln.weight, ln.bias, 1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(ln(x), ref)


@pytest.mark.parametrize(("out", "ratio", "stride"), [(15, 2, 1), (17, 3, 2), (16, 2, 1)])
def test_ghost_module_shape_and_structure(out: int, ratio: int, stride: int) -> None:
    gm = GhostModule(8, out, ratio=ratio, stride=stride)
    init = math.ceil(out / ratio)
    assert gm.primary[0].out_channels == init
    assert gm.cheap[0].out_channels == init * (ratio - 1)
    assert gm.cheap[0].groups == init
    y = gm(torch.randn(2, 8, 9, 9))
    size = (9 - 1) // stride + 1
    assert y.shape == (2, out, size, size)
    assert gm.exact_macs(size, size) == size * size * (8 * init + init * (ratio - 1) * 9)


def test_ghost_module_act_options() -> None:
    assert isinstance(GhostModule(4, 4, act=False).primary[2], nn.Identity)
    assert isinstance(GhostModule(4, 4, act=True).cheap[2], nn.ReLU)
    assert isinstance(GhostModule(4, 4, act="hswish").primary[2], nn.Hardswish)
    gm = GhostModule(4, 8, act=False).eval()
    x = torch.randn(1, 4, 5, 5)
    with torch.no_grad():
        y = gm(x)
        torch.testing.assert_close(y[:, :4], gm.primary(x))  # primary maps come first


def _eca_formula(c: int) -> int:
    t = int(abs((math.log2(c) + 1) / 2))
    return t if t % 2 else t + 1


@pytest.mark.parametrize(("channels", "k"), [(16, 3), (64, 3), (128, 5), (256, 5), (512, 5), (1024, 5), (2048, 7)])
def test_eca_kernel_size(channels: int, k: int) -> None:
    assert eca_kernel_size(channels) == k == _eca_formula(channels)


def test_eca_scales_input() -> None:
    eca = ECA(64)
    assert eca.conv.kernel_size == (3,) and eca.conv.padding == (1,) and eca.conv.bias is None
    x = torch.randn(2, 64, 5, 5)
    y = eca(x)
    assert y.shape == x.shape
    nn.init.zeros_(eca.conv.weight)  # gate sigmoid(0) = 0.5
    torch.testing.assert_close(eca(x), 0.5 * x)
    assert ECA(64, k=7).conv.kernel_size == (7,)


def test_make_divisible() -> None:
    assert make_divisible(16) == 16
    assert make_divisible(15) == 16
    assert make_divisible(3) == 8
    assert make_divisible(91, 8) == 88
    assert make_divisible(10, 8) == 16  # rounding down to 8 would drop 20%
    assert make_divisible(12, 8, min_value=16) == 16


def test_squeeze_excite() -> None:
    se = SqueezeExcite(32, 8)
    assert (se.fc1.in_channels, se.fc1.out_channels, se.fc2.out_channels) == (32, 8, 32)
    assert isinstance(se.gate, nn.Hardsigmoid) and isinstance(se.act, nn.ReLU)
    x = torch.randn(2, 32, 6, 6)
    assert se(x).shape == x.shape
    nn.init.zeros_(se.fc2.weight)
    nn.init.zeros_(se.fc2.bias)  # hard-sigmoid(0) = 0.5
    torch.testing.assert_close(se(x), 0.5 * x)
