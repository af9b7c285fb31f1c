"""Each proxy against values worked out by hand on tiny networks with fixed weights."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from nas.zero_cost import Batch, grad_norm, naswot, snip, synflow


def linear(weight: list[list[float]]) -> nn.Linear:
    w = torch.tensor(weight, dtype=torch.float32)
    layer = nn.Linear(w.shape[1], w.shape[0], bias=False)
    with torch.no_grad():
        layer.weight.copy_(w)
    return layer


def images(rows: list[list[float]]) -> torch.Tensor:
    """Each row as a 1 x 1 x len(row) image."""
    return torch.tensor(rows, dtype=torch.float32).view(len(rows), 1, 1, -1)


def test_synflow_two_linear_layers() -> None:
    # |W1| = [[1, 2], [3, .5]], |W2| = [[.5, 1], [2, 1]], input (1, 1):
    # h = |W1| 1 = (3, 3.5); out = |W2| h = (5, 9.5); R = 14.5.
    # Layer 2: sum |w| dR/dw = sum_ij |W2_ij| h_j = R = 14.5.
    # Layer 1: dR/dW1_jk = colsum(|W2|)_j * 1 = (2.5, 2)_j; sum = 2.5 * 3 + 2 * 3.5 = 14.5.
    net = nn.Sequential(nn.Flatten(1), linear([[1, -2], [3, 0.5]]), nn.ReLU(), linear([[0.5, -1], [2, 1]]))
    batch = Batch(images([[0.3, -0.7], [1.0, 2.0]]), torch.tensor([0, 1]))
    assert synflow(net, batch) == pytest.approx(math.log(29.0), rel=1e-12)


def test_synflow_overflow_is_rescaled_exactly() -> None:
    # 40 layers of W = c * ones(4, 4): h_l = (4c)^l, R = 4 (4c)^40 and each layer contributes R,
    # so ln S = ln 40 + ln 4 + 40 ln(4c): about 981 for c = 1e10, beyond float64 (709.8).
    c, depth = 1e10, 40
    net = nn.Sequential(nn.Flatten(1), *[linear([[c] * 4] * 4) for _ in range(depth)])
    batch = Batch(images([[1, 2, 3, 4], [4, 3, 2, 1]]), torch.tensor([0, 1]))
    expected = math.log(depth) + math.log(4) + depth * math.log(4 * c)
    assert expected > math.log(1.7976931348623157e308)
    assert synflow(net, batch) == pytest.approx(expected, rel=1e-9)


def test_synflow_of_a_dead_network_is_finite() -> None:
    net = nn.Sequential(nn.Flatten(1), linear([[0.0, 0.0]]))
    assert math.isfinite(synflow(net, Batch(images([[1, 2], [3, 4]]), torch.tensor([0, 0]))))


def test_snip_and_grad_norm_one_layer() -> None:
    # W = [[1, 1], [-1, -1]] maps x1 = (1, -1) and x2 = (2, -2) to logits 0: p = (.5, .5).
    # Labels (0, 1): dL/dz1 = (-.5, .5) / 2, dL/dz2 = (.5, -.5) / 2 (mean over 2 images), so
    # dL/dW = [[-.25, .25], [.25, -.25]] + [[.5, -.5], [-.5, .5]] = [[.25, -.25], [-.25, .25]].
    # snip = sum |W * g| = 4 * .25 = 1; grad_norm = ||g|| = sqrt(4 * .0625) = .5.
    net = nn.Sequential(nn.Flatten(1), linear([[1, 1], [-1, -1]]))
    batch = Batch(images([[1, -1], [2, -2]]), torch.tensor([0, 1]))
    assert snip(net, batch) == pytest.approx(1.0, rel=1e-6)
    assert grad_norm(net, batch) == pytest.approx(0.5, rel=1e-6)


def _softmax(z: list[float]) -> list[float]:
    e = [math.exp(v - max(z)) for v in z]
    return [v / sum(e) for v in e]


def test_snip_and_grad_norm_two_layers() -> None:
    # The chain rule written out with plain floats: h = relu(A x), z = B h, L = mean CE.
    a = [[1.0, -0.5], [0.25, 2.0]]
    b = [[0.5, -1.0], [1.5, 0.75]]
    xs, ys = [[1.0, 2.0], [-1.0, 0.5], [2.0, -3.0]], [1, 0, 1]
    n = len(xs)
    g_a = [[0.0, 0.0], [0.0, 0.0]]
    g_b = [[0.0, 0.0], [0.0, 0.0]]
    for x, y in zip(xs, ys):
        pre = [sum(a[j][k] * x[k] for k in range(2)) for j in range(2)]
        h = [max(v, 0.0) for v in pre]
        z = [sum(b[i][j] * h[j] for j in range(2)) for i in range(2)]
        d = [(p - (1.0 if i == y else 0.0)) / n for i, p in enumerate(_softmax(z))]
        for i in range(2):
            for j in range(2):
                g_b[i][j] += d[i] * h[j]
        dh = [sum(b[i][j] * d[i] for i in range(2)) * (1.0 if pre[j] > 0 else 0.0) for j in range(2)]
        for j in range(2):
            for k in range(2):
                g_a[j][k] += dh[j] * x[k]
    expected_snip = sum(abs(w * g) for W, G in ((a, g_a), (b, g_b)) for rw, rg in zip(W, G) for w, g in zip(rw, rg))
    expected_norm = sum(math.sqrt(sum(g * g for row in G for g in row)) for G in (g_a, g_b))
    net = nn.Sequential(nn.Flatten(1), linear(a), nn.ReLU(), linear(b))
    batch = Batch(images(xs), torch.tensor(ys))
    assert snip(net, batch) == pytest.approx(expected_snip, rel=1e-5)
    assert grad_norm(net, batch) == pytest.approx(expected_norm, rel=1e-5)


@pytest.mark.parametrize("act", [nn.ReLU, nn.Hardswish, nn.GELU, nn.SiLU])
def test_naswot_three_images(act: type[nn.Module]) -> None:
    # W = [[1, 0], [0, 1], [1, 1]]: pre-activations (1, 1, 2), (1, -2, -1), (-1, 2, 1), so the
    # codes are 111, 100, 011 and K (units agreeing) = [[3, 1, 2], [1, 3, 0], [2, 0, 3]],
    # det K = 3 * 9 - 1 * 3 + 2 * (-6) = 12, whatever the activation (the code is its input's sign).
    net = nn.Sequential(nn.Flatten(1), linear([[1, 0], [0, 1], [1, 1]]), act(), linear([[1, 1, 1]]))
    batch = Batch(images([[1, 1], [1, -2], [-1, 2]]), torch.tensor([0, 0, 0]))
    assert naswot(net, batch) == pytest.approx(math.log(12.0), rel=1e-12)


def test_naswot_ignores_gates_and_counts_every_rectifier() -> None:
    # A second ReLU on the same pre-activations doubles every count: K' = 2K, det = 8 * 12;
    # a sigmoid adds no units.
    gated = nn.Sequential(nn.Flatten(1), linear([[1, 0], [0, 1], [1, 1]]), nn.Sigmoid(), nn.Identity())
    twice = nn.Sequential(nn.Flatten(1), linear([[1, 0], [0, 1], [1, 1]]), nn.ReLU(), nn.ReLU(), nn.Sigmoid())
    batch = Batch(images([[1, 1], [1, -2], [-1, 2]]), torch.tensor([0, 0, 0]))
    assert naswot(twice, batch) == pytest.approx(math.log(96.0), rel=1e-12)
    # No rectifier at all: K = 0, so ln det(0 + I) = 0.
    assert naswot(gated, batch) == pytest.approx(0.0, abs=1e-12)


def test_naswot_singular_kernel_uses_k_plus_identity() -> None:
    # Codes 111, 111, 100: K = [[3, 3, 1], [3, 3, 1], [1, 1, 3]] is singular;
    # det(K + I) = 4 * 15 - 3 * 11 + 1 * (-1) = 26.
    net = nn.Sequential(nn.Flatten(1), linear([[1, 0], [0, 1], [1, 1]]), nn.ReLU())
    batch = Batch(images([[1, 1], [1, 1], [1, -2]]), torch.tensor([0, 0, 0]))
    assert naswot(net, batch) == pytest.approx(math.log(26.0), rel=1e-12)
