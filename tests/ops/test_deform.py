from __future__ import annotations

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from fvcore.nn import FlopCountAnalysis
from torch import nn

from nas.ops import DeformConv, LowCostDeformConv, deform_conv_flop_handle

KINDS = [DeformConv, LowCostDeformConv]


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("groups", [1, 2])
def test_fresh_layer_is_a_standard_conv(cls: type[DeformConv], stride: int, groups: int) -> None:
    torch.manual_seed(0)
    layer = cls(4, 6, kernel=3, stride=stride, groups=groups)
    x = torch.randn(2, 4, 9, 8)
    ref = F.conv2d(x, layer.weight, None, stride, 1, groups=groups)
    torch.testing.assert_close(layer(x), ref, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("cls", KINDS)
def test_offset_path_changes_output(cls: type[DeformConv]) -> None:
    torch.manual_seed(0)
    layer = cls(4, 6, kernel=3, bias=True)
    x = torch.randn(1, 4, 8, 8)
    before = layer(x).detach()
    with torch.no_grad():
        for p in layer.offset.parameters():
            p.add_(0.3 * torch.randn_like(p))
    assert not torch.allclose(layer(x), before, atol=1e-3)


def test_offset_paths() -> None:
    dc = DeformConv(8, 16, kernel=3, stride=2)
    assert isinstance(dc.offset, nn.Conv2d) and dc.offset.out_channels == 27 and dc.offset.stride == (2, 2)
    assert dc.offset.weight.abs().sum() == 0 and dc.offset.bias.abs().sum() == 0
    ldc = LowCostDeformConv(8, 16, kernel=3, stride=2)
    dw, pw = ldc.offset
    assert dw.groups == 8 and dw.stride == (2, 2) and pw.kernel_size == (1, 1) and pw.out_channels == 27
    assert pw.weight.abs().sum() == 0 and pw.bias.abs().sum() == 0


def test_gradients_reach_weight_and_offset() -> None:
    layer = LowCostDeformConv(4, 4)
    layer(torch.randn(1, 4, 6, 6)).square().sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    assert layer.offset[1].weight.grad.abs().sum() > 0


def _count(model: nn.Module, x: torch.Tensor) -> FlopCountAnalysis:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(model.eval(), x)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analysis.set_op_handle("torchvision::deform_conv2d", deform_conv_flop_handle)
        analysis.total()
    return analysis


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("stride", [1, 2])
def test_fvcore_count_with_handle(cls: type[DeformConv], stride: int) -> None:
    layer = cls(8, 16, kernel=3, stride=stride, groups=2)
    x = torch.randn(2, 8, 10, 10)
    out = (10 - 1) // stride + 1
    analysis = _count(layer, x)
    main = 2 * out * out * math.prod(layer.weight.shape)
    if cls is DeformConv:
        offset = 2 * out * out * layer.offset.weight.numel()
    else:
        offset = 2 * out * out * (layer.offset[0].weight.numel() + layer.offset[1].weight.numel())
    assert analysis.total() == main + offset
    assert analysis.by_module()["offset"] == offset
    assert not any("deform" in op for op in analysis.unsupported_ops())

