from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from fvcore.nn import FlopCountAnalysis
from torch import nn

from nas.ops import GhostModule, HetConv


def masked_dense_weight(het: HetConv) -> torch.Tensor:
    """The standard-conv weight with HetConv's heterogeneous pattern, built from its params."""
    n, m, k, p = het.out_channels, het.in_channels, het.kernel, het.part
    m_g, n_g = m // p, n // p
    weight = torch.zeros(n, m, k, k)
    grouped = het.conv.weight.detach()
    for g in range(p):
        rows = slice(g * n_g, (g + 1) * n_g)
        # Centre-tap-only 1x1 values on every input channel outside group g.
        others = [c for c in range(m) if c // m_g != g]
        weight[rows, others, k // 2, k // 2] = het.weight_1x1.detach()[rows]
        weight[rows, g * m_g:(g + 1) * m_g] = grouped[rows]
    return weight


CASES = [  # (M, N, P, stride, k)
    (8, 12, 2, 1, 3),
    (12, 6, 3, 2, 3),
    (16, 16, 4, 1, 5),
    (16, 32, 8, 2, 5),
    (32, 16, 16, 1, 3),
    (8, 8, 4, 2, 1),
]


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize(("m", "n", "p", "stride", "k"), CASES)
def test_matches_masked_standard_conv(m: int, n: int, p: int, stride: int, k: int, channels_last: bool) -> None:
    torch.manual_seed(0)
    het = HetConv(m, n, kernel=k, stride=stride, part=p)
    x = torch.randn(2, m, 11, 10)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    ref = F.conv2d(x, masked_dense_weight(het), stride=stride, padding=k // 2)
    torch.testing.assert_close(het(x), ref, atol=1e-5, rtol=1e-4)
    het.eval()
    with torch.no_grad():
        torch.testing.assert_close(het(x), ref, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(het(x), ref, atol=1e-5, rtol=1e-4)  # cached weight


def test_cached_weight_follows_in_place_updates() -> None:
    het = HetConv(8, 8, part=2).eval()
    x = torch.randn(1, 8, 6, 6)
    with torch.no_grad():
        het(x)
        het.weight_1x1.mul_(2.0)
        ref = F.conv2d(x, masked_dense_weight(het), padding=1)
        torch.testing.assert_close(het(x), ref, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(("m", "n", "p", "stride", "k"), CASES)
def test_param_count_and_macs_are_analytic(m: int, n: int, p: int, stride: int, k: int) -> None:
    het = HetConv(m, n, kernel=k, stride=stride, part=p)
    per_pixel = n * (m // p * k * k + m - m // p)
    assert sum(t.numel() for t in het.parameters()) == per_pixel
    assert het.exact_macs(7, 5) == 7 * 5 * per_pixel


def test_part_one_is_a_standard_conv() -> None:
    het = HetConv(16, 24, kernel=3, stride=2, part=1)
    conv = nn.Conv2d(16, 24, 3, 2, 1, bias=False)
    assert [type(mod) for mod in het.modules()][1:] == [nn.Conv2d]
    assert sum(t.numel() for t in het.parameters()) == sum(t.numel() for t in conv.parameters())
    conv.weight.data.copy_(het.conv.weight.data)
    x = torch.randn(2, 16, 9, 9)
    torch.testing.assert_close(het(x), conv(x))
    assert het.exact_macs(5, 5) == 25 * conv.weight.numel()


@pytest.mark.parametrize(("m", "n", "p", "numbers"), [(40, 30, 3, "part 3 does not divide 40 input"),
                                                      (32, 30, 4, "part 4 does not divide 30 output")])
def test_divisibility_errors_name_the_numbers(m: int, n: int, p: int, numbers: str) -> None:
    with pytest.raises(ValueError, match=numbers):
        HetConv(m, n, part=p)


def test_bad_kernel_and_pointwise_raise() -> None:
    with pytest.raises(ValueError, match="odd kernel"):
        HetConv(8, 8, kernel=2, part=2)
    with pytest.raises(ValueError, match="'sparse'"):
        HetConv(8, 8, part=2, pointwise="sparse")


@pytest.mark.parametrize("channels_last", [False, True])
def test_gradients_reach_both_parts(channels_last: bool) -> None:
    het = HetConv(8, 8, part=4, stride=2)
    x = torch.randn(2, 8, 7, 7, requires_grad=True)
    xin = x.contiguous(memory_format=torch.channels_last) if channels_last else x
    y = het(xin)
    y.square().sum().backward()
    # Gradient of the input matches the equivalent masked standard conv.
    x_ref = x.detach().requires_grad_(True)
    F.conv2d(x_ref, masked_dense_weight(het), stride=2, padding=1).square().sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, atol=1e-5, rtol=1e-4)
    assert het.conv.weight.grad is not None and het.conv.weight.grad.abs().sum() > 0
    assert het.weight_1x1.grad is not None and het.weight_1x1.grad.abs().sum() > 0


def test_ghost_pointwise() -> None:
    het = HetConv(16, 24, kernel=3, stride=2, part=4, pointwise="ghost", ghost_ratio=2)
    assert isinstance(het.ghost, GhostModule) and het.weight_1x1 is None
    x = torch.randn(2, 16, 10, 10)
    y = het(x)
    assert y.shape == (2, 24, 5, 5)
    het.eval()
    with torch.no_grad():
        torch.testing.assert_close(het(x), het.conv(x) + het.ghost(x))
    ghost_macs = 5 * 5 * (16 * 12 + 12 * 9)  # primary 1x1 16->12, cheap 3x3 depthwise 12->12
    assert het.exact_macs(5, 5) == 5 * 5 * 24 * 4 * 9 + ghost_macs
    het.train()
    het(x).sum().backward()
    assert het.ghost.primary[0].weight.grad is not None and het.conv.weight.grad is not None


@pytest.mark.parametrize("channels_last", [False, True])
def test_traced_graph_has_no_in_place_product(channels_last: bool) -> None:
    het = HetConv(16, 16, part=4).eval()
    x = torch.randn(1, 16, 8, 8)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        traced = torch.jit.trace(het, (x,))
        torch.testing.assert_close(traced(x), het(x))
    kinds = {node.kind() for node in traced.graph.nodes()}
    assert not {"aten::addmm_", "aten::baddbmm_", "aten::baddbmm", "aten::scatter"} & kinds


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("pointwise", ["dense", "ghost"])
def test_fvcore_sees_only_known_ops(channels_last: bool, pointwise: str) -> None:
    het = HetConv(16, 16, part=4, stride=2, pointwise=pointwise).eval()
    x = torch.randn(1, 16, 8, 8)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(het, x).unsupported_ops_warnings(False)
        het(x)  # fills the eval-mode weight cache; tracing must not use it
        assert analysis.total() > 0
    assert set(analysis.unsupported_ops()) <= {"aten::add", "aten::add_"}


def test_extra_repr() -> None:
    assert "part=4" in repr(HetConv(8, 8, part=4))
