"""Depthwise convolutions, optionally factorized into a kx1 then a 1xk depthwise conv."""

from __future__ import annotations

from torch import nn

from nas.ops.act import make_act

__all__ = ["DepthwiseConv"]


class DepthwiseConv(nn.Sequential):
    """A kxk depthwise conv, or kx1 -> act -> 1xk depthwise convs when factorized.

    Factorizing cuts the weights from ``C*k*k`` to ``2*C*k``; the stride is split between the
    two convs (rows in the first, columns in the second).

    Args:
        channels: Input (and output) channels.
        kernel: Odd kernel size ``k``.
        stride: Spatial stride.
        factorize: Use the kx1 + 1xk form.
        mid_act: Activation name between the two factorized convs (``"none"`` for none).
        bias: Give each conv a bias (ConvNeXt's depthwise conv has one; a conv followed by a
            norm does not need one).
    """

    def __init__(
        self, channels: int, kernel: int = 3, stride: int = 1, factorize: bool = False, mid_act: str = "none",
        bias: bool = False,
    ) -> None:
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"depthwise conv needs an odd kernel size, got {kernel}")
        pad = kernel // 2
        if not factorize:
            layers: list[nn.Module] = [
                nn.Conv2d(channels, channels, kernel, stride, pad, groups=channels, bias=bias)
            ]
        else:
            layers = [
                nn.Conv2d(channels, channels, (kernel, 1), (stride, 1), (pad, 0), groups=channels, bias=bias),
                make_act(mid_act),
                nn.Conv2d(channels, channels, (1, kernel), (1, stride), (0, pad), groups=channels, bias=bias),
            ]
        super().__init__(*layers)
        self.kernel = kernel
        self.stride = stride
        self.factorize = factorize
