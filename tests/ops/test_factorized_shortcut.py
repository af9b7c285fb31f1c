from __future__ import annotations

import pytest
import torch
from torch import nn

from nas.ops import DepthwiseConv, StageShortcut


@pytest.mark.parametrize("k", [3, 5, 7])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("factorize", [False, True])
def test_depthwise_shapes_and_params(k: int, stride: int, factorize: bool) -> None:
    dw = DepthwiseConv(16, k, stride, factorize=factorize, mid_act="relu")
    params = sum(t.numel() for t in dw.parameters())
    assert params == (2 * 16 * k if factorize else 16 * k * k)
    y = dw(torch.randn(2, 16, 15, 14))
    assert y.shape == (2, 16, (15 - 1) // stride + 1, (14 - 1) // stride + 1)


def test_factorized_layout() -> None:
    dw = DepthwiseConv(8, 5, 2, factorize=True, mid_act="gelu")
    first, act, second = dw
    assert first.kernel_size == (5, 1) and first.stride == (2, 1) and first.groups == 8
    assert isinstance(act, nn.GELU)
    assert second.kernel_size == (1, 5) and second.stride == (1, 2)
    assert isinstance(DepthwiseConv(8, 3, factorize=True)[1], nn.Identity)


def test_factorized_is_outer_product_without_mid_act() -> None:
    dw = DepthwiseConv(4, 3, 1, factorize=True)
    full = DepthwiseConv(4, 3, 1)
    col, row = dw[0].weight.detach(), dw[2].weight.detach()  # (C,1,3,1), (C,1,1,3)
    full[0].weight.data.copy_(col * row)
    x = torch.randn(1, 4, 7, 7)
    torch.testing.assert_close(dw(x), full(x), atol=1e-5, rtol=1e-4)


def test_even_kernel_rejected() -> None:
    with pytest.raises(ValueError, match="odd kernel"):
        DepthwiseConv(8, 4)


@pytest.mark.parametrize(("c_in", "c_out", "stride", "size", "out_size"), [
    (16, 16, 1, 8, 8), (16, 32, 1, 8, 8), (16, 16, 2, 7, 4), (16, 32, 2, 8, 4), (8, 24, 4, 14, 4),
])
def test_stage_shortcut_shapes(c_in: int, c_out: int, stride: int, size: int, out_size: int) -> None:
    sc = StageShortcut(c_in, c_out, stride)
    assert sc(torch.randn(2, c_in, size, size)).shape == (2, c_out, out_size, out_size)


def test_stage_shortcut_parts() -> None:
    x = torch.randn(1, 8, 4, 4)
    assert torch.equal(StageShortcut(8, 8, 1)(x), x)
    assert sum(t.numel() for t in StageShortcut(8, 8, 2).parameters()) == 0
    sc = StageShortcut(8, 16, 2)
    assert isinstance(sc.pool, nn.AvgPool2d) and isinstance(sc.proj[0], nn.Conv2d)
    assert isinstance(sc.proj[1], nn.BatchNorm2d)
