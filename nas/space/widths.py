"""Channel rounding used when a space turns widths and ratios into channel counts."""

from __future__ import annotations

import math


def round_channels(value: float, divisor: int = 8) -> int:
    """Round a width to a multiple of ``divisor``, never below it nor >10% under ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def hidden_channels(in_channels: int, expand: float, part: int = 1) -> int:
    """A hidden width ``in * expand``, rounded to a multiple of 8 and of the HetConv part."""
    return round_channels(in_channels * expand, math.lcm(8, part))
