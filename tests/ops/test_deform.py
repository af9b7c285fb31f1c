from __future__ import annotations

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from fvcore.nn import FlopCountAnalysis
from torch import nn

from nas.cost import count_flops
from nas.ops import DeformConv, LowCostDeformConv, deform_conv_flop_handle
from nas.ops.deform import deform_conv2d

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


@pytest.mark.parametrize("cls", KINDS)
@pytest.mark.parametrize("stride", [1, 2])
def test_counted_as_a_regular_conv_plus_the_offset_path(cls: type[DeformConv], stride: int) -> None:
    layer = cls(8, 16, kernel=3, stride=stride, groups=2)
    out = (10 - 1) // stride + 1
    count = count_flops(layer, (8, 10, 10))
    main = out * out * math.prod(layer.weight.shape)
    if cls is DeformConv:
        offset = out * out * layer.offset.weight.numel()
    else:
        offset = out * out * (layer.offset[0].weight.numel() + layer.offset[1].weight.numel())
    assert count.total == main + offset
    assert not count.conv_like_unsupported


def test_torchvisions_op_is_counted_with_the_handle() -> None:
    """A user's model built on ``torchvision.ops.deform_conv2d`` counts the same way."""
    from torchvision.ops import DeformConv2d

    layer = DeformConv2d(4, 6, 3, padding=1)
    x, offset = torch.randn(1, 4, 8, 8), torch.zeros(1, 18, 8, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(layer.eval(), (x, offset))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analysis.set_op_handle("torchvision::deform_conv2d", deform_conv_flop_handle)
        assert analysis.total() == 8 * 8 * layer.weight.numel()


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [3, 5])
def test_same_function_and_gradients_as_torchvisions_kernel(groups: int, stride: int, kernel: int) -> None:
    """Offsets large enough to sample outside the image, a mask, a bias: values and every
    gradient agree with ``torchvision.ops.deform_conv2d`` (away from the measure-zero kinks
    of bilinear interpolation, which random offsets do not hit)."""
    from torchvision.ops import deform_conv2d as reference

    gen = torch.Generator().manual_seed(groups * 10 + stride + kernel)
    b, c, o, h, w = 3, 4, 6, 11, 9
    pad = kernel // 2
    ho, wo = (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1
    taps = kernel * kernel
    x = torch.randn(b, c, h, w, generator=gen, dtype=torch.float64).requires_grad_()
    offset = (3 * torch.randn(b, 2 * taps, ho, wo, generator=gen, dtype=torch.float64)).requires_grad_()
    mask = torch.rand(b, taps, ho, wo, generator=gen, dtype=torch.float64).requires_grad_()
    weight = torch.randn(o, c // groups, kernel, kernel, generator=gen, dtype=torch.float64).requires_grad_()
    bias = torch.randn(o, generator=gen, dtype=torch.float64).requires_grad_()
    inputs = (x, offset, mask, weight, bias)
    ours = deform_conv2d(x, offset, weight, bias, stride=stride, padding=pad, mask=mask)
    theirs = reference(x, offset, weight, bias, stride=stride, padding=pad, mask=mask)
    torch.testing.assert_close(ours, theirs)
    cotangent = torch.randn(ours.shape, generator=gen, dtype=torch.float64)
    for g_ours, g_theirs in zip(torch.autograd.grad(ours, inputs, cotangent),
                                torch.autograd.grad(theirs, inputs, cotangent)):
        torch.testing.assert_close(g_ours, g_theirs)
