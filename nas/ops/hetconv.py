"""Heterogeneous convolution (HetConv, Singh et al. CVPR 2019).

Each of the ``N`` filters over ``M`` input channels has ``M/P`` kxk kernels and ``M - M/P``
1x1 kernels. Under a fixed channel permutation this is a grouped kxk conv (``groups=P``) plus
a 1x1 conv whose weight block over each group's own kxk channels is absent:

    y = conv_kxk(x, groups=P) + conv_1x1(x)

The 1x1 parameter holds only the ``M - M/P`` present weights per filter, so the parameter
count is exactly ``N * (M/P * k*k + M - M/P)``. The forward scatters it into a dense
``(N, M)`` matrix (zeros on the absent blocks; cached while no gradient is recorded) and
accumulates the 1x1 product in place into the grouped conv's output. Both parts run in
channels-last layout; the output of a ``part > 1`` dense HetConv is channels-last.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nas.ops.ghost import GhostModule

__all__ = ["HetConv"]

_POINTWISE = ("dense", "ghost")


class HetConv(nn.Module):
    """HetConv layer (no bias, no norm): ``part`` P splits each filter into kxk and 1x1 kernels.

    ``part=1`` is a standard conv (a single ``nn.Conv2d``; ``pointwise`` is then unused, since
    there is no 1x1 part). With ``pointwise="ghost"`` the 1x1 part is a
    :class:`GhostModule` over all input channels (HSNet's improved HetConv).

    Args:
        in_channels: Input channels ``M``; divisible by ``part``.
        out_channels: Output channels ``N``; divisible by ``part``.
        kernel: Odd kernel size ``k`` of the heterogeneous kernels.
        stride: Stride of both parts (the 1x1 part subsamples).
        part: ``P``; each filter has ``M/P`` kxk kernels.
        pointwise: ``"dense"`` (exact HetConv) or ``"ghost"``.
        ghost_ratio: Ratio of the Ghost module when ``pointwise="ghost"``.

    Raises:
        ValueError: On a part that does not divide the channels, an even kernel, or an unknown
            ``pointwise``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int = 3,
        stride: int = 1,
        part: int = 1,
        pointwise: str = "dense",
        ghost_ratio: int = 2,
    ) -> None:
        super().__init__()
        if part < 1:
            raise ValueError(f"part must be at least 1, got {part}")
        for what, channels in (("input", in_channels), ("output", out_channels)):
            if channels % part:
                raise ValueError(f"part {part} does not divide {channels} {what} channels")
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"HetConv needs an odd kernel size, got {kernel}")
        if pointwise not in _POINTWISE:
            raise ValueError(f"unknown pointwise {pointwise!r}; expected one of {', '.join(_POINTWISE)}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel = kernel
        self.stride = stride
        self.part = part
        self.pointwise = pointwise if part > 1 else "none"
        self.conv = nn.Conv2d(
            in_channels, out_channels, kernel, stride, kernel // 2, groups=part, bias=False
        )
        self.ghost: GhostModule | None = None
        self.weight_1x1: nn.Parameter | None = None
        self._cache: tuple[tuple[object, ...], torch.Tensor] | None = None
        if part == 1:
            return
        if pointwise == "ghost":
            self.ghost = GhostModule(in_channels, out_channels, ratio=ghost_ratio, stride=stride, act=False)
            return
        m_in = in_channels // part
        self.weight_1x1 = nn.Parameter(torch.empty(out_channels, in_channels - m_in))
        # Column index of each present 1x1 weight: for output group g, every input channel
        # outside input group g, in increasing order.
        # (Computed on the CPU even while a model is built on the meta device, which cannot index.)
        n_out = out_channels // part
        group_of_out = torch.arange(out_channels, device="cpu") // n_out
        cols = torch.arange(in_channels, device="cpu").expand(out_channels, -1)
        keep = (cols // m_in) != group_of_out[:, None]
        self.register_buffer("_index", cols[keep].view(out_channels, -1).clone(), persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform init with bound ``1/sqrt(fan_in)`` over the whole heterogeneous filter."""
        if self.weight_1x1 is None:
            return
        fan_in = self.in_channels // self.part * self.kernel ** 2 + self.weight_1x1.shape[1]
        bound = 1.0 / math.sqrt(fan_in)
        nn.init.uniform_(self.conv.weight, -bound, bound)
        nn.init.uniform_(self.weight_1x1, -bound, bound)
        self._cache = None

    def dense_1x1(self) -> torch.Tensor:
        """The 1x1 part as a dense ``(N, M)`` matrix, zero on each group's own channels.

        Returns:
            The scattered matrix (differentiable w.r.t. ``weight_1x1``).
        """
        w = self.weight_1x1
        if w is None:
            raise ValueError("this HetConv has no dense 1x1 part")
        rows = torch.arange(self.out_channels, device=w.device)[:, None]
        # index_put_ (unlike scatter) is an op FLOP counters know to be free.
        return w.new_zeros(self.out_channels, self.in_channels).index_put_((rows, self._index), w)

    def _pointwise_t(self) -> torch.Tensor:
        """Transposed dense 1x1 matrix ``(M, N)``, cached while no gradient is recorded (not traced)."""
        w = self.weight_1x1
        assert w is not None
        if (torch.is_grad_enabled() and w.requires_grad) or torch.jit.is_tracing():
            return self.dense_1x1().t()
        # The version counter changes on every in-place update (optimizer steps, load_state_dict).
        key = (w._version, w.data_ptr(), w.dtype, w.device)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.dense_1x1().t().detach())
        return self._cache[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.part == 1:
            return self.conv(x)
        if self.ghost is not None:
            return self.conv(x) + self.ghost(x)
        # oneDNN's grouped conv is several times faster on channels-last tensors than on
        # channels-first ones (which it reorders internally), so both parts run channels-last
        # and the output stays channels-last.
        x = x.contiguous(memory_format=torch.channels_last)
        y = self.conv(x).contiguous(memory_format=torch.channels_last)
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        # (pixels, channels) rows: the 1x1 part is one GEMM accumulated into the conv output.
        rows = x.permute(0, 2, 3, 1).reshape(-1, self.in_channels)
        y_rows = y.permute(0, 2, 3, 1).view(-1, self.out_channels)
        w_t = self._pointwise_t()
        if torch.jit.is_tracing():
            # Out-of-place so that FLOP counters see a plain aten::addmm.
            b, _, h, w = y.shape
            return torch.addmm(y_rows, rows, w_t).view(b, h, w, -1).permute(0, 3, 1, 2)
        y_rows.addmm_(rows, w_t)
        return y

    def exact_macs(self, out_h: int, out_w: int) -> int:
        """Analytic MACs for one image (``N * (M/P*k*k + M - M/P)`` per output pixel).

        Args:
            out_h: Output height.
            out_w: Output width.

        Returns:
            The MAC count; for the Ghost form, the grouped kxk MACs plus the Ghost module's.
        """
        kxk = out_h * out_w * self.conv.weight.numel()
        if self.ghost is not None:
            return kxk + self.ghost.exact_macs(out_h, out_w)
        ones = self.weight_1x1.numel() if self.weight_1x1 is not None else 0
        return kxk + out_h * out_w * ones

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel={self.kernel}, stride={self.stride}, "
            f"part={self.part}, pointwise={self.pointwise}"
        )
